"""A pyzmq pub/sub fan-out: three subscribers with different prefixes."""

import time

import zmq

ctx = zmq.Context()
pub = ctx.socket(zmq.PUB)
pub.bind("tcp://127.0.0.1:0")
endpoint = pub.getsockopt_string(zmq.LAST_ENDPOINT)
subs = {}
for prefix in ["weather", "sports", ""]:
    sub = ctx.socket(zmq.SUB)
    sub.setsockopt_string(zmq.SUBSCRIBE, prefix)
    sub.connect(endpoint)
    subs[prefix or "all"] = sub
# Publish until every subscriber has seen the first message (slow joiner).
poller = zmq.Poller()
for sub in subs.values():
    poller.register(sub, zmq.POLLIN)
deadline = time.monotonic() + 5
while len(dict(poller.poll(10))) < 2 and time.monotonic() < deadline:
    pub.send_multipart([b"sports", b"warmup"])
    pub.send_multipart([b"weather", b"warmup"])
for sub in subs.values():  # drop the warm-up traffic
    while sub.poll(100):
        sub.recv_multipart()
for topic, body in [(b"weather", b"sunny"), (b"sports", b"3-1"), (b"news", b"quiet"),
                    (b"weather", b"rain")]:
    pub.send_multipart([topic, body])
for name, sub in sorted(subs.items()):
    got = []
    while sub.poll(300):
        topic, body = sub.recv_multipart()
        got.append(f"{topic.decode()}:{body.decode()}")
    print(name, " ".join(got))
for sub in subs.values():
    sub.close()
pub.close(linger=0)
ctx.term()
