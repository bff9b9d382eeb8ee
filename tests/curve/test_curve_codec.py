"""CURVE at the codec level: two in-memory Connections (client and server
mechanisms), the wire format libzmq 4.3.5 produces, and every failure path
with the ZMQ_PROTOCOL_ERROR_* code libzmq reports for it."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from curve_helpers import (
    Keys, client_connection, frame, joined, keypair, nacl_bindings, pump,
    server_connection, split_frames,
)
from purezmq.zmtp import HandshakeComplete, MechanismFailure, PeerError, Ping, Pong, ProtocolError
from purezmq.zmtp.mechanisms import curve as curve_mod
from purezmq.zmtp.mechanisms.base import ZapReply
from purezmq.zmtp.mechanisms.curve import CurveClientMechanism, CurveServerMechanism

GREETING = 64

UNEXPECTED_COMMAND = 0x10000001
INVALID_SEQUENCE = 0x10000002
KEY_EXCHANGE = 0x10000003
MALFORMED_UNSPECIFIED = 0x10000011
MALFORMED_MESSAGE = 0x10000012
MALFORMED_HELLO = 0x10000013
MALFORMED_INITIATE = 0x10000014
MALFORMED_READY = 0x10000016
INVALID_METADATA = 0x10000018
CRYPTOGRAPHIC = 0x11000001
ZMTP_UNSPECIFIED = 0x10000000


def test_codes_match_constants():
    from purezmq import constants as c
    assert curve_mod.CRYPTOGRAPHIC == c.PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC
    assert curve_mod.INVALID_SEQUENCE == c.PROTOCOL_ERROR_ZMTP_INVALID_SEQUENCE
    assert curve_mod.KEY_EXCHANGE == c.PROTOCOL_ERROR_ZMTP_KEY_EXCHANGE
    assert curve_mod.MALFORMED_COMMAND_HELLO == c.PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_HELLO
    assert curve_mod.MALFORMED_COMMAND_MESSAGE == c.PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_MESSAGE
    assert curve_mod.MALFORMED_COMMAND_INITIATE == \
        c.PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_INITIATE
    assert curve_mod.MALFORMED_COMMAND_READY == c.PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_READY
    assert curve_mod.UNEXPECTED_COMMAND == c.PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND
    assert curve_mod.INVALID_METADATA == c.PROTOCOL_ERROR_ZMTP_INVALID_METADATA
    assert curve_mod.ZMTP_UNSPECIFIED == c.PROTOCOL_ERROR_ZMTP_UNSPECIFIED


def greetings(client, server):
    """Exchange exactly the two 64-octet greetings; return them and the
    bytes each side queued after its greeting."""
    c_out = s_out = b""
    c_fed = s_fed = 0
    for _ in range(4):
        c_out += joined(client)
        s_out += joined(server)
        if c_fed < GREETING and len(c_out) > c_fed:
            server.receive_data(c_out[c_fed:GREETING])
            c_fed = min(len(c_out), GREETING)
        if s_fed < GREETING and len(s_out) > s_fed:
            client.receive_data(s_out[s_fed:GREETING])
            s_fed = min(len(s_out), GREETING)
    c_out += joined(client)
    s_out += joined(server)
    assert c_fed == s_fed == GREETING
    return c_out[:GREETING], s_out[:GREETING], c_out[GREETING:], s_out[GREETING:]


def handshaken(keys=None, **server_kwargs):
    keys = keys or Keys()
    client = client_connection(keys)
    server = server_connection(keys, **server_kwargs)
    got_c, got_s = pump(client, server)
    assert client.handshake_done and server.handshake_done
    assert any(isinstance(e, HandshakeComplete) for e in got_c)
    assert any(isinstance(e, HandshakeComplete) for e in got_s)
    return client, server


# -- happy path --------------------------------------------------------------

def test_handshake_and_multipart_both_ways():
    keys = Keys()
    client, server = handshaken(keys)
    assert client.peer_metadata["Socket-Type"] == b"ROUTER"
    assert server.peer_metadata["Socket-Type"] == b"DEALER"
    assert server.mechanism.client_key == keys.client_public
    big = os.urandom(70000)
    client.send_message([b"", b"hello", big])
    server.send_message([b"reply", b"x" * 300, b""])
    got_c, got_s = pump(client, server)
    assert got_s == [[b"", b"hello", big]]
    assert got_c == [[b"reply", b"x" * 300, b""]]
    for i in range(50):  # nonces keep increasing
        client.send_message([str(i).encode()])
    got_c, got_s = pump(client, server)
    assert got_s == [[str(i).encode()] for i in range(50)]


def test_commands_are_encrypted_too():
    client, server = handshaken()
    client.send_ping(30, b"ctx")
    client.send_subscribe(b"topic")
    got_c, got_s = pump(client, server)
    assert Ping(30, b"ctx") in got_s
    assert any(type(e).__name__ == "Subscribe" and e.topic == b"topic" for e in got_s)
    assert Pong(b"ctx") in got_c


def test_metadata_extra_properties():
    keys = Keys()
    client = client_connection(keys, metadata={"X-Hello": b"world"})
    server = server_connection(keys, metadata={"X-Srv": b"1"})
    pump(client, server)
    assert server.peer_property("X-Hello") == b"world"
    assert client.peer_property("X-Srv") == b"1"


def test_public_key_derived_from_secret_when_unset():
    keys = Keys()
    from purezmq.zmtp import Connection
    from purezmq.zmtp.mechanisms.base import SecurityOptions
    client = Connection("DEALER", mechanism=CurveClientMechanism(), security=SecurityOptions(
        curve_serverkey=keys.server_public, curve_secretkey=keys.client_secret))
    server = server_connection(keys)
    pump(client, server)
    assert server.handshake_done
    assert server.mechanism.client_key == keys.client_public


# -- wire format (libzmq's exact layout) --------------------------------------

def test_wire_format_matches_libzmq():
    keys = Keys()
    client = client_connection(keys)
    server = server_connection(keys)
    c_greet, s_greet, c_rest, s_rest = greetings(client, server)
    assert c_greet[10] == 3 and c_greet[12:17] == b"CURVE" and c_greet[32] == 0
    assert s_greet[32] == 1  # as-server octet of a CURVE server
    assert s_rest == b""  # the server waits for HELLO
    (flags, hello), = split_frames(c_rest)
    assert flags == 0x04 and len(hello) == 200
    assert hello[:6] == b"\x05HELLO" and hello[6:8] == b"\x01\x00"
    assert hello[8:80] == bytes(72)
    c_short = hello[80:112]
    assert hello[112:120] == (1).to_bytes(8, "big")
    signature = nacl_bindings.crypto_box_open(hello[120:], b"CurveZMQHELLO---" + hello[112:120],
                                              c_short, keys.server_secret)
    assert signature == bytes(64)

    server.receive_data(frame(4, hello))
    (flags, welcome), = split_frames(joined(server))
    assert flags == 0x04 and len(welcome) == 168 and welcome[:8] == b"\x07WELCOME"
    plain = nacl_bindings.crypto_box_open(welcome[24:], b"WELCOME-" + welcome[8:24],
                                          keys.server_public, client.mechanism._cn_secret)
    s_short, cookie = plain[:32], plain[32:]
    assert len(cookie) == 96

    client.receive_data(frame(4, welcome))
    (flags, initiate), = split_frames(joined(client))
    metadata = b"\x0bSocket-Type\x00\x00\x00\x06DEALER\x08Identity\x00\x00\x00\x00"
    assert flags == 0x06 and initiate[:9] == b"\x08INITIATE"
    assert len(initiate) == 257 + len(metadata)
    assert initiate[9:105] == cookie
    assert initiate[105:113] == (2).to_bytes(8, "big")
    server_short_secret = server.mechanism._cn_secret
    box = nacl_bindings.crypto_box_open(initiate[113:], b"CurveZMQINITIATE" + initiate[105:113],
                                        c_short, server_short_secret)
    assert box[:32] == keys.client_public
    vouch = nacl_bindings.crypto_box_open(box[48:128], b"VOUCH---" + box[32:48],
                                          keys.client_public, server_short_secret)
    assert vouch == c_short + keys.server_public
    assert box[128:] == metadata

    server.receive_data(frame(4, initiate))
    assert server.handshake_done
    (flags, ready), = split_frames(joined(server))
    assert flags == 0x04 and ready[:6] == b"\x05READY"
    assert ready[6:14] == (1).to_bytes(8, "big")
    k = nacl_bindings.crypto_box_beforenm(c_short, server_short_secret)
    assert nacl_bindings.crypto_box_open_afternm(
        ready[14:], b"CurveZMQREADY---" + ready[6:14], k) == \
        b"\x0bSocket-Type\x00\x00\x00\x06ROUTER\x08Identity\x00\x00\x00\x00"
    client.receive_data(frame(4, ready))
    assert client.handshake_done
    assert s_short == server.mechanism._cn_public

    # MESSAGE: outer flags 0 (libzmq does not set COMMAND), inner flags
    # octet 1 = MORE, 2 = COMMAND; client counter continues at 3.
    client.send_message([b"a", b"b"])
    client.send_ping(1)
    frames = split_frames(joined(client))
    assert [f for f, _ in frames] == [0, 0, 0]
    inner = []
    for n, (_, body) in enumerate(frames, start=3):
        assert body[:8] == b"\x07MESSAGE"
        assert body[8:16] == n.to_bytes(8, "big")
        inner.append(nacl_bindings.crypto_box_open_afternm(
            body[16:], b"CurveZMQMESSAGEC" + body[8:16], k))
    assert inner == [b"\x01a", b"\x00b", b"\x02\x04PING\x00\x01"]
    server.send_message([b"z"])
    (flags, body), = split_frames(joined(server))
    assert flags == 0 and body[8:16] == (2).to_bytes(8, "big")
    assert nacl_bindings.crypto_box_open_afternm(
        body[16:], b"CurveZMQMESSAGES" + body[8:16], k) == b"\x00z"


def test_outer_flags_are_ored_like_libzmq():
    # libzmq (libsodium build) ORs the decrypted flags into the carrying
    # frame's: an outer MORE makes the frame non-final.
    client, server = handshaken()
    _, first = client.mechanism.encode(0, b"a")
    _, second = client.mechanism.encode(0, b"b")
    assert server.receive_data(frame(1, first) + frame(0, second)) == [[b"a", b"b"]]


def test_cookie_key_fresh_per_connection():
    keys = Keys()
    a = server_connection(keys)
    b = server_connection(keys)
    handshaken(keys)
    for conn in (a, b):
        client = client_connection(keys)
        pump(client, conn)
        assert conn.handshake_done
    assert a.mechanism._cookie_key != b.mechanism._cookie_key
    assert a.mechanism._cn_public != b.mechanism._cn_public


def test_replayed_handshake_fails_on_cookie():
    keys = Keys()
    client = client_connection(keys)
    server = server_connection(keys)
    recorded = b""
    for _ in range(4):
        data = joined(client)
        recorded += data
        if data:
            server.receive_data(data)
        data = joined(server)
        if data:
            client.receive_data(data)
    assert server.handshake_done
    replay_target = server_connection(keys)
    with pytest.raises(ProtocolError) as info:
        replay_target.receive_data(recorded)
    assert info.value.code == CRYPTOGRAPHIC  # the old cookie no longer opens


# -- handshake failures -------------------------------------------------------

def _stream(conn):
    """Split a connection's queued output into greeting and frames."""
    data = joined(conn)
    return data[:GREETING], split_frames(data[GREETING:])


def start_pair(keys=None, **kw):
    keys = keys or Keys()
    client = client_connection(keys)
    server = server_connection(keys, **kw)
    c_greet, s_greet, c_rest, s_rest = greetings(client, server)
    client.outgoing.insert(0, c_rest)  # put HELLO back in the queue
    return keys, client, server


def test_wrong_server_key_fails_hello():
    keys = Keys()
    wrong_public, _ = keypair()
    client = client_connection(keys, server_key=wrong_public)
    server = server_connection(keys)
    with pytest.raises(ProtocolError) as info:
        pump(client, server)
    assert info.value.code == CRYPTOGRAPHIC
    assert not server.handshake_done and not client.handshake_done


def _hello(client):
    (flags, hello), = split_frames(joined(client))
    return hello


def _server_fails(server, body, code):
    with pytest.raises(ProtocolError) as info:
        server.receive_data(frame(4, body))
    assert info.value.code == code, hex(info.value.code or 0)
    assert not isinstance(info.value, MechanismFailure) or not info.value.commands
    assert joined(server) == b""  # libzmq sends no ERROR for these


@pytest.mark.parametrize("mutate, code", [
    (lambda h: h[:150] + bytes([h[150] ^ 1]) + h[151:], CRYPTOGRAPHIC),  # box
    (lambda h: h[:113] + bytes([h[113] ^ 1]) + h[114:], CRYPTOGRAPHIC),  # nonce
    (lambda h: h[:90] + bytes([h[90] ^ 1]) + h[91:], CRYPTOGRAPHIC),     # C'
    (lambda h: h[:6] + b"\x02\x00" + h[8:], MALFORMED_HELLO),            # version
    (lambda h: h[:6] + b"\x01\x01" + h[8:], MALFORMED_HELLO),
    (lambda h: h[:199], MALFORMED_HELLO),
    (lambda h: h + b"\x00", MALFORMED_HELLO),
    (lambda h: b"\x05HELLX" + h[6:], UNEXPECTED_COMMAND),
    (lambda h: b"\x08INITIATE" + h[9:], UNEXPECTED_COMMAND),
    (lambda h: b"\x00", MALFORMED_UNSPECIFIED),
])
def test_bad_hello(mutate, code):
    keys, client, server = start_pair()
    _server_fails(server, mutate(_hello(client)), code)


def test_hello_padding_is_not_checked():
    # libzmq ignores the anti-amplification padding's content.
    keys, client, server = start_pair()
    hello = _hello(client)
    server.receive_data(frame(4, hello[:8] + b"\xff" * 72 + hello[80:]))
    assert len(joined(server)) == 2 + 168


def _to_initiate(keys=None, **kw):
    keys, client, server = start_pair(keys, **kw)
    server.receive_data(frame(4, _hello(client)))
    client.receive_data(joined(server))
    (flags, initiate), = split_frames(joined(client))
    return keys, client, server, initiate


@pytest.mark.parametrize("mutate, code", [
    (lambda m: m[:30] + bytes([m[30] ^ 1]) + m[31:], CRYPTOGRAPHIC),    # cookie box
    (lambda m: m[:12] + bytes([m[12] ^ 1]) + m[13:], CRYPTOGRAPHIC),    # cookie nonce
    (lambda m: m[:106] + bytes([m[106] ^ 1]) + m[107:], CRYPTOGRAPHIC),  # short nonce
    (lambda m: m[:200] + bytes([m[200] ^ 1]) + m[201:], CRYPTOGRAPHIC),  # box
    (lambda m: m[:-1], CRYPTOGRAPHIC),
    (lambda m: m[:256], MALFORMED_INITIATE),
    (lambda m: b"\x08INITIATX" + m[9:], UNEXPECTED_COMMAND),
    (lambda m: b"\x05HELLO" + m[6:], UNEXPECTED_COMMAND),
])
def test_bad_initiate(mutate, code):
    keys, client, server, initiate = _to_initiate()
    _server_fails(server, mutate(initiate), code)


class _BadVouch(CurveClientMechanism):
    """Vouches for another short-term key than the one it uses."""

    def _produce_initiate(self):
        real = self._cn_public
        self._cn_public = keypair()[0]
        try:
            return super()._produce_initiate()
        finally:
            self._cn_public = real


class _Impostor(CurveClientMechanism):
    """Claims a long-term key whose secret it does not have."""

    def _produce_initiate(self):
        self._public_key = keypair()[0]
        return super()._produce_initiate()


@pytest.mark.parametrize("mechanism, code", [(_BadVouch, KEY_EXCHANGE),
                                             (_Impostor, CRYPTOGRAPHIC)])
def test_bad_vouch(mechanism, code):
    from purezmq.zmtp import Connection
    from purezmq.zmtp.mechanisms.base import SecurityOptions
    keys = Keys()
    client = Connection("DEALER", mechanism=mechanism(), security=SecurityOptions(
        curve_serverkey=keys.server_public, curve_publickey=keys.client_public,
        curve_secretkey=keys.client_secret))
    server = server_connection(keys)
    with pytest.raises(ProtocolError) as info:
        pump(client, server)
    assert info.value.code == code


@pytest.mark.parametrize("mutate", [
    lambda w: w[:50] + bytes([w[50] ^ 1]) + w[51:],
    lambda w: w[:10] + bytes([w[10] ^ 1]) + w[11:],
    lambda w: w[:167],
    lambda w: w + b"\x00",
])
def test_bad_welcome_is_cryptographic(mutate):
    # libzmq's client reports CRYPTOGRAPHIC for any WELCOME it cannot use,
    # including a wrongly sized one.
    keys, client, server = start_pair()
    server.receive_data(frame(4, _hello(client)))
    (flags, welcome), = split_frames(joined(server))
    with pytest.raises(ProtocolError) as info:
        client.receive_data(frame(4, mutate(welcome)))
    assert info.value.code == CRYPTOGRAPHIC


def _ready(keys=None):
    keys, client, server, initiate = _to_initiate(keys)
    server.receive_data(frame(4, initiate))
    (flags, ready), = split_frames(joined(server))
    return client, server, ready


@pytest.mark.parametrize("mutate, code", [
    (lambda r: r[:20] + bytes([r[20] ^ 1]) + r[21:], CRYPTOGRAPHIC),
    (lambda r: r[:29], MALFORMED_READY),
    (lambda r: r[:30], CRYPTOGRAPHIC),
])
def test_bad_ready(mutate, code):
    client, server, ready = _ready()
    with pytest.raises(ProtocolError) as info:
        client.receive_data(frame(4, mutate(ready)))
    assert info.value.code == code


def test_ready_with_incompatible_socket_type_is_invalid_metadata():
    keys = Keys()
    client = client_connection(keys, socket_type="DEALER")
    server = server_connection(keys, socket_type="PUB", check_peer_type=False)
    with pytest.raises(ProtocolError) as info:
        pump(client, server)
    assert info.value.code == INVALID_METADATA


def test_initiate_with_incompatible_socket_type_fails_on_server():
    # libzmq's server fails here without a protocol monitor event.
    keys = Keys()
    client = client_connection(keys, socket_type="PUSH", check_peer_type=False)
    server = server_connection(keys, socket_type="ROUTER")
    with pytest.raises(ProtocolError) as info:
        pump(client, server)
    assert info.value.code is None
    assert not server.handshake_done


def test_ready_before_welcome():
    keys, client, server = start_pair()
    joined(client)
    body = b"\x05READY" + (1).to_bytes(8, "big") + bytes(40)
    with pytest.raises(ProtocolError) as info:
        client.receive_data(frame(4, body))
    assert info.value.code == CRYPTOGRAPHIC


def test_client_unexpected_command():
    keys, client, server = start_pair()
    joined(client)
    with pytest.raises(ProtocolError) as info:
        client.receive_data(frame(4, b"\x05HELLO" + bytes(194)))
    assert info.value.code == UNEXPECTED_COMMAND


def test_client_gets_peer_error():
    keys, client, server = start_pair()
    joined(client)
    events = client.receive_data(frame(4, b"\x05ERROR\x03400"))
    assert events == [PeerError(b"400")]


def test_data_frame_during_handshake_refused():
    keys, client, server = start_pair()
    with pytest.raises(ProtocolError):
        server.receive_data(frame(0, b"hello"))


# -- MESSAGE failures -----------------------------------------------------

def _messages(client, *payloads):
    for p in payloads:
        client.send_message([p])
    return [body for _, body in split_frames(joined(client))]


def test_replayed_message_fails():
    client, server = handshaken()
    first, = _messages(client, b"one")
    assert server.receive_data(frame(0, first)) == [[b"one"]]
    with pytest.raises(ProtocolError) as info:
        server.receive_data(frame(0, first))
    assert info.value.code == INVALID_SEQUENCE


def test_reordered_messages_fail():
    client, server = handshaken()
    one, two = _messages(client, b"one", b"two")
    assert server.receive_data(frame(0, two)) == [[b"two"]]  # a gap is allowed
    with pytest.raises(ProtocolError) as info:
        server.receive_data(frame(0, one))
    assert info.value.code == INVALID_SEQUENCE


def test_first_message_must_follow_handshake_nonce():
    # The server saw INITIATE with nonce 2: a MESSAGE with nonce 2 is stale.
    client, server = handshaken()
    client.mechanism._cn_nonce = 2
    stale, = _messages(client, b"x")
    with pytest.raises(ProtocolError) as info:
        server.receive_data(frame(0, stale))
    assert info.value.code == INVALID_SEQUENCE


def test_server_to_client_replay_fails():
    client, server = handshaken()
    server.send_message([b"a"])
    (_, body), = split_frames(joined(server))
    assert client.receive_data(frame(0, body)) == [[b"a"]]
    with pytest.raises(ProtocolError) as info:
        client.receive_data(frame(0, body))
    assert info.value.code == INVALID_SEQUENCE


@pytest.mark.parametrize("mutate, code", [
    (lambda m: m[:20] + bytes([m[20] ^ 1]) + m[21:], CRYPTOGRAPHIC),
    (lambda m: m[:-1] + bytes([m[-1] ^ 0x80]), CRYPTOGRAPHIC),
    (lambda m: m[:15] + bytes([m[15] + 1]) + m[16:], CRYPTOGRAPHIC),  # nonce
    (lambda m: m[:32], MALFORMED_MESSAGE),
    (lambda m: b"\x07MESSAGX" + m[8:], UNEXPECTED_COMMAND),
    (lambda m: b"\x04PING\x00\x01", UNEXPECTED_COMMAND),
    (lambda m: b"\x07", MALFORMED_UNSPECIFIED),
    (lambda m: b"\x09MESSAGE", MALFORMED_UNSPECIFIED),
])
def test_tampered_message(mutate, code):
    client, server = handshaken()
    body, = _messages(client, b"payload")
    with pytest.raises(ProtocolError) as info:
        server.receive_data(frame(0, mutate(body)))
    assert info.value.code == code


def test_message_from_other_direction_fails():
    # A client MESSAGE reflected back to the client uses the wrong prefix.
    client, server = handshaken()
    client.mechanism._cn_nonce = 100
    body, = _messages(client, b"x")
    with pytest.raises(ProtocolError) as info:
        client.receive_data(frame(0, body))
    assert info.value.code == CRYPTOGRAPHIC


# -- ZAP ----------------------------------------------------------------------

class FakeZap:
    def __init__(self, bound: bool = True) -> None:
        self.bound = bound
        self.calls: list = []

    def __call__(self, mechanism, credentials):
        self.calls.append((mechanism, list(credentials)))
        return self.bound


def _zap_pair(zap, **kw):
    keys = Keys()
    client = client_connection(keys)
    server = server_connection(keys, zap=zap, **kw)
    pump(client, server)
    return keys, client, server


def test_zap_allow_with_user_id():
    zap = FakeZap()
    keys, client, server = _zap_pair(zap, zap_domain=b"global")
    assert zap.calls == [(b"CURVE", [keys.client_public])]
    assert not server.handshake_done and not client.handshake_done
    assert joined(server) == b""  # waiting for the ZAP reply
    # metadata is parsed before the ZAP reply, as libzmq does
    assert ("Socket-Type", b"DEALER") in server.mechanism.peer_properties
    server.mechanism.zap_reply = ZapReply(b"200", b"OK", b"alice", [("Hello", b"World")])
    events = server.resume_handshake()
    assert any(isinstance(e, HandshakeComplete) for e in events)
    assert server.mechanism.user_id == b"alice"
    assert server.mechanism.zap_properties == [("Hello", b"World")]
    got_c, _ = pump(client, server)
    assert client.handshake_done
    client.send_message([b"hi"])
    server.send_message([b"there"])
    got_c, got_s = pump(client, server)
    assert got_s == [[b"hi"]] and got_c == [[b"there"]]


@pytest.mark.parametrize("status", [b"400", b"500"])
def test_zap_deny_sends_error(status):
    zap = FakeZap()
    keys, client, server = _zap_pair(zap)
    server.mechanism.zap_reply = ZapReply(status, b"denied", b"", [])
    with pytest.raises(MechanismFailure) as info:
        server.resume_handshake()
    assert info.value.auth_status == int(status)
    data = joined(server)
    assert data == frame(4, b"\x05ERROR\x03" + status)  # not encrypted
    assert client.receive_data(data) == [PeerError(status)]
    assert not client.handshake_done


def test_zap_300_stalls_silently():
    """libzmq: a temporary failure sends nothing (no ERROR, no READY) and the
    handshake stays where it is (HANDSHAKE_IVL ends it)."""
    zap = FakeZap()
    keys, client, server = _zap_pair(zap)
    server.mechanism.zap_reply = ZapReply(b"300", b"later", b"", [])
    assert server.resume_handshake() == []
    assert joined(server) == b""
    assert not server.handshake_done


def test_command_while_waiting_for_zap():
    zap = FakeZap()
    keys, client, server = _zap_pair(zap)
    with pytest.raises(ProtocolError) as info:
        server.receive_data(frame(4, b"\x05HELLO" + bytes(194)))
    assert info.value.code == ZMTP_UNSPECIFIED


@pytest.mark.parametrize("domain, enforce, bound, asked, outcome", [
    (b"", False, False, True, "accept"),     # no handler: Stonehouse
    (b"dom", False, False, True, "accept"),
    (b"dom", True, False, True, "efault"),   # enforced, no handler
    (b"", True, True, False, "accept"),      # enforced, no domain: no ZAP
    (b"", False, True, True, "wait"),
    (b"dom", True, True, True, "wait"),
])
def test_zap_policy(domain, enforce, bound, asked, outcome):
    zap = FakeZap(bound)
    keys = Keys()
    client = client_connection(keys)
    server = server_connection(keys, zap=zap, zap_domain=domain, zap_enforce_domain=enforce)
    if outcome == "efault":
        with pytest.raises(ProtocolError) as info:
            pump(client, server)
        assert info.value.no_detail == 14 and info.value.code is None
    else:
        pump(client, server)
        assert server.handshake_done == (outcome == "accept")
        assert client.handshake_done == (outcome == "accept")
    assert bool(zap.calls) == asked


# -- PyNaCl missing -------------------------------------------------------

def test_missing_pynacl_gives_clear_error(monkeypatch):
    monkeypatch.setattr(curve_mod, "_nacl", None)
    for name in ("nacl", "nacl.bindings", "nacl.exceptions"):
        monkeypatch.setitem(sys.modules, name, None)
    for cls in (CurveClientMechanism, CurveServerMechanism):
        with pytest.raises(ImportError, match=r"pip install pynacl"):
            cls()
    assert not curve_mod.curve_available()


def test_purezmq_imports_without_pynacl():
    src = os.path.join(os.path.dirname(__file__), "..", "..", "src")
    code = ("import sys; sys.modules['nacl'] = None\n"
            "import purezmq, purezmq.zmtp.mechanisms as m\n"
            "try:\n    m.CurveServerMechanism()\nexcept ImportError as e:\n"
            "    print('refused:', e)\n")
    env = dict(os.environ, PYTHONPATH=os.path.abspath(src))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60, env=env)
    assert out.returncode == 0, out.stderr
    assert "refused: the CURVE security mechanism needs PyNaCl (pip install pynacl)" in out.stdout
