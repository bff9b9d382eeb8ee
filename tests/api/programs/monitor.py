"""A pyzmq monitor watching a socket's peer connect and disconnect."""

import zmq
from zmq.utils.monitor import recv_monitor_message

ctx = zmq.Context()
server = ctx.socket(zmq.ROUTER)
monitor = server.get_monitor_socket()
server.bind("tcp://127.0.0.1:*")


def next_event():
    if not monitor.poll(5000):
        return "timeout"
    event = recv_monitor_message(monitor)
    return zmq.Event(event["event"]).name


print(next_event())  # LISTENING
client = ctx.socket(zmq.DEALER)
client.connect(server.getsockopt(zmq.LAST_ENDPOINT).decode())
print(next_event())  # ACCEPTED
print(next_event())  # HANDSHAKE_SUCCEEDED
client.close(linger=0)
print(next_event())  # DISCONNECTED
server.disable_monitor()
print(next_event())  # MONITOR_STOPPED
monitor.close()
server.close()
ctx.term()
