"""A one-minute tour: messages flowing through purezmq sockets over TCP.

Run: python examples/hello.py
"""

import threading
import time

import purezmq as zmq


def main() -> None:
    ctx = zmq.Context()

    # Request-reply: a REP server answering in a thread.
    rep = ctx.socket(zmq.REP)
    port = rep.bind_to_random_port("tcp://127.0.0.1")

    def serve() -> None:
        for _ in range(3):
            name = rep.recv_string()
            rep.send_string(f"hello, {name}")

    server = threading.Thread(target=serve)
    server.start()
    req = ctx.socket(zmq.REQ)
    req.connect(f"tcp://127.0.0.1:{port}")
    for name in ("Alice", "Bob", "Carol"):
        req.send_string(name)
        print("REQ got:", req.recv_string())
    server.join()

    # Publish-subscribe: only the subscribed topic arrives.
    pub = ctx.socket(zmq.PUB)
    pub.bind("tcp://127.0.0.1:*")
    sub = ctx.socket(zmq.SUB)
    sub.connect(pub.last_endpoint.decode())
    sub.subscribe("weather")
    sub.rcvtimeo = 2000
    time.sleep(0.2)  # let the subscription reach the publisher
    pub.send_string("sports: 3-1")
    pub.send_string("weather: sunny")
    print("SUB got:", sub.recv_string())

    # Pipeline: PUSH spreads a batch over two PULL workers.
    push = ctx.socket(zmq.PUSH)
    push.bind("tcp://127.0.0.1:*")
    pulls = [ctx.socket(zmq.PULL) for _ in range(2)]
    for p in pulls:
        p.connect(push.last_endpoint.decode())
    time.sleep(0.2)
    n = 10_000
    start = time.perf_counter()
    for i in range(n):
        push.send(b"%d" % i)
    poller = zmq.Poller()
    for p in pulls:
        poller.register(p, zmq.POLLIN)
    counts = [0, 0]
    while sum(counts) < n:
        for sock, _ in poller.poll(2000):
            counts[pulls.index(sock)] += 1
            sock.recv()
    elapsed = time.perf_counter() - start
    print(f"PUSH->PULL: {n} messages in {elapsed * 1000:.0f} ms, per worker: {counts}")

    for s in (rep, req, pub, sub, push, *pulls):
        s.close(linger=0)
    ctx.term()


if __name__ == "__main__":
    main()
