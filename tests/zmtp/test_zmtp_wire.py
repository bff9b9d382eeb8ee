"""Byte layouts produced by the codec, checked against RFC 23/37."""

from __future__ import annotations

import struct

import pytest

from purezmq.zmtp import Connection, HandshakeComplete
from zmtp_helpers import frame, greeting, handshaken, joined, prop, ready


def test_signature_queued_at_construction():
    conn = Connection("DEALER")
    assert b"".join(conn.data_to_send()) == b"\xff" + bytes(7) + b"\x01\x7f"
    assert conn.data_to_send() == []


def test_signature_padding_carries_identity_length_plus_one():
    conn = Connection("DEALER", identity=b"abcd")
    assert joined(conn) == b"\xff" + struct.pack(">Q", 5) + b"\x7f"


def test_full_greeting_layout():
    conn = Connection("PAIR")
    out = conn.data_to_send()
    conn.receive_data(greeting())
    out += conn.data_to_send()
    data = b"".join(out)
    ours = data[:64]
    assert ours[0] == 0xFF and ours[9] == 0x7F
    assert ours[10:12] == b"\x03\x01"                 # version 3.1
    assert ours[12:32] == b"NULL" + bytes(16)         # mechanism, NUL padded
    assert ours[32] == 0                              # as-server (NULL: zero)
    assert ours[33:] == bytes(31)                     # filler
    assert data[64:] == ready(b"PAIR")


def test_rfc_worked_example_dealer_ready():
    """RFC 23 "Worked Example": DEALER READY with empty Identity, 41 octets."""
    conn = Connection("DEALER")
    conn.data_to_send()
    conn.receive_data(greeting())
    data = joined(conn)[-43:]
    expected = (b"\x04\x29\x05READY\x0bSocket-Type\x00\x00\x00\x06DEALER"
                b"\x08Identity\x00\x00\x00\x00")
    assert data == expected


@pytest.mark.parametrize("socket_type, has_identity", [
    ("REQ", True), ("DEALER", True), ("ROUTER", True),   # libzmq rule
    ("REP", False), ("PUB", False), ("SUB", False), ("PUSH", False), ("PAIR", False),
])
def test_identity_property_only_for_req_dealer_router(socket_type, has_identity):
    conn = Connection(socket_type, identity=b"me")
    conn.receive_data(greeting())
    data = joined(conn)[64:]
    expected = prop(b"Socket-Type", socket_type.encode())
    if has_identity:
        expected += prop(b"Identity", b"me")
    assert data == frame(4, b"\x05READY" + expected)


def test_extra_metadata_follows_basic_properties():
    conn = Connection("PUSH", metadata={"X-Hello": b"world", "X-Empty": b""})
    conn.receive_data(greeting())
    data = joined(conn)[64:]
    body = (b"\x05READY" + prop(b"Socket-Type", b"PUSH") + prop(b"X-Hello", b"world")
            + prop(b"X-Empty", b""))
    assert data == frame(4, body)


def test_long_ready_command_uses_long_size():
    conn = Connection("PUSH", metadata={"X-Big": b"v" * 300})
    conn.receive_data(greeting())
    data = joined(conn)[64:]
    assert data[0] == 0x06
    assert struct.unpack(">Q", data[1:9])[0] == len(data) - 9


def test_short_and_long_data_frames():
    conn = handshaken()
    conn.send_message([b"abc"])
    assert conn.data_to_send() == [b"\x00\x03", b"abc"]
    conn.send_message([b"a", b"", b"z" * 255])
    assert joined(conn) == b"\x01\x01a" + b"\x01\x00" + b"\x00\xff" + b"z" * 255
    conn.send_message([b"y" * 256])
    assert joined(conn) == b"\x02" + struct.pack(">Q", 256) + b"y" * 256
    conn.send_message([b"x" * 300, b"w"])
    assert joined(conn) == b"\x03" + struct.pack(">Q", 300) + b"x" * 300 + b"\x00\x01w"


def test_payload_is_not_copied():
    conn = handshaken()
    payload = b"p" * 100_000
    conn.send_message([payload])
    chunks = conn.data_to_send()
    assert chunks[1] is payload


def test_bytes_like_payloads():
    conn = handshaken()
    conn.send_message([bytearray(b"ab"), memoryview(b"cd"), memoryview(b"\x01\x00\x02\x00").cast("H")])
    assert joined(conn) == b"\x01\x02ab\x01\x02cd\x00\x04\x01\x00\x02\x00"


def test_subscribe_cancel_commands_to_zmtp31_peer():
    conn = handshaken("SUB", b"PUB")
    conn.send_subscribe(b"topic")
    conn.send_cancel(b"")
    assert joined(conn) == (b"\x04\x0f\x09SUBSCRIBEtopic" + b"\x04\x07\x06CANCEL")
    conn.send_subscribe(b"t" * 300)
    data = joined(conn)
    assert data[:9] == b"\x06" + struct.pack(">Q", 310)
    assert data[9:19] == b"\x09SUBSCRIBE"


def test_subscribe_cancel_data_frames_to_zmtp30_peer():
    conn = handshaken("XSUB", b"XPUB", minor=0)
    assert conn.peer_version == (3, 0)
    conn.send_subscribe(b"topic")
    conn.send_cancel(b"topic")
    assert joined(conn) == b"\x00\x06\x01topic" + b"\x00\x06\x00topic"


def test_ping_pong_error_layouts():
    conn = handshaken()
    conn.send_ping(10, b"ctx")
    conn.send_pong(b"ctx")
    conn.send_error(b"no")
    assert joined(conn) == (b"\x04\x0a\x04PING\x00\x0actx" + b"\x04\x08\x04PONGctx"
                            + b"\x04\x09\x05ERROR\x02no")


def test_handshake_event_contents():
    conn = Connection("DEALER")
    events = conn.receive_data(greeting() + ready(b"ROUTER", Identity=b"", X_Foo=b"bar"))
    assert events == [HandshakeComplete({"Socket-Type": b"ROUTER", "Identity": b"",
                                         "X-Foo": b"bar"}, (3, 1))]
    assert events[0].peer_property("socket-TYPE") == b"ROUTER"
    assert events[0].peer_property("x-foo") == b"bar"
    assert events[0].peer_property("missing") is None
    assert conn.peer_socket_type == "ROUTER"
    assert conn.peer_property("IDENTITY") == b""
    assert "HandshakeComplete" in repr(events[0])
