"""Staged greeting exchange (libzmq zmtp_engine receive_greeting) and
version detection (RFC 23 "Backwards Interoperability")."""

from __future__ import annotations

import pytest

from purezmq.zmtp import Connection, LegacyPeerDetected, ProtocolError
from zmtp_helpers import greeting, joined, ready, signature

REST = b"\x01NULL" + bytes(16) + b"\x00" + bytes(31)


def test_stages_follow_peer_input_byte_by_byte():
    conn = Connection("DEALER")
    assert joined(conn) == signature()
    peer = greeting()
    sent = []
    for i in range(64):
        conn.receive_data(peer[i:i + 1])
        sent.append(joined(conn))
    assert all(s == b"" for s in sent[:9])          # signature incomplete
    assert sent[9] == b"\x03"                        # peer signature -> our major
    assert sent[10] == REST                          # peer major -> rest of greeting
    assert all(s == b"" for s in sent[11:63])
    assert sent[63][:2] == b"\x04\x29" and sent[63][2:8] == b"\x05READY"
    assert not conn.handshake_done
    assert conn.peer_version == (3, 1)


def test_whole_greeting_at_once_sends_all_stages_in_order():
    conn = Connection("DEALER")
    conn.data_to_send()
    conn.receive_data(greeting())
    chunks = conn.data_to_send()
    assert chunks[0] == b"\x03"
    assert chunks[1] == REST
    assert b"".join(chunks[2:])[2:8] == b"\x05READY"


def test_greeting_ready_and_messages_in_one_chunk():
    conn = Connection("DEALER")
    data = greeting() + ready() + b"\x01\x01a\x00\x01b" + b"\x00\x00"
    events = conn.receive_data(data)
    assert events[0].peer_version == (3, 1)
    assert events[1:] == [[b"a", b"b"], [b""]]


def test_split_greeting_signature_then_rest():
    conn = Connection("PUSH")
    conn.data_to_send()
    assert conn.receive_data(greeting()[:10]) == []
    assert joined(conn) == b"\x03"
    assert conn.receive_data(greeting()[10:11]) == []
    assert joined(conn) == REST
    assert conn.receive_data(greeting()[11:] + ready(b"PULL"))[0].peer_version == (3, 1)


@pytest.mark.parametrize("first", [0x00, 0x01, 0x05, 0xFE])
def test_unversioned_zmtp10_detected_from_first_byte(first):
    conn = Connection("DEALER")
    with pytest.raises(LegacyPeerDetected) as info:
        conn.receive_data(bytes([first]))
    assert info.value.version == (1, 0) and info.value.unversioned
    assert isinstance(info.value, ProtocolError)
    assert "1.0" in info.value.reason


def test_unversioned_long_identity_detected_from_byte_9():
    conn = Connection("DEALER")
    data = b"\xff" + bytes(8) + b"\x00"      # 10th octet with LSB clear
    assert conn.receive_data(data[:9]) == []
    with pytest.raises(LegacyPeerDetected) as info:
        conn.receive_data(data[9:])
    assert info.value.unversioned
    assert info.value.received == data
    assert joined(conn) == signature()       # nothing beyond our signature


@pytest.mark.parametrize("revision, version", [(0, (1, 0)), (1, (2, 0))])
def test_versioned_legacy_peers_detected_from_revision(revision, version):
    conn = Connection("DEALER")
    conn.data_to_send()
    with pytest.raises(LegacyPeerDetected) as info:
        conn.receive_data(signature() + bytes([revision]) + b"\x00PAD")
    assert info.value.version == version and not info.value.unversioned
    assert joined(conn) == b"\x03"           # major already sent, as libzmq does
    with pytest.raises(ProtocolError):
        conn.receive_data(b"more")


@pytest.mark.parametrize("major, minor, expected", [
    (3, 0, (3, 0)), (3, 1, (3, 1)), (3, 2, (3, 2)), (2, 0, (2, 0)), (4, 0, (4, 0)),
])
def test_zmtp3x_and_later_versions_accepted(major, minor, expected):
    conn = Connection("DEALER")
    events = conn.receive_data(greeting(major=major, minor=minor) + ready())
    assert events[0].peer_version == expected
    # Only a 3.0 peer gets subscriptions as data frames; everything else is 3.1.
    assert conn.peer_is_v30 == (expected == (3, 0))


@pytest.mark.parametrize("mechanism", [b"PLAIN", b"CURVE", b"NULLX", b"null", b""])
def test_mechanism_mismatch_refused(mechanism):
    conn = Connection("DEALER")
    with pytest.raises(ProtocolError, match="mechanism"):
        conn.receive_data(greeting(mechanism=mechanism))
    assert not conn.handshake_done


def test_mechanism_field_compared_with_padding():
    conn = Connection("DEALER")
    bad = bytearray(greeting())
    bad[30] = ord("X")                      # garbage after "NULL\0..."
    with pytest.raises(ProtocolError):
        conn.receive_data(bytes(bad))


def test_padding_and_as_server_octets_not_validated():
    conn = Connection("DEALER")
    g = bytearray(greeting(as_server=1))
    g[1:9] = b"garbage!"
    g[40] = 7                                 # filler garbage is ignored too
    events = conn.receive_data(bytes(g) + ready())
    assert events and conn.handshake_done


def test_as_server_octet_is_zero_for_null_even_when_requested():
    conn = Connection("DEALER", as_server=True)
    conn.receive_data(greeting())
    assert joined(conn)[32] == 0            # RFC 23: as-server MUST be zero for NULL


def test_dead_after_error_raises_again():
    conn = Connection("DEALER")
    with pytest.raises(ProtocolError):
        conn.receive_data(b"\x00")
    with pytest.raises(ProtocolError):
        conn.receive_data(greeting())
    assert conn.closed_reason
