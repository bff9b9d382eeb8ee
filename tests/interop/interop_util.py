"""Helpers shared by the interop tests: sockets of either library with
timeouts always set, endpoint plumbing, and waiting without sleeping blind."""

from __future__ import annotations

import time

import pytest

import purezmq as pz

zmq = pytest.importorskip("zmq")

TIMEOUT_MS = 2000
LIBS = {"pz": pz, "lz": zmq}


def lib_of(sock):
    return pz if isinstance(sock, pz.Socket) else zmq


def make(context, typename: str, **options):
    """A socket of ``typename`` (e.g. "DEALER") with LINGER 0 and 2 s timeouts."""
    lib = pz if isinstance(context, pz.Context) else zmq
    sock = context.socket(getattr(lib, typename))
    sock.linger = 0
    sock.rcvtimeo = TIMEOUT_MS
    sock.sndtimeo = TIMEOUT_MS
    for name, value in options.items():
        sock.setsockopt(getattr(lib, name.upper()), value)
    return sock


def endpoint(sock) -> str:
    ep = sock.last_endpoint
    return ep.decode() if isinstance(ep, bytes) else ep


def recv_or_none(sock, timeout_ms: int = 200):
    """The next whole message, or None if nothing arrives within timeout_ms."""
    if not sock.poll(timeout_ms):
        return None
    return sock.recv_multipart()


def assert_silent(sock, timeout_ms: int = 200) -> None:
    got = recv_or_none(sock, timeout_ms)
    assert got is None, f"unexpected message {got!r}"


def probe_until_received(pub, sub, prefix: bytes = b"probe", timeout: float = 5.0) -> None:
    """PUB -> SUB: publish numbered probes until one arrives, then drain up to
    the last probe sent, so the subscription is known to be in place and
    nothing stale is left in the subscriber's queue."""
    deadline = time.monotonic() + timeout
    n = 0
    while True:
        kick(pub)
        pub.send(prefix + b"%d" % n)
        if sub.poll(50):
            break
        assert time.monotonic() < deadline, "subscription never reached the publisher"
        n += 1
    last = prefix + b"%d" % n
    while sub.recv() != last:
        pass


def kick(sock) -> None:
    """Make a socket process pending commands (attach a new peer's pipe,
    send a SUB's subscriptions to it): libzmq, and purezmq like it, do that
    only inside an API call on the socket's own thread."""
    sock.getsockopt(lib_of(sock).EVENTS)


def recv_kicking(sock, other, timeout: float = 5.0) -> bytes:
    """sock.recv(), kicking ``other`` while waiting (see kick)."""
    deadline = time.monotonic() + timeout
    while not sock.poll(20):
        kick(other)
        assert time.monotonic() < deadline, "nothing arrived"
    return sock.recv()


def send_until_routable(router, parts: list, timeout: float = 5.0) -> None:
    """ROUTER with ROUTER_MANDATORY: retry while the peer is not yet known."""
    lib = lib_of(router)
    deadline = time.monotonic() + timeout
    while True:
        try:
            router.send_multipart(parts)
            return
        except lib.ZMQError as e:
            if e.errno != lib.EHOSTUNREACH or time.monotonic() > deadline:
                raise
            time.sleep(0.01)
