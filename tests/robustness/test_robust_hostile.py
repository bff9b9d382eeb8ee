"""Hostile bytes against a bound purezmq socket.

A purezmq ROUTER listens on TCP with two well-behaved peers connected (a
libzmq DEALER and a purezmq DEALER).  Raw TCP connections then send garbage,
broken greetings, broken READY commands, impossible frame sizes... In every
case only that connection may suffer: it is dropped (EOF/reset within a
timeout) or, where a real libzmq keeps waiting, simply left alone; nothing
hangs; no file descriptor leaks; and the real peers keep exchanging messages
with none lost, duplicated or reordered, and nothing smuggled in.

Expectations were checked against libzmq 4.3.5 with the same raw bytes.
Bytes that do not start like a ZMTP 3 signature are, for libzmq and for
purezmq, the start of a ZMTP 1.0 stream: such a connection stays until its
frames prove invalid, the peer hangs up, or HANDSHAKE_IVL runs out.
"""

from __future__ import annotations

import random
import time
import tracemalloc

import pytest

from raw_zmtp import (
    COMMAND, MORE, SIGNATURE, RawPeer, command, frame, greeting, long_header, message,
    prop, ready,
)
from robust_server import Server

CLOSE_WITHIN = 2.0


@pytest.fixture
def server(ctx, zctx):
    return Server(ctx, zctx)


def hostile(server: Server, payload: bytes) -> RawPeer:
    """Connect, have messages in flight from the real peers, send the payload,
    check the drop, then check the real peers lost nothing."""
    raw = RawPeer(server.port)
    server.send(10)  # in flight while the hostile connection misbehaves
    raw.send(payload)
    assert raw.wait_closed(CLOSE_WITHIN), "hostile connection was not dropped"
    server.serve()
    server.collect()
    server.exchange(20)
    return raw


# -- sanity: the raw peer speaks correct ZMTP ----------------------------------------

@pytest.mark.parametrize("minor", [0, 1], ids=["zmtp3.0", "zmtp3.1"])
def test_raw_peer_handshake_and_traffic(server, minor):
    raw = RawPeer(server.port)
    props = raw.handshake(b"DEALER", b"raw", minor=minor)
    assert props.get("Socket-Type") == b"ROUTER"
    assert raw.peer_greeting[:10] == SIGNATURE
    raw.send(message(b"hello", b"", b"world"))
    assert server.router.recv_multipart() == [b"raw", b"hello", b"", b"world"]
    server.router.send_multipart([b"raw", b"back", b"L" * 300])
    assert raw.recv_message() == [b"back", b"L" * 300]
    server.exchange()
    raw.close()
    server.assert_no_fd_leak()


def test_ping_is_answered_and_unknown_command_ignored(server):
    """After the handshake libzmq answers PING with PONG (same context) and
    silently ignores commands it does not know."""
    raw = RawPeer(server.port)
    raw.handshake(b"DEALER", b"raw")
    raw.send(command(b"PING", b"\x00\x0actx-123"))
    flags, body = raw.recv_frame()
    assert flags & COMMAND and body == b"\x04PONGctx-123"
    raw.send(command(b"FOOBAR", b"whatever") + message(b"after-unknown"))
    assert server.router.recv_multipart() == [b"raw", b"after-unknown"]
    assert raw.is_open()
    server.exchange()
    raw.close()


# -- garbage ---------------------------------------------------------------------

@pytest.mark.parametrize("size", [1, 9, 64, 4096, 1 << 20])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_garbage(server, seed, size):
    """Bytes not starting with 0xFF are a ZMTP 1.0 stream to libzmq 4.3.5
    and to purezmq: the connection may wait for the rest of a frame, so the
    raw peer hangs up and only the real peers' traffic is checked."""
    rnd = random.Random(seed * 1000 + size)
    payload = bytes(rnd.randrange(256) for _ in range(min(size, 4096)))
    payload = (payload * (size // len(payload) + 1))[:size]
    legacy = payload[0] != 0xFF or (size >= 10 and not payload[9] & 1)
    server.strangers_welcome = legacy
    if size < 10 or legacy:
        # Too short to be refused on content alone: send it and hang up.
        raw = RawPeer(server.port)
        raw.send(payload)
        raw.close()
        server.exchange()
    else:
        hostile(server, payload).close()
    server.assert_no_fd_leak()


def test_garbage_starting_like_a_signature(server):
    rnd = random.Random(7)
    hostile(server, b"\xff" + bytes(rnd.randrange(256) for _ in range(4095))).close()
    server.assert_no_fd_leak()


@pytest.mark.parametrize("version", [None, 3], ids=["raw", "major3"])
def test_signature_then_garbage(server, version):
    rnd = random.Random(11)
    garbage = bytearray(rnd.randrange(256) for _ in range(2048))
    if version is not None:
        garbage[0] = version  # a plausible version: the mechanism field is garbage
    else:
        garbage[0] |= 0x02    # not 0/1 (ZMTP 1.0/2.0 revision octets)
    hostile(server, SIGNATURE + bytes(garbage)).close()
    server.assert_no_fd_leak()


# -- greetings -------------------------------------------------------------------

@pytest.mark.parametrize("cut", [1, 10, 11, 12, 32, 63])
def test_half_greeting_leaves_others_alone(server, cut):
    """A peer that stops mid-greeting keeps its connection (the handshake
    timer has not run out) while everybody else carries on."""
    raw = RawPeer(server.port)
    raw.send(greeting()[:cut])
    server.exchange()
    time.sleep(0.05)
    server.exchange()
    assert raw.is_open(), "connection dropped although HANDSHAKE_IVL has not expired"
    raw.close()
    server.exchange()
    server.assert_no_fd_leak()


@pytest.mark.parametrize("mechanism", [b"PLAIN", b"CURVE", b"GSSAPI", b"null", b"FOO", b"NULLX",
                                       b"\x00" * 4, b"NULL\x00\x01"])
def test_wrong_mechanism(server, mechanism):
    hostile(server, greeting(mechanism=mechanism)).close()
    server.assert_no_fd_leak()


def test_greeting_as_server_flag_is_ignored_for_null(server):
    raw = RawPeer(server.port)
    raw.send(greeting(as_server=1))
    raw.read_greeting()
    raw.send(ready(b"DEALER", b"srv-flag"))
    flags, body = raw.recv_frame()
    assert flags == COMMAND and body.startswith(b"\x05READY")
    raw.send(message(b"ok"))
    assert server.router.recv_multipart() == [b"srv-flag", b"ok"]
    raw.close()


# -- READY -------------------------------------------------------------------------

SOCKET_TYPE = b"Socket-Type"
BAD_READY = {
    "truncated-name": command(b"READY", prop(SOCKET_TYPE, b"DEALER") + b"\x14abc"),
    "value-length-huge": command(b"READY", b"\x0bSocket-Type\xff\xff\xff\xffDEALER"),
    "value-length-past-end": command(b"READY", b"\x0bSocket-Type\x00\x00\x00\x07DEALER"),
    "trailing-octet": command(b"READY", prop(SOCKET_TYPE, b"DEALER") + b"\x05"),
    "name-length-past-end": frame(b"\xc8READY" + prop(SOCKET_TYPE, b"DEALER"), COMMAND),
    "empty-command": frame(b"", COMMAND),
    "incompatible-type": ready(b"PUB"),
    "unknown-type": ready(b"BOGUS"),
    "lowercase-type": ready(b"dealer"),
    "second-type-incompatible": command(b"READY", prop(SOCKET_TYPE, b"DEALER")
                                        + prop(SOCKET_TYPE, b"PUB")),
    "not-ready": command(b"HELLO", b"\x05hello"),
    "error-instead": command(b"ERROR", b"\x0bgo away now"),
    "data-frame-first": frame(b"hello"),
    "data-frame-more-first": frame(b"hello", MORE) + frame(b"world"),
}


@pytest.mark.parametrize("minor", [0, 1], ids=["zmtp3.0", "zmtp3.1"])
@pytest.mark.parametrize("name", list(BAD_READY))
def test_malformed_ready_or_first_command(server, name, minor):
    """The connection is refused; a data message sent after the bad command
    must never reach the application."""
    payload = greeting(minor=minor) + BAD_READY[name] + message(b"smuggled", b"in")
    hostile(server, payload).close()
    server.assert_no_fd_leak()


def test_ready_arriving_in_single_bytes(server):
    """A correct but maximally fragmented handshake works."""
    raw = RawPeer(server.port)
    for byte in greeting() + ready(b"DEALER", b"slow") + message(b"drip"):
        raw.send(bytes([byte]))
    assert server.router.recv_multipart() == [b"slow", b"drip"]
    server.exchange()
    raw.close()


def test_duplicate_identity_is_ignored(server):
    """A newcomer claiming the libzmq peer's routing id is not routable and
    its messages are not delivered; the original keeps its id (libzmq
    without ROUTER_HANDOVER)."""
    raw = RawPeer(server.port)
    raw.handshake(b"DEALER", b"lz")
    raw.send(message(b"lz-0", b"", b"payload"))  # an impostor's forged sequence
    server.exchange()
    with pytest.raises(TimeoutError):
        raw.recv_message(timeout=0.2)  # the echoes went to the real peer only
    raw.close()
    server.exchange()


# -- frames after the handshake ------------------------------------------------

@pytest.mark.parametrize("size", [2 ** 63, 2 ** 64 - 1], ids=["2**63", "2**64-1"])
@pytest.mark.parametrize("flags", [0, MORE, COMMAND], ids=["data", "more", "command"])
def test_impossible_frame_length(server, size, flags):
    raw = RawPeer(server.port)
    raw.handshake(b"DEALER", b"big")
    server.send(10)
    raw.send(long_header(size, flags) + b"x" * 100)
    assert raw.wait_closed(CLOSE_WITHIN), "a frame longer than 2**63-1 octets was accepted"
    raw.close()
    server.serve()
    server.collect()
    server.exchange()
    server.assert_no_fd_leak()


@pytest.mark.parametrize("size", [100 << 20, 1 << 40], ids=["100MiB", "1TiB"])
def test_long_frame_promised_then_close(server, size):
    """A huge length, a little data, then the peer hangs up.  Nothing may be
    allocated for the promised size up front, nothing delivered, nothing hang."""
    raw = RawPeer(server.port)
    raw.handshake(b"DEALER", b"liar")
    tracemalloc.start()
    try:
        raw.send(long_header(size) + b"x" * 4096)
        server.exchange()  # the I/O thread is not stuck waiting for the rest
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 32 << 20, f"{peak} bytes allocated for a frame that never came"
    raw.close()
    server.exchange()
    assert not server.router.poll(100)
    server.assert_no_fd_leak()


@pytest.mark.parametrize("ending", ["close", "reset", "protocol-error"])
def test_partial_multipart_is_never_delivered(server, ending):
    raw = RawPeer(server.port)
    raw.handshake(b"DEALER", b"half")
    raw.send(frame(b"part-1", MORE) + frame(b"part-2", MORE))
    server.exchange()
    if ending == "protocol-error":
        raw.send(long_header(2 ** 63))
        assert raw.wait_closed(CLOSE_WITHIN)
    raw.close(reset=ending == "reset")
    server.exchange()
    assert not server.router.poll(100), "part of an unfinished message was delivered"
    server.assert_no_fd_leak()


# -- connection churn ------------------------------------------------------------

def test_many_connections_opened_and_closed(server):
    rnd = random.Random(5)
    for i in range(150):
        raw = RawPeer(server.port)
        kind = i % 5
        if kind == 1:
            raw.send(SIGNATURE[:5])
        elif kind == 2:
            raw.send(greeting())
        elif kind == 3:
            raw.send(greeting() + ready(b"DEALER", b"churn-%d" % i))
        elif kind == 4:
            raw.send(bytes(rnd.randrange(256) for _ in range(32)))
        raw.close(reset=i % 2 == 0)
        if i % 50 == 0:
            server.exchange(5)
    # Many at once, then all gone.
    crowd = [RawPeer(server.port) for _ in range(60)]
    server.exchange()
    for raw in crowd:
        raw.close()
    server.exchange()
    server.assert_no_fd_leak(timeout=3.0)
    # The listener still accepts and completes handshakes.
    late = RawPeer(server.port)
    late.handshake(b"DEALER", b"late")
    late.send(message(b"still-here"))
    assert server.router.recv_multipart() == [b"late", b"still-here"]
    late.close()


# -- handshake timeout -------------------------------------------------------------

@pytest.fixture
def quick_server(ctx, zctx):
    return Server(ctx, zctx, handshake_ivl=200)


@pytest.mark.parametrize("sends", ["nothing", "half-greeting", "greeting-only",
                                   "greeting-and-half-ready"])
def test_handshake_timeout_closes_silent_connection(quick_server, sends):
    payload = {
        "nothing": b"",
        "half-greeting": greeting()[:30],
        "greeting-only": greeting(),
        "greeting-and-half-ready": greeting() + ready(b"DEALER")[:10],
    }[sends]
    raw = RawPeer(quick_server.port)
    start = time.monotonic()
    if payload:
        raw.send(payload)
    quick_server.exchange()  # others are unaffected meanwhile
    assert raw.wait_closed(1.5), "HANDSHAKE_IVL=200 ms did not close the connection"
    elapsed = time.monotonic() - start
    assert 0.1 <= elapsed <= 1.0, f"closed after {elapsed:.2f} s (HANDSHAKE_IVL 200 ms)"
    raw.close()
    quick_server.exchange()
    quick_server.assert_no_fd_leak()


def test_handshake_timeout_spares_completed_handshake(quick_server):
    raw = RawPeer(quick_server.port)
    raw.handshake(b"DEALER", b"prompt")
    time.sleep(0.5)
    assert raw.is_open()
    raw.send(message(b"late-but-fine"))
    assert quick_server.router.recv_multipart() == [b"prompt", b"late-but-fine"]
    quick_server.exchange()
    raw.close()
