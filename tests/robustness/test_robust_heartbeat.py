"""Dead peers: ZMTP 3.1 heartbeats (RFC 37 "Connection Heartbeating",
ZMQ_HEARTBEAT_IVL / _TIMEOUT / _TTL).

A peer that completed the handshake and then went silent (crashed host,
half-open TCP) must be dropped by a socket that asked for heartbeats, and
a peer's PING TTL must be honoured.  Expected values were taken from
libzmq 4.3.5 facing the same raw peer: with HEARTBEAT_IVL 50 ms the first
PING arrives after ~50 ms, and with HEARTBEAT_TIMEOUT 200 ms an unanswered
PING closes the connection after ~0.25 s; a PING carrying TTL 3 (0.3 s)
followed by silence closes the connection after ~0.3 s.
"""

from __future__ import annotations

import time

import pytest

from raw_zmtp import COMMAND, RawListener, RawPeer, command, greeting, ready
from robust_server import Server, zmq

import purezmq as pz


def _next_command(raw: RawPeer, timeout: float):
    deadline = time.monotonic() + timeout
    while True:
        flags, body = raw.recv_frame(max(0.01, deadline - time.monotonic()))
        if flags & COMMAND:
            return body


def test_heartbeat_ivl_sends_ping(ctx, zctx):
    server = Server(ctx, zctx, heartbeat_ivl=50, heartbeat_ttl=1000)
    raw = RawPeer(server.port)
    raw.handshake(b"DEALER", b"hb")
    try:
        body = _next_command(raw, 1.0)
    except TimeoutError:
        pytest.fail("HEARTBEAT_IVL=50 ms: no PING within 1 s")
    assert body[:5] == b"\x04PING", body
    assert body[5:7] == b"\x00\x0a", "PING TTL must carry HEARTBEAT_TTL in deciseconds"
    server.exchange()  # real peers (which answer PINGs) are unaffected
    raw.close()


def test_heartbeat_timeout_drops_silent_peer_only(ctx, zctx):
    server = Server(ctx, zctx, heartbeat_ivl=50, heartbeat_timeout=200)
    raw = RawPeer(server.port)
    raw.handshake(b"DEALER", b"mute")
    start = time.monotonic()
    server.send(10)
    assert raw.wait_closed(1.5), "a peer that never answers PING was not dropped"
    assert time.monotonic() - start < 1.0
    server.serve()
    server.collect()
    time.sleep(0.3)   # several heartbeat periods: the real peers answer and stay
    server.exchange()
    raw.close()
    server.assert_no_fd_leak()


def test_peer_ping_ttl_is_honoured(ctx, zctx):
    server = Server(ctx, zctx)
    raw = RawPeer(server.port)
    raw.handshake(b"DEALER", b"ttl")
    raw.send(command(b"PING", b"\x00\x03ctx"))  # TTL 0.3 s, then silence
    assert _next_command(raw, 1.0) == b"\x04PONGctx"
    start = time.monotonic()
    assert raw.wait_closed(1.5), "the peer's PING TTL expired but the connection stayed"
    assert time.monotonic() - start < 1.0
    server.exchange()
    raw.close()


def test_libzmq_heartbeating_peer_stays_connected(ctx, zctx):
    """purezmq answers libzmq's PINGs, so libzmq's HEARTBEAT_TIMEOUT never fires."""
    router = ctx.socket(pz.ROUTER)
    router.linger = 0
    router.rcvtimeo = 2000
    router.bind("tcp://127.0.0.1:*")
    dealer = zctx.socket(zmq.DEALER)
    dealer.linger = 0
    dealer.rcvtimeo = 2000
    dealer.routing_id = b"hb"
    dealer.heartbeat_ivl = 30
    dealer.heartbeat_timeout = 100
    monitor = dealer.get_monitor_socket(zmq.EVENT_DISCONNECTED)
    dealer.connect(router.last_endpoint.decode())
    dealer.send(b"one")
    assert router.recv_multipart() == [b"hb", b"one"]
    assert not monitor.poll(500), "libzmq dropped the connection: PINGs not answered"
    dealer.send(b"two")
    assert router.recv_multipart() == [b"hb", b"two"]
    dealer.disable_monitor()
    monitor.close(linger=0)


def test_connecting_socket_drops_silent_server_and_redials(ctx):
    """A purezmq DEALER with heartbeats detects a server that stopped
    answering and reconnects (libzmq does the same)."""
    listener = RawListener()
    dealer = ctx.socket(pz.DEALER)
    dealer.linger = 0
    dealer.heartbeat_ivl = 50
    dealer.heartbeat_timeout = 200
    dealer.reconnect_ivl = 50
    dealer.connect(listener.endpoint)
    try:
        first = listener.accept()
        first.send(greeting())
        first.read_greeting()
        first.send(ready(b"ROUTER"))
        first.read_ready()
        assert first.wait_closed(1.5), "silent server not dropped by heartbeat timeout"
        second = listener.accept(timeout=2.0)  # and it dials again
        second.close()
        first.close()
    finally:
        listener.close()
