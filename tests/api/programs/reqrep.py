"""A pyzmq request/reply pair: a REP server thread answers five requests."""

import threading

import zmq

ctx = zmq.Context.instance()
server = ctx.socket(zmq.REP)
port = server.bind_to_random_port("tcp://127.0.0.1")


def serve():
    for _ in range(5):
        request = server.recv_string()
        server.send_string(request.upper())


t = threading.Thread(target=serve)
t.start()
client = ctx.socket(zmq.REQ)
client.setsockopt(zmq.RCVTIMEO, 5000)
client.connect("tcp://127.0.0.1:%d" % port)
for word in ["alpha", "beta", "gamma", "delta", "epsilon"]:
    client.send_string(word)
    print("reply", client.recv_string())
t.join()
client.close()
server.close()
ctx.term()
