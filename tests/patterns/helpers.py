"""Helpers for the purezmq-to-purezmq pattern tests.

Every blocking call in these tests is bounded: sockets made by `sock()` get
RCVTIMEO/SNDTIMEO, and the wait helpers poll with a deadline.
"""

from __future__ import annotations

import errno
import socket
import time

import purezmq as zmq

TIMEOUT_MS = 2000  # default RCVTIMEO/SNDTIMEO of the test sockets
SETTLE = 0.1  # seconds: time for connections/subscriptions to settle

SOCKET_NAMES = {
    "PAIR": zmq.PAIR, "PUB": zmq.PUB, "SUB": zmq.SUB, "XPUB": zmq.XPUB,
    "XSUB": zmq.XSUB, "REQ": zmq.REQ, "REP": zmq.REP, "DEALER": zmq.DEALER,
    "ROUTER": zmq.ROUTER, "PUSH": zmq.PUSH, "PULL": zmq.PULL,
}


def sock(ctx, socket_type, timeout: int = TIMEOUT_MS, **options):
    """A socket with bounded send/recv and linger 0, plus `options`."""
    s = ctx.socket(socket_type)
    s.linger = 0
    s.rcvtimeo = timeout
    s.sndtimeo = timeout
    for name, value in options.items():
        setattr(s, name, value)
    return s


def endpoint(s) -> str:
    """The endpoint a bound socket can be reached at (LAST_ENDPOINT)."""
    return s.last_endpoint.decode()


def wait_until(predicate, timeout: float = 2.0, interval: float = 0.005) -> bool:
    """Poll `predicate` until it is true or `timeout` seconds have passed."""
    deadline = time.monotonic() + timeout
    while True:
        if predicate():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)


def poll_in(s, timeout_ms: int = TIMEOUT_MS) -> bool:
    """Whether `s` becomes readable within `timeout_ms`."""
    return bool(s.poll(timeout_ms, zmq.POLLIN))


def assert_nothing(s, wait_ms: int = 100) -> None:
    """Assert that no message arrives at `s` within `wait_ms`."""
    if s.poll(wait_ms, zmq.POLLIN):
        got = s.recv_multipart(zmq.DONTWAIT)
        raise AssertionError(f"unexpected message {got!r}")


def recv_nowait_all(s) -> list:
    """All the messages (lists of frames) readable right now."""
    out = []
    while True:
        try:
            out.append(s.recv_multipart(zmq.DONTWAIT))
        except zmq.Again:
            return out


def sync_pub_sub(pub, sub, timeout: float = 3.0, probe: bytes = b"") -> None:
    """Send probes from `pub` until `sub` gets one, then drain them all.

    `probe` must match the subscriber's filter; over the subscription
    handshake there is no other way to know the subscription has arrived.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pub.send_multipart([probe, b"__probe__"])
        if sub.poll(20, zmq.POLLIN):
            break
    else:
        raise AssertionError("subscription never reached the publisher")
    time.sleep(0.05)
    for msg in recv_nowait_all(sub):
        assert msg == [probe, b"__probe__"], msg


def recv_while_poking(s, others, timeout: float = 3.0) -> list:
    """Receive one message on `s`, meanwhile giving `others` the chance to
    process their commands (as libzmq, a socket only attaches a newly
    accepted peer, and sends it its subscriptions, when its owner calls it)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for o in others:
            o.getsockopt(zmq.EVENTS)
        if s.poll(20, zmq.POLLIN):
            return s.recv_multipart(zmq.DONTWAIT)
    raise zmq.Again()


def router_send_when_routable(router, parts, timeout: float = 3.0) -> None:
    """Send `parts` ([identity, ...]) from a ROUTER with ROUTER_MANDATORY set,
    retrying while libzmq would answer EHOSTUNREACH (peer not yet known)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            router.send_multipart(parts)
            return
        except zmq.ZMQError as e:
            if e.errno != zmq.EHOSTUNREACH or time.monotonic() >= deadline:
                raise
            time.sleep(0.01)


def free_endpoint(bind_endpoint, transport) -> str:
    """An endpoint nobody listens on, that a later bind() can take.

    tcp: a port the OS just handed out and released (a plain socket, closed
    synchronously: closing a ØMQ socket releases its listener only later);
    ipc/inproc: a fresh name.
    """
    if transport == "tcp":
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
        return f"tcp://127.0.0.1:{port}"
    return bind_endpoint(transport)


def run_with_timeout(fn, timeout: float):
    """Run fn() in a daemon thread; (finished, result_or_exception)."""
    import threading

    box = {}

    def target():
        try:
            box["result"] = fn()
        except BaseException as e:  # noqa: BLE001 - handed back to the test
            box["result"] = e

    t = threading.Thread(target=target, daemon=True)
    t.start()
    t.join(timeout)
    return (not t.is_alive()), box.get("result")


def bind_retrying(s, ep: str, timeout: float = 3.0) -> None:
    """bind() to an endpoint that was just released: a closed or unbound
    listener is closed by the I/O thread a moment later (as in libzmq)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            s.bind(ep)
            return
        except zmq.ZMQError as e:
            if e.errno != errno.EADDRINUSE or time.monotonic() >= deadline:
                raise
            time.sleep(0.02)
