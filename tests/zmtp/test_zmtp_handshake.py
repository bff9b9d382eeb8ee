"""Security handshake: NULL READY exchange, metadata, Socket-Type checks,
ERROR handling, and the Mechanism interface (RFC 23/37, libzmq
null_mechanism.cpp and mechanism.cpp)."""

from __future__ import annotations

import itertools

import pytest

from purezmq.zmtp import (
    Connection, HandshakeComplete, Mechanism, MechanismFailure, PeerError, Ping, Pong,
    ProtocolError, Subscribe, UsageError,
)
from purezmq.zmtp.commands import decode_metadata, encode_ready
from zmtp_helpers import command, frame, greeting, joined, prop, pump, ready

# Written from RFC 37 "The Socket-Type Property" (plus libzmq's DGRAM).
LEGAL = {
    "REQ": {"REP", "ROUTER"}, "REP": {"REQ", "DEALER"},
    "DEALER": {"REP", "DEALER", "ROUTER"}, "ROUTER": {"REQ", "DEALER", "ROUTER"},
    "PUB": {"SUB", "XSUB"}, "XPUB": {"SUB", "XSUB"},
    "SUB": {"PUB", "XPUB"}, "XSUB": {"PUB", "XPUB"},
    "PUSH": {"PULL"}, "PULL": {"PUSH"}, "PAIR": {"PAIR"},
    "CLIENT": {"SERVER"}, "SERVER": {"CLIENT"}, "RADIO": {"DISH"}, "DISH": {"RADIO"},
    "SCATTER": {"GATHER"}, "GATHER": {"SCATTER"}, "PEER": {"PEER"},
    "CHANNEL": {"CHANNEL"}, "DGRAM": {"DGRAM"},
}
TYPES = sorted(LEGAL)
PAIRS = list(itertools.product(TYPES, TYPES))


@pytest.mark.parametrize("ours, theirs", PAIRS)
def test_socket_type_pairs(ours, theirs):
    conn = Connection(ours)
    data = greeting() + ready(theirs.encode())
    if theirs in LEGAL[ours]:
        events = conn.receive_data(data)
        assert conn.handshake_done and conn.peer_socket_type == theirs
        assert isinstance(events[0], HandshakeComplete)
    else:
        with pytest.raises(ProtocolError, match="socket type"):
            conn.receive_data(data)
        assert not conn.handshake_done


@pytest.mark.parametrize("ours, theirs", [p for p in PAIRS if p[1] in LEGAL[p[0]]])
def test_compatible_pairs_in_memory(ours, theirs):
    a, b = Connection(ours), Connection(theirs)
    got_a, got_b = pump(a, b)
    assert a.handshake_done and b.handshake_done
    assert got_a[0].peer_metadata["Socket-Type"] == theirs.encode()
    assert got_b[0].peer_metadata["Socket-Type"] == ours.encode()


def test_incompatible_pair_in_memory_refused_both_sides():
    a, b = Connection("PUSH"), Connection("PUB")
    with pytest.raises(ProtocolError, match="socket type"):
        pump(a, b)
    with pytest.raises(ProtocolError, match="socket type"):
        pump(b, a)


def test_check_peer_type_false_accepts_anything():
    conn = Connection("PUSH", check_peer_type=False)
    conn.receive_data(greeting() + ready(b"WHATEVER"))
    assert conn.handshake_done and conn.peer_socket_type == "WHATEVER"
    conn = Connection("PUSH", check_peer_type=False)
    conn.receive_data(greeting() + ready(None))
    assert conn.handshake_done and conn.peer_socket_type == ""


def test_missing_socket_type_refused():
    conn = Connection("PUSH")
    with pytest.raises(ProtocolError, match="Socket-Type"):
        conn.receive_data(greeting() + ready(None, X_Other=b"x"))


def test_property_names_case_insensitive_values_exact():
    conn = Connection("PUSH")
    body = b"\x05READY" + prop(b"socket-type", b"PULL")
    events = conn.receive_data(greeting() + frame(4, body))
    assert events[0].peer_metadata == {"socket-type": b"PULL"}
    assert conn.peer_socket_type == "PULL"
    conn = Connection("PUSH")
    with pytest.raises(ProtocolError):            # libzmq compares values exactly
        conn.receive_data(greeting() + ready(b"pull"))


def test_every_socket_type_property_is_checked():
    conn = Connection("PUSH")
    body = b"\x05READY" + prop(b"Socket-Type", b"PULL") + prop(b"SOCKET-TYPE", b"PUB")
    with pytest.raises(ProtocolError):
        conn.receive_data(greeting() + frame(4, body))


def test_duplicate_property_first_wins():
    conn = Connection("PUSH")
    body = (b"\x05READY" + prop(b"Socket-Type", b"PULL") + prop(b"X-A", b"1")
            + prop(b"X-A", b"2"))
    events = conn.receive_data(greeting() + frame(4, body))
    assert events[0].peer_metadata["X-A"] == b"1"


def test_zero_length_property_name_tolerated_like_libzmq():
    conn = Connection("PUSH")
    body = b"\x05READY" + prop(b"Socket-Type", b"PULL") + prop(b"", b"v")
    events = conn.receive_data(greeting() + frame(4, body))
    assert events[0].peer_metadata[""] == b"v"


@pytest.mark.parametrize("tail", [
    b"\x0b",                                   # lone trailing octet
    b"\x05X-Abc",                              # name without value length
    b"\x05X-Abc\x00\x00",                      # truncated value length
    b"\x05X-Abc\x00\x00\x00\x05abc",           # truncated value
    b"\xffX",                                  # name length past the end
    b"\x03X-A\xff\xff\xff\xff",                # huge value length
])
def test_malformed_metadata_refused(tail):
    conn = Connection("PUSH")
    body = b"\x05READY" + prop(b"Socket-Type", b"PULL") + tail
    with pytest.raises(ProtocolError, match="metadata"):
        conn.receive_data(greeting() + frame(4, body))


def test_data_frame_before_ready_refused():
    conn = Connection("PUSH")
    with pytest.raises(ProtocolError, match="handshake"):
        conn.receive_data(greeting() + b"\x00\x01a")


def test_data_frame_looking_like_ready_refused():
    conn = Connection("PUSH")
    with pytest.raises(ProtocolError):
        conn.receive_data(greeting() + frame(0, b"\x05READY" + prop(b"Socket-Type", b"PULL")))


@pytest.mark.parametrize("name", [b"PING", b"SUBSCRIBE", b"HELLO", b"READYX"])
def test_unexpected_command_during_null_handshake(name):
    conn = Connection("PUSH")
    with pytest.raises(ProtocolError, match="unexpected"):
        conn.receive_data(greeting() + command(name, b"\x00\x00"))


def test_command_with_more_during_handshake_refused():
    conn = Connection("PUSH")
    with pytest.raises(ProtocolError, match="MORE"):
        conn.receive_data(greeting() + command(b"READY", prop(b"Socket-Type", b"PULL"), flags=5))


@pytest.mark.parametrize("body", [b"", b"\x07READY"])
def test_malformed_command_during_handshake(body):
    conn = Connection("PUSH")
    with pytest.raises(ProtocolError):
        conn.receive_data(greeting() + frame(4, body))


def test_peer_error_during_handshake():
    conn = Connection("PUSH")
    events = conn.receive_data(greeting() + command(b"ERROR", b"\x06denied") + ready(b"PULL"))
    assert events == [PeerError(b"denied")]
    assert not conn.handshake_done
    with pytest.raises(ProtocolError, match="ERROR"):
        conn.receive_data(b"\x00\x00")


@pytest.mark.parametrize("data", [b"", b"\x05abc"])
def test_malformed_error_command(data):
    conn = Connection("PUSH")
    with pytest.raises(ProtocolError, match="ERROR"):
        conn.receive_data(greeting() + command(b"ERROR", data))


def test_error_trailing_bytes_tolerated():
    conn = Connection("PUSH")
    assert conn.receive_data(greeting() + command(b"ERROR", b"\x02noXYZ")) == [PeerError(b"no")]


def test_second_ready_after_handshake_ignored():
    conn = Connection("PUSH")
    events = conn.receive_data(greeting() + ready(b"PULL") + ready(b"PULL") + b"\x00\x01a")
    assert events[1:] == [[b"a"]]


def test_send_before_handshake_is_usage_error():
    conn = Connection("PUSH")
    for call in (lambda: conn.send_message([b"x"]), lambda: conn.send_subscribe(b""),
                 lambda: conn.send_cancel(b""), lambda: conn.send_ping(1),
                 lambda: conn.send_pong(b""), lambda: conn.send_error(b"x")):
        with pytest.raises(UsageError):
            call()
    conn.receive_data(greeting())
    conn.send_error(b"bye")                    # allowed once the greeting is done
    assert joined(conn).endswith(b"\x04\x0a\x05ERROR\x03bye")
    with pytest.raises(UsageError):
        conn.send_message([b"x"])


@pytest.mark.parametrize("kwargs", [
    {"socket_type": "NOPE"}, {"socket_type": "STREAM"},
    {"socket_type": "PUSH", "identity": b"x" * 256},
    {"socket_type": "PUSH", "metadata": {"": b"x"}},
    {"socket_type": "PUSH", "metadata": {"X Bad": b"x"}},
    {"socket_type": "PUSH", "metadata": {"X-" + "a" * 254: b"x"}},
])
def test_bad_constructor_arguments(kwargs):
    with pytest.raises(UsageError):
        Connection(**kwargs)


def test_lower_case_socket_type_accepted():
    assert Connection("dealer").socket_type == "DEALER"


def test_identity_and_metadata_exchanged_in_memory():
    a = Connection("DEALER", identity=b"client-1", metadata={"X-App": b"demo"})
    b = Connection("ROUTER")
    got_a, got_b = pump(a, b)
    assert got_b[0].peer_property("identity") == b"client-1"
    assert b.peer_property("x-app") == b"demo"
    assert got_a[0].peer_metadata == {"Socket-Type": b"ROUTER", "Identity": b""}


# -- the Mechanism interface, exercised with a toy transforming mechanism ----

class ToyMechanism(Mechanism):
    """HELLO/WELCOME handshake; afterwards every frame travels inside a
    MESSAGE command whose payload is XOR-ed: the shape CURVE needs."""

    name = b"TOY"
    transforms_frames = True

    def __init__(self, fail: bool = False):
        super().__init__()
        self.fail = fail
        self._done = False
        self._context = None

    @property
    def complete(self):
        return self._done

    def start(self, context):
        self._context = context
        if context.as_server:
            return []
        return [b"\x05HELLO" + encode_ready(context.properties)[6:]]

    def process_command(self, name, data):
        if self.fail:
            raise MechanismFailure("toy says no", [b"\x05ERROR\x02no"])
        if name not in (b"HELLO", b"WELCOME"):
            raise ProtocolError("toy: unexpected command")
        props = decode_metadata(data)
        self._context.validate_properties(props)
        self.peer_properties = props
        self._done = True
        if name == b"HELLO":
            return [b"\x07WELCOME" + encode_ready(self._context.properties)[6:]]
        return []

    def encode(self, flags, body):
        return 4, b"\x07MESSAGE" + bytes([flags]) + bytes(b ^ 0x55 for b in body)

    def decode(self, flags, body):
        if body[:8] != b"\x07MESSAGE":
            raise ProtocolError("toy: expected MESSAGE")
        return body[8], bytes(b ^ 0x55 for b in body[9:])


def test_transforming_mechanism_round_trip():
    client = Connection("DEALER", mechanism=ToyMechanism())
    server = Connection("ROUTER", mechanism=ToyMechanism(), as_server=True)
    got_c, got_s = pump(client, server)
    assert client.handshake_done and server.handshake_done
    assert got_c[0].peer_metadata["Socket-Type"] == b"ROUTER"
    assert got_s[0].peer_metadata["Socket-Type"] == b"DEALER"
    client.send_message([b"abc", b"x" * 300])
    client.send_subscribe(b"t")
    client.send_ping(5, b"c")
    server.send_message([b"reply"])
    got_c, got_s = pump(client, server)
    assert got_s[0] == [b"abc", b"x" * 300]
    assert got_s[1:] == [Subscribe(b"t"), Ping(5, b"c")]
    assert got_c == [[b"reply"], Pong(b"c")]


def test_transforming_mechanism_wire_is_commands_only():
    client = Connection("DEALER", mechanism=ToyMechanism())
    server = Connection("ROUTER", mechanism=ToyMechanism(), as_server=True)
    pump(client, server)
    client.send_message([b"secret"])
    wire = b"".join(client.data_to_send())
    assert wire[0] == 4 and b"secret" not in wire
    assert server.receive_data(wire) == [[b"secret"]]


def test_as_server_octet_follows_role_for_mechanisms_with_roles():
    server = Connection("ROUTER", mechanism=ToyMechanism(), as_server=True)
    server.receive_data(greeting(mechanism=b"TOY"))
    assert (b"".join(server.data_to_send()))[32] == 1


def test_mechanism_failure_queues_error_before_dying():
    conn = Connection("DEALER", mechanism=ToyMechanism(fail=True), as_server=True)
    conn.data_to_send()
    with pytest.raises(ProtocolError, match="toy says no"):
        conn.receive_data(greeting(mechanism=b"TOY") + command(b"HELLO"))
    assert joined(conn).endswith(b"\x04\x09\x05ERROR\x02no")
    with pytest.raises(ProtocolError):
        conn.receive_data(b"")


def test_resume_handshake_is_noop_for_null():
    conn = Connection("PUSH")
    assert conn.resume_handshake() == []
    conn.receive_data(greeting())
    assert conn.resume_handshake() == []
