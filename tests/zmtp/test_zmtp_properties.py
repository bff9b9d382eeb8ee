"""Hypothesis property tests: chunking invariance, encoder/decoder round
trips, and fuzzing (nothing but ProtocolError may escape receive_data)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from purezmq.zmtp import (
    Cancel, Connection, HandshakeComplete, PeerError, Ping, Pong, ProtocolError, Subscribe,
)
from zmtp_helpers import command, frame, greeting, prop, pump

SETTINGS = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

payloads = st.one_of(st.binary(max_size=40), st.binary(min_size=250, max_size=600))


@st.composite
def traffic_item(draw):
    """One wire item and the events it must produce."""
    kind = draw(st.sampled_from(["msg", "msg", "msg", "sub", "cancel", "ping", "pong", "unknown"]))
    if kind == "msg":
        parts = draw(st.lists(payloads, min_size=1, max_size=4))
        wire = b"".join(frame(1 if i < len(parts) - 1 else 0, p, long=draw(st.booleans()) or None)
                        for i, p in enumerate(parts))
        return wire, [parts]
    if kind in ("sub", "cancel"):
        topic = draw(payloads)
        name = b"SUBSCRIBE" if kind == "sub" else b"CANCEL"
        return command(name, topic), [(Subscribe if kind == "sub" else Cancel)(topic)]
    if kind == "ping":
        ttl = draw(st.integers(0, 0xFFFF))
        ctx = draw(st.binary(max_size=16))
        return command(b"PING", ttl.to_bytes(2, "big") + ctx), [Ping(ttl, ctx)]
    if kind == "pong":
        ctx = draw(st.binary(max_size=16))
        return command(b"PONG", ctx), [Pong(ctx)]
    return command(draw(st.sampled_from([b"HELLO", b"X", b"READY"])), draw(payloads)), []


@st.composite
def valid_stream(draw):
    extra = draw(st.dictionaries(st.sampled_from(["X-A", "X-Bb", "X-Long"]), payloads, max_size=3))
    body = b"\x05READY" + prop(b"Socket-Type", b"ROUTER") + b"".join(
        prop(k.encode(), v) for k, v in extra.items())
    items = draw(st.lists(traffic_item(), max_size=25))
    wire = greeting() + frame(4, body) + b"".join(w for w, _ in items)
    expected = [HandshakeComplete({"Socket-Type": b"ROUTER", **extra}, (3, 1))]
    for _, events in items:
        expected += events
    return wire, expected


def as_kind(chunk: bytes, kind: int):
    return (bytes, bytearray, memoryview)[kind](chunk)


def feed_split(conn: Connection, wire: bytes, cuts: list[int], kinds) -> list:
    out: list = []
    bounds = [0] + sorted(set(cuts)) + [len(wire)]
    for i, (a, b) in enumerate(zip(bounds, bounds[1:])):
        out += conn.receive_data(as_kind(wire[a:b], kinds[i % len(kinds)]))
    return out


@SETTINGS
@given(valid_stream(), st.data())
def test_any_split_decodes_to_the_same_events(stream, data):
    wire, expected = stream
    whole = Connection("DEALER").receive_data(wire)
    assert whole == expected
    cuts = data.draw(st.lists(st.integers(0, len(wire)), max_size=30))
    kinds = data.draw(st.lists(st.integers(0, 2), min_size=1, max_size=5))
    assert feed_split(Connection("DEALER"), wire, cuts, kinds) == expected


@SETTINGS
@given(valid_stream())
def test_byte_by_byte_decodes_to_the_same_events(stream):
    wire, expected = stream
    conn = Connection("DEALER")
    out: list = []
    for i in range(len(wire)):
        out += conn.receive_data(wire[i:i + 1])
    assert out == expected


@SETTINGS
@given(st.lists(st.lists(payloads, min_size=1, max_size=5), max_size=20), st.data())
def test_encoder_decoder_round_trip(messages, data):
    a, b = Connection("DEALER"), Connection("ROUTER")
    pump(a, b)
    for m in messages:
        a.send_message(m)
    wire = b"".join(bytes(c) for c in a.data_to_send())
    cuts = data.draw(st.lists(st.integers(0, len(wire)), max_size=20))
    assert feed_split(b, wire, cuts, [0]) == messages


def feed_fuzz(conn: Connection, wire: bytes, cuts: list[int]) -> None:
    bounds = [0] + sorted(set(cuts)) + [len(wire)]
    try:
        for a, b in zip(bounds, bounds[1:]):
            events = conn.receive_data(wire[a:b])
            for e in events:
                assert type(e) is list or isinstance(
                    e, (HandshakeComplete, Subscribe, Cancel, Ping, Pong, PeerError))
            conn.data_to_send()
    except ProtocolError as exc:
        assert isinstance(exc.reason, str)
        try:
            conn.receive_data(b"x")
        except ProtocolError:
            return
        raise AssertionError("a dead connection accepted more data")


@SETTINGS
@given(st.binary(max_size=400), st.lists(st.integers(0, 400), max_size=10))
def test_random_bytes_only_raise_protocol_error(blob, cuts):
    feed_fuzz(Connection("DEALER"), blob, [c for c in cuts if c <= len(blob)])


@SETTINGS
@given(st.binary(max_size=400), st.lists(st.integers(0, 400), max_size=10),
       st.sampled_from([-1, 0, 5, 300]))
def test_random_bytes_after_handshake_only_raise_protocol_error(blob, cuts, limit):
    conn = Connection("DEALER", max_message_size=limit, check_peer_type=limit != 5)
    prefix = greeting() + frame(4, b"\x05READY" + prop(b"Socket-Type", b"ROUTER"))
    feed_fuzz(conn, prefix + blob, [len(prefix)] + [len(prefix) + c for c in cuts if c <= len(blob)])


@st.composite
def mutated_stream(draw):
    wire, _ = draw(valid_stream())
    wire = bytearray(wire)
    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.sampled_from(["flip", "set", "insert", "delete", "truncate"]))
        if not wire:
            break
        pos = draw(st.integers(0, len(wire) - 1))
        if op == "flip":
            wire[pos] ^= 1 << draw(st.integers(0, 7))
        elif op == "set":
            wire[pos] = draw(st.integers(0, 255))
        elif op == "insert":
            wire[pos:pos] = draw(st.binary(min_size=1, max_size=9))
        elif op == "delete":
            del wire[pos:pos + draw(st.integers(1, 9))]
        else:
            del wire[pos:]
    return bytes(wire)


@SETTINGS
@given(mutated_stream(), st.lists(st.integers(0, 3000), max_size=10),
       st.sampled_from(["DEALER", "PUB", "PAIR"]))
def test_mutated_streams_only_raise_protocol_error(wire, cuts, socket_type):
    feed_fuzz(Connection(socket_type, max_message_size=1000), wire,
              [c for c in cuts if c <= len(wire)])
