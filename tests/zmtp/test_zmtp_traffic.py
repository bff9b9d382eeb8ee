"""Traffic after the handshake: frame decoding, multipart atomicity, size
limits, and command handling (RFC 23 "Framing", RFC 37 commands; libzmq
v2_decoder.cpp and zmtp_engine.cpp process_command_message)."""

from __future__ import annotations

import struct

import pytest

from purezmq.zmtp import (
    Cancel, Connection, PeerError, Ping, Pong, ProtocolError, Subscribe, UsageError,
)
from zmtp_helpers import command, frame, greeting, handshaken, joined, message, pump, ready


def test_single_and_multipart_messages():
    conn = handshaken()
    data = message(b"a") + message(b"x", b"", b"z" * 300) + message(b"")
    assert conn.receive_data(data) == [[b"a"], [b"x", b"", b"z" * 300], [b""]]


def test_message_held_until_last_frame():
    conn = handshaken()
    assert conn.receive_data(frame(1, b"one")) == []
    assert conn.receive_data(frame(1, b"two")) == []
    assert conn.receive_data(frame(0, b"three")) == [[b"one", b"two", b"three"]]


def test_truncated_frames_are_held_not_errors():
    conn = handshaken()
    data = message(b"hello", b"world") + frame(0, b"L" * 1000)
    for cut in (1, 3, 5, 8, 9, 12, 13, 14, 15, 20, len(data) - 1):
        conn2 = handshaken()
        first = conn2.receive_data(data[:cut])
        assert first == ([] if cut < 14 else [[b"hello", b"world"]])
        assert first + conn2.receive_data(data[cut:]) == [[b"hello", b"world"], [b"L" * 1000]]
    assert conn.receive_data(b"") == []


def test_reserved_flag_bits_ignored_like_libzmq():
    conn = handshaken()
    assert conn.receive_data(b"\xf8\x01a" + b"\x09\x01b\x08\x01c") == [[b"a"], [b"b", b"c"]]


def test_long_size_for_small_body_accepted():
    conn = handshaken()
    assert conn.receive_data(frame(0, b"tiny", long=True)) == [[b"tiny"]]
    assert conn.receive_data(frame(0, b"", long=True)) == [[b""]]


def test_large_frame_in_chunks():
    conn = handshaken()
    body = bytes(range(256)) * 4096                      # 1 MiB
    data = frame(1, body) + frame(0, b"tail") + message(b"next")
    chunks = [data[i:i + 65536] for i in range(0, len(data), 65536)]
    out = []
    for chunk in chunks:
        out += conn.receive_data(memoryview(chunk))
    assert out == [[body, b"tail"], [b"next"]]


def test_large_frame_chunk_boundaries_in_header():
    body = b"q" * 5000
    data = message(b"pre") + frame(0, body) + message(b"post")
    for cut in range(5, 20):
        conn = handshaken()
        out = conn.receive_data(data[:cut])
        out += conn.receive_data(bytearray(data[cut:cut + 100]))
        out += conn.receive_data(data[cut + 100:])
        assert out == [[b"pre"], [body], [b"post"]]


def test_max_message_size_is_per_frame_like_libzmq():
    conn = handshaken(max_message_size=30)       # the peer's READY body is 28 octets
    f30 = b"x" * 30
    assert conn.receive_data(message(f30, f30, f30)) == [[f30, f30, f30]]
    with pytest.raises(ProtocolError, match="max_message_size"):
        conn.receive_data(message(f30 + b"y"))


def test_oversized_long_frame_refused_before_body_arrives():
    conn = handshaken(max_message_size=1000)
    with pytest.raises(ProtocolError, match="max_message_size"):
        conn.receive_data(b"\x02" + struct.pack(">Q", 1001))    # header only


def test_length_with_top_bit_refused():
    conn = handshaken()
    with pytest.raises(ProtocolError, match="significant bit"):
        conn.receive_data(b"\x02" + struct.pack(">Q", 1 << 63))


def test_max_message_size_applies_to_commands_and_handshake():
    conn = Connection("PUSH", max_message_size=5)
    with pytest.raises(ProtocolError):
        conn.receive_data(greeting() + ready(b"PULL"))


def test_protocol_error_carries_events_decoded_before():
    conn = handshaken()
    with pytest.raises(ProtocolError) as info:
        conn.receive_data(message(b"ok") + command(b"PING", b"\x00\x01", flags=5))
    assert info.value.events == [[b"ok"]]


def test_subscribe_cancel_events():
    conn = handshaken("PUB", b"SUB")
    events = conn.receive_data(command(b"SUBSCRIBE", b"topic") + command(b"CANCEL", b"")
                               + command(b"SUBSCRIBE", b"t" * 300))
    assert events == [Subscribe(b"topic"), Cancel(b""), Subscribe(b"t" * 300)]


def test_zmtp30_subscription_data_frames_are_plain_messages():
    conn = handshaken("XPUB", b"XSUB", minor=0)
    assert conn.receive_data(frame(0, b"\x01topic")) == [[b"\x01topic"]]


def test_ping_returns_event_and_queues_pong():
    conn = handshaken()
    events = conn.receive_data(command(b"PING", b"\x00\x64ctx"))
    assert events == [Ping(100, b"ctx")]
    assert joined(conn) == b"\x04\x08\x04PONGctx"


def test_ping_without_context_and_oversized_context():
    conn = handshaken()
    assert conn.receive_data(command(b"PING", b"\xff\xff")) == [Ping(65535, b"")]
    assert joined(conn) == b"\x04\x05\x04PONG"
    events = conn.receive_data(command(b"PING", b"\x00\x01" + b"c" * 20))
    assert events == [Ping(1, b"c" * 16)]                  # libzmq echoes 16 octets
    assert joined(conn) == b"\x04\x15\x04PONG" + b"c" * 16


def test_malformed_ping_refused():
    conn = handshaken()
    with pytest.raises(ProtocolError, match="PING"):
        conn.receive_data(command(b"PING", b"\x00"))


def test_pong_event():
    conn = handshaken()
    assert conn.receive_data(command(b"PONG", b"abc")) == [Pong(b"abc")]
    assert conn.data_to_send() == []


def test_unknown_and_malformed_commands_ignored_after_handshake():
    conn = handshaken()
    data = (command(b"HELLO", b"x") + command(b"READY", b"junk") + frame(4, b"")
            + frame(4, b"\x09SUB") + command(b"subscribe", b"x") + message(b"m"))
    assert conn.receive_data(data) == [[b"m"]]


def test_command_with_more_refused_after_handshake():
    conn = handshaken()
    with pytest.raises(ProtocolError, match="MORE"):
        conn.receive_data(command(b"PING", b"\x00\x00", flags=5))


def test_command_between_frames_of_a_message():
    conn = handshaken()
    data = frame(1, b"a") + command(b"PONG") + frame(0, b"b")
    assert conn.receive_data(data) == [Pong(b""), [b"a", b"b"]]


def test_peer_error_after_handshake_is_fatal():
    conn = handshaken()
    events = conn.receive_data(message(b"before") + command(b"ERROR", b"\x04oops")
                               + message(b"after"))
    assert events == [[b"before"], PeerError(b"oops")]
    with pytest.raises(ProtocolError):
        conn.receive_data(message(b"x"))


def test_send_argument_validation():
    conn = handshaken()
    with pytest.raises(UsageError):
        conn.send_message([])
    with pytest.raises(UsageError):
        conn.send_message(["text"])
    with pytest.raises(UsageError):
        conn.send_message([b"a", "text"])
    with pytest.raises(UsageError):
        conn.send_ping(70000)
    with pytest.raises(UsageError):
        conn.send_ping(1, b"x" * 17)
    with pytest.raises(UsageError):
        conn.send_pong(b"x" * 17)
    with pytest.raises(UsageError):
        conn.send_error(b"x" * 256)


def test_in_memory_client_server():
    client = Connection("DEALER", identity=b"c1")
    server = Connection("ROUTER", as_server=True)
    got_c, got_s = pump(client, server)
    assert got_s[0].peer_property("Identity") == b"c1"
    assert client.peer_socket_type == "ROUTER"
    big = b"B" * 100_000
    for i in range(100):
        client.send_message([b"req", str(i).encode(), big if i == 50 else b""])
    server.send_message([b"hello"])
    client.send_ping(30, b"hb")
    got_c, got_s = pump(client, server)
    assert [m for m in got_s if type(m) is list] == [
        [b"req", str(i).encode(), big if i == 50 else b""] for i in range(100)]
    assert got_s[-1] == Ping(30, b"hb")
    assert got_c == [[b"hello"], Pong(b"hb")]


def test_in_memory_pub_sub_subscriptions():
    sub = Connection("SUB")
    pub = Connection("PUB")
    pump(sub, pub)
    sub.send_subscribe(b"weather")
    sub.send_cancel(b"weather")
    _, got_pub = pump(sub, pub)
    assert got_pub == [Subscribe(b"weather"), Cancel(b"weather")]
