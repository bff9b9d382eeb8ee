"""A pyzmq pipeline with a streamer proxy in the middle:
PUSH -> [PULL proxy PUSH] -> two PULL workers -> PUSH -> PULL sink."""

import threading

import zmq

ctx = zmq.Context()
front = ctx.socket(zmq.PULL)
front_port = front.bind_to_random_port("tcp://127.0.0.1")
back = ctx.socket(zmq.PUSH)
back.bind("inproc://workers")


def run_proxy():
    try:
        zmq.proxy(front, back)
    except zmq.ContextTerminated:
        pass
    front.close()
    back.close()


proxy_thread = threading.Thread(target=run_proxy)
proxy_thread.start()
sink = ctx.socket(zmq.PULL)
sink.bind("inproc://sink")


def work(name):
    pull = ctx.socket(zmq.PULL)
    pull.connect("inproc://workers")
    push = ctx.socket(zmq.PUSH)
    push.connect("inproc://sink")
    while True:
        n = int(pull.recv())
        if n < 0:
            break
        push.send_string(str(n * n))
    pull.close()
    push.close()


workers = [threading.Thread(target=work, args=(i,)) for i in range(2)]
for w in workers:
    w.start()
source = ctx.socket(zmq.PUSH)
source.connect("tcp://127.0.0.1:%d" % front_port)
for n in range(1, 11):
    source.send_string(str(n))
sink.setsockopt(zmq.RCVTIMEO, 5000)
results = sorted(int(sink.recv()) for _ in range(10))
print("squares", results)
print("sum", sum(results))
for _ in workers:
    source.send_string("-1")
for w in workers:
    w.join(5)
source.close()
sink.close()
ctx.term()  # ends the proxy with ContextTerminated
proxy_thread.join(5)
print("proxy stopped", not proxy_thread.is_alive())
