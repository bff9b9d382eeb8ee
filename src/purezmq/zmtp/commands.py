"""Command bodies and READY-style metadata (RFC 23 "Commands", "The NULL
Security Mechanism", "Connection Metadata"; RFC 37 "The Publish-Subscribe
Pattern" and "Connection Heartbeating").

A command body is ``len(name)`` (one octet), ``name``, then command data.
This module only builds and parses bodies; framing.py puts them in frames.
Parsing follows libzmq 4.3.5 where it is more lenient or stricter than the
RFC grammar (see the individual functions).  It also owns the Socket-Type
compatibility table (libzmq mechanism.cpp ``check_socket_type``).
"""

from __future__ import annotations

from collections.abc import Iterable

from .errors import ProtocolError, UsageError

__all__ = [
    "READY", "ERROR", "SUBSCRIBE", "CANCEL", "PING", "PONG",
    "PING_MAX_CONTEXT", "SOCKET_TYPE", "IDENTITY",
    "COMPATIBLE_PEERS", "SENDS_IDENTITY",
    "command_prefix", "encode_command", "split_command",
    "encode_property", "encode_metadata", "decode_metadata",
    "encode_ready", "encode_error", "decode_error",
    "encode_subscribe", "encode_cancel",
    "encode_ping", "decode_ping", "encode_pong",
    "basic_properties", "check_socket_type",
]

READY = b"READY"
ERROR = b"ERROR"
SUBSCRIBE = b"SUBSCRIBE"
CANCEL = b"CANCEL"
PING = b"PING"
PONG = b"PONG"

PING_MAX_CONTEXT = 16
MAX_VALUE_SIZE = 0x7FFFFFFF

SOCKET_TYPE = "Socket-Type"
IDENTITY = "Identity"

_NAME_CHARS = frozenset(
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.+")

# Legal peers for each socket type (RFC 37 "The Socket-Type Property",
# libzmq mechanism.cpp check_socket_type including the draft types).
COMPATIBLE_PEERS: dict[str, frozenset[str]] = {
    "PAIR": frozenset({"PAIR"}),
    "PUB": frozenset({"SUB", "XSUB"}),
    "SUB": frozenset({"PUB", "XPUB"}),
    "XPUB": frozenset({"SUB", "XSUB"}),
    "XSUB": frozenset({"PUB", "XPUB"}),
    "REQ": frozenset({"REP", "ROUTER"}),
    "REP": frozenset({"REQ", "DEALER"}),
    "DEALER": frozenset({"REP", "DEALER", "ROUTER"}),
    "ROUTER": frozenset({"REQ", "DEALER", "ROUTER"}),
    "PUSH": frozenset({"PULL"}),
    "PULL": frozenset({"PUSH"}),
    "SERVER": frozenset({"CLIENT"}),
    "CLIENT": frozenset({"SERVER"}),
    "RADIO": frozenset({"DISH"}),
    "DISH": frozenset({"RADIO"}),
    "GATHER": frozenset({"SCATTER"}),
    "SCATTER": frozenset({"GATHER"}),
    "DGRAM": frozenset({"DGRAM"}),
    "PEER": frozenset({"PEER"}),
    "CHANNEL": frozenset({"CHANNEL"}),
}

# Socket types whose READY carries an Identity property (even when empty),
# as libzmq's add_basic_properties does.
SENDS_IDENTITY = frozenset({"REQ", "DEALER", "ROUTER"})


def command_prefix(name: bytes) -> bytes:
    """The ``len(name) + name`` prefix of a command body."""
    if not 0 < len(name) < 256:
        raise UsageError(f"invalid command name {name!r}")
    return bytes((len(name),)) + name


READY_PREFIX = command_prefix(READY)
ERROR_PREFIX = command_prefix(ERROR)
SUBSCRIBE_PREFIX = command_prefix(SUBSCRIBE)
CANCEL_PREFIX = command_prefix(CANCEL)
PING_PREFIX = command_prefix(PING)
PONG_PREFIX = command_prefix(PONG)


def encode_command(name: bytes, data: bytes = b"") -> bytes:
    """Build a command body."""
    return command_prefix(name) + bytes(data)


def split_command(body: bytes) -> tuple[bytes, bytes]:
    """Split a command body into ``(name, data)``.

    An empty body or a name length running past the end is malformed
    (libzmq process_command_message: ``size < name_size + 1``).
    """
    if not body:
        raise ProtocolError("empty command frame")
    size = body[0]
    if len(body) < size + 1:
        raise ProtocolError("malformed command: name longer than frame")
    return bytes(body[1:size + 1]), bytes(body[size + 1:])


# -- metadata -------------------------------------------------------------

def _name_bytes(name: str | bytes) -> bytes:
    raw = name.encode("ascii", "replace") if isinstance(name, str) else bytes(name)
    if not 0 < len(raw) < 256 or not set(raw) <= _NAME_CHARS:
        raise UsageError(f"invalid metadata property name {name!r}")
    return raw


def encode_property(name: str | bytes, value: bytes) -> bytes:
    """One property: name length octet, name, 4-octet value length, value."""
    raw = _name_bytes(name)
    try:
        value = memoryview(value).tobytes()
    except TypeError:
        raise UsageError(f"metadata value for {name!r} must be bytes-like") from None
    if len(value) > MAX_VALUE_SIZE:
        raise UsageError(f"metadata value for {name!r} too long")
    return bytes((len(raw),)) + raw + len(value).to_bytes(4, "big") + value


def encode_metadata(properties: Iterable[tuple[str | bytes, bytes]]) -> bytes:
    return b"".join(encode_property(name, value) for name, value in properties)


def decode_metadata(data: bytes) -> list[tuple[str, bytes]]:
    """Parse a property list, in wire order (duplicates kept).

    Mirrors libzmq ``parse_metadata``: properties are read while more than
    one octet is left; anything left over (a lone octet, a truncated name,
    length or value) is a protocol error.  Unlike the RFC grammar libzmq
    accepts zero-length names and any name octets; so do we (names are
    decoded as Latin-1, which is lossless).
    """
    data = bytes(data)
    end = len(data)
    pos = 0
    props: list[tuple[str, bytes]] = []
    while end - pos > 1:
        name_end = pos + 1 + data[pos]
        if name_end + 4 > end:
            raise ProtocolError("malformed metadata: truncated property name")
        value_end = name_end + 4 + int.from_bytes(data[name_end:name_end + 4], "big")
        if value_end > end:
            raise ProtocolError("malformed metadata: truncated property value")
        props.append((data[pos + 1:name_end].decode("latin-1"), data[name_end + 4:value_end]))
        pos = value_end
    if pos != end:
        raise ProtocolError("malformed metadata: trailing octet")
    return props


def basic_properties(socket_type: str, identity: bytes,
                     extra: dict[str, bytes] | None = None) -> list[tuple[str, bytes]]:
    """The properties libzmq announces: Socket-Type, Identity for
    REQ/DEALER/ROUTER, then application metadata."""
    props = [(SOCKET_TYPE, socket_type.encode("ascii"))]
    if socket_type in SENDS_IDENTITY:
        props.append((IDENTITY, bytes(identity)))
    if extra:
        props.extend(extra.items())
    return props


def check_socket_type(ours: str, peers: bytes) -> None:
    """Refuse an incompatible peer Socket-Type (exact, case-sensitive
    comparison of the value, as libzmq does)."""
    allowed = COMPATIBLE_PEERS.get(ours, frozenset())
    try:
        peer = peers.decode("ascii")
    except UnicodeDecodeError:
        peer = None
    if peer not in allowed:
        raise ProtocolError(f"incompatible peer socket type {peers!r} for {ours}")


# -- individual commands --------------------------------------------------

def encode_ready(properties: Iterable[tuple[str | bytes, bytes]]) -> bytes:
    return READY_PREFIX + encode_metadata(properties)


def encode_error(reason: bytes) -> bytes:
    reason = bytes(reason)
    if len(reason) > 255:
        raise UsageError("ERROR reason longer than 255 octets")
    return ERROR_PREFIX + bytes((len(reason),)) + reason


def decode_error(data: bytes) -> bytes:
    """ERROR data: reason length octet then reason.  Like libzmq, trailing
    octets after the reason are tolerated; a missing or short reason is not."""
    if not data or data[0] > len(data) - 1:
        raise ProtocolError("malformed ERROR command")
    return bytes(data[1:1 + data[0]])


def encode_subscribe(topic: bytes) -> bytes:
    return SUBSCRIBE_PREFIX + bytes(topic)


def encode_cancel(topic: bytes) -> bytes:
    return CANCEL_PREFIX + bytes(topic)


def encode_ping(ttl: int, context: bytes = b"") -> bytes:
    if not 0 <= ttl <= 0xFFFF:
        raise UsageError("PING ttl must fit 16 bits (deciseconds)")
    if len(context) > PING_MAX_CONTEXT:
        raise UsageError("PING context longer than 16 octets")
    return PING_PREFIX + ttl.to_bytes(2, "big") + bytes(context)


def decode_ping(data: bytes) -> tuple[int, bytes]:
    """PING data: 2-octet TTL then context.  A context over 16 octets is
    truncated (libzmq echoes at most 16)."""
    if len(data) < 2:
        raise ProtocolError("malformed PING command: no TTL")
    return int.from_bytes(data[:2], "big"), bytes(data[2:2 + PING_MAX_CONTEXT])


def encode_pong(context: bytes) -> bytes:
    if len(context) > PING_MAX_CONTEXT:
        raise UsageError("PONG context longer than 16 octets")
    return PONG_PREFIX + bytes(context)
