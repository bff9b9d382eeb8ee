"""The other direction: a purezmq socket *connecting* to a hostile server.

A purezmq SUB is connected to a real libzmq PUB and to a raw TCP listener
that misbehaves.  The bad connection must be dropped, nothing from it may
reach the application, and the libzmq feed must keep flowing.
"""

from __future__ import annotations

import time

import pytest

import purezmq as pz
from raw_zmtp import (
    MORE, RawListener, frame, greeting, long_header, message, ready,
)

zmq = pytest.importorskip("zmq")

AFTER_HANDSHAKE = {
    "impossible-frame-length": long_header(2 ** 63),
    "partial-multipart-then-bad-frame": frame(b"smuggled", MORE) + long_header(2 ** 63),
}
DURING_HANDSHAKE = {
    "garbage": b"\xff" + bytes(range(1, 200)),
    "wrong-mechanism": greeting(mechanism=b"CURVE"),
    "incompatible-type": greeting() + ready(b"SUB"),
    "data-before-ready": greeting() + message(b"smuggled"),
    "malformed-ready": greeting() + frame(b"\x05READY\x0bSocket-Type\x00\x00\x01\x00PUB", 0x04),
}


class Feed:
    """A libzmq PUB the purezmq SUB also listens to; every message numbered."""

    def __init__(self, zctx, sub) -> None:
        self.pub = zctx.socket(zmq.PUB)
        self.pub.linger = 0
        self.pub.bind("tcp://127.0.0.1:*")
        self.sub = sub
        self.n = 0
        sub.connect(self.pub.last_endpoint.decode())

    def check_flowing(self, timeout: float = 3.0) -> None:
        """Publish until one arrives; everything received must be ours."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.pub.send(b"lz-%d" % self.n)
            self.n += 1
            if self.sub.poll(50):
                while self.sub.poll(50):
                    msg = self.sub.recv_multipart()
                    assert msg[0].startswith(b"lz-"), f"smuggled message delivered: {msg!r}"
                return
        pytest.fail("the libzmq feed stopped reaching the SUB")


def _sub(ctx):
    sub = ctx.socket(pz.SUB)
    sub.linger = 0
    sub.rcvtimeo = 2000
    sub.reconnect_ivl = 100
    sub.subscribe(b"")
    return sub


@pytest.mark.parametrize("name", list(DURING_HANDSHAKE))
def test_hostile_server_during_handshake(ctx, zctx, name):
    sub = _sub(ctx)
    feed = Feed(zctx, sub)
    listener = RawListener()
    try:
        sub.connect(listener.endpoint)
        raw = listener.accept()
        raw.send(DURING_HANDSHAKE[name])
        assert raw.wait_closed(2.0), "the hostile server's connection was not dropped"
        raw.close()
        feed.check_flowing()
    finally:
        listener.close()


@pytest.mark.parametrize("name", list(AFTER_HANDSHAKE))
def test_hostile_server_after_handshake(ctx, zctx, name):
    sub = _sub(ctx)
    feed = Feed(zctx, sub)
    listener = RawListener()
    try:
        sub.connect(listener.endpoint)
        raw = listener.accept()
        raw.send(greeting())
        raw.read_greeting()
        raw.send(ready(b"PUB"))
        raw.read_ready()
        raw.send(message(b"lz-looks-legit"))  # a well-formed message is delivered
        assert sub.recv() == b"lz-looks-legit"
        feed.check_flowing()
        raw.send(AFTER_HANDSHAKE[name])
        assert raw.wait_closed(2.0), "the hostile server's connection was not dropped"
        raw.close()
        feed.check_flowing()
    finally:
        listener.close()
