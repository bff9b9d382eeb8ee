"""The ZMTP greeting: encoding and the staged, libzmq-style exchange.

Follows RFC 23/37 section "Version Negotiation" and "Backwards
Interoperability" with the detection strategy libzmq 4.3.5 uses
(zmtp_engine.cpp ``receive_greeting``):

1. On connect we send only the 10-octet signature: ``0xFF``, the 64-bit
   big-endian value ``len(identity) + 1`` in the padding (a ZMTP 1.0 peer
   reads it as the length of an identity frame), ``0x7F``.
2. Peer's first octet is not ``0xFF``, or the low bit of its 10th octet is
   clear: it is an unversioned ZMTP 1.0 peer.
3. Once the peer's whole signature arrived we send our major version (3).
4. Once the peer's major version ("revision") octet arrived: 0 is ZMTP 1.0
   with a revision, 1 is ZMTP 2.0; anything else is 3.x and we send the rest
   of our greeting (minor 1, mechanism, as-server, filler).  A revision of 2
   or >3 is treated like 3.x, minor 0 as 3.0, any other minor as 3.1.
5. When the peer's 64 octets are complete the mechanism names must be
   identical (all 20 octets, NUL padding included) or the connection fails.

Legacy peers raise :class:`LegacyPeerDetected` (a :class:`ProtocolError`)
carrying what was read so far, so ZMTP 1.0/2.0 support can later be added by
catching it instead of failing.  We never wait for the peer's full greeting
before sending our own stages, so two peers of this kind cannot deadlock.
"""

from __future__ import annotations

from .errors import ProtocolError, UsageError

__all__ = [
    "SIGNATURE_SIZE",
    "GREETING_SIZE",
    "MECHANISM_SIZE",
    "LegacyPeerDetected",
    "PeerGreeting",
    "GreetingNegotiator",
    "encode_signature",
    "encode_greeting_rest",
    "encode_greeting",
    "pad_mechanism",
]

SIGNATURE_SIZE = 10
GREETING_SIZE = 64
MECHANISM_SIZE = 20
MAJOR_POS = 10
MINOR_POS = 11
MECHANISM_POS = 12
AS_SERVER_POS = 32
FILLER_SIZE = 31

VERSION_MAJOR = 3
VERSION_MINOR = 1
MAJOR_BYTES = bytes((VERSION_MAJOR,))

# What the peer's version octet (offset 10) means, as libzmq decodes it.
# Values missing from the table are ZMTP 3.x.
LEGACY_REVISIONS = {0: (1, 0), 1: (2, 0)}

_MECHANISM_CHARS = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.+")


class LegacyPeerDetected(ProtocolError):
    """The peer speaks ZMTP 1.0 or 2.0, which this codec does not support yet.

    ``version`` is ``(1, 0)`` or ``(2, 0)``; ``unversioned`` tells a ZMTP
    1.0 peer without revision octet; ``received`` holds the peer's greeting
    octets read so far, so a future legacy codec can resume from them.
    """

    def __init__(self, version: tuple[int, int], unversioned: bool, received: bytes) -> None:
        what = "unversioned ZMTP 1.0" if unversioned else "ZMTP %d.%d" % version
        super().__init__(f"{what} peer not supported yet")
        self.version = version
        self.unversioned = unversioned
        self.received = received


def pad_mechanism(name: bytes) -> bytes:
    """Return the 20-octet, NUL-padded mechanism field for ``name``."""
    if not 0 < len(name) <= MECHANISM_SIZE or not set(name) <= _MECHANISM_CHARS:
        raise UsageError(f"invalid mechanism name {name!r}")
    return name.ljust(MECHANISM_SIZE, b"\x00")


def encode_signature(identity_size: int = 0) -> bytes:
    """The 10-octet signature, padding carrying ``identity_size + 1``."""
    return b"\xff" + (identity_size + 1).to_bytes(8, "big") + b"\x7f"


def encode_greeting_rest(mechanism: bytes, as_server: bool, minor: int = VERSION_MINOR) -> bytes:
    """Octets 11..63: minor version, mechanism, as-server, filler."""
    return (bytes((minor,)) + pad_mechanism(mechanism)
            + (b"\x01" if as_server else b"\x00") + bytes(FILLER_SIZE))


def encode_greeting(mechanism: bytes = b"NULL", as_server: bool = False,
                    identity_size: int = 0, minor: int = VERSION_MINOR) -> bytes:
    """A complete 64-octet greeting (what a peer sends in one go)."""
    return encode_signature(identity_size) + MAJOR_BYTES + encode_greeting_rest(
        mechanism, as_server, minor)


class PeerGreeting:
    """The parsed 64-octet greeting of a ZMTP 3.x peer."""

    __slots__ = ("major", "minor", "mechanism", "as_server", "raw")

    def __init__(self, raw: bytes) -> None:
        self.raw = raw
        self.major = raw[MAJOR_POS]
        self.minor = raw[MINOR_POS]
        self.mechanism = raw[MECHANISM_POS:MECHANISM_POS + MECHANISM_SIZE].rstrip(b"\x00")
        # libzmq 4.3.5 always sends 0 here, so mechanisms must not rely on it.
        self.as_server = bool(raw[AS_SERVER_POS])

    @property
    def version(self) -> tuple[int, int]:
        """(major, minor) as sent; libzmq behaviour selects on it."""
        return (self.major, self.minor)

    @property
    def is_v30(self) -> bool:
        """True for a ZMTP 3.0 peer (subscriptions travel as data frames)."""
        return self.major == VERSION_MAJOR and self.minor == 0


class GreetingNegotiator:
    """Consumes the peer's greeting and emits our greeting stages.

    ``initial`` is our signature (sent at construction).  :meth:`feed` takes
    peer bytes, appends the stages now due to ``out`` and returns how many
    input octets belonged to the greeting; ``peer`` is set once complete.
    """

    __slots__ = ("initial", "peer", "_recv", "_field", "_as_server", "_stage")

    def __init__(self, mechanism: bytes, as_server: bool, identity_size: int = 0) -> None:
        self._field = pad_mechanism(mechanism)
        self._as_server = as_server
        self.initial = encode_signature(identity_size)
        self.peer: PeerGreeting | None = None
        self._recv = bytearray()
        self._stage = 0  # 0: signature sent, 1: major sent, 2: all sent

    def feed(self, data, out: list) -> int:
        if not data:
            return 0
        recv = self._recv
        want = GREETING_SIZE - len(recv)
        take = bytes(data[:want])
        recv += take
        have = len(recv)
        rest = bytes(data[len(take):])  # an old peer's frames may follow at once
        if recv[0] != 0xFF:
            raise LegacyPeerDetected((1, 0), True, bytes(recv) + rest)
        if have >= SIGNATURE_SIZE:
            if not recv[SIGNATURE_SIZE - 1] & 1:
                raise LegacyPeerDetected((1, 0), True, bytes(recv) + rest)
            if self._stage == 0:
                out.append(MAJOR_BYTES)
                self._stage = 1
            if have > MAJOR_POS:
                legacy = LEGACY_REVISIONS.get(recv[MAJOR_POS])
                if legacy is not None:
                    raise LegacyPeerDetected(legacy, False, bytes(recv) + rest)
                if self._stage == 1:
                    out.append(bytes((VERSION_MINOR,)) + self._field
                               + (b"\x01" if self._as_server else b"\x00")
                               + bytes(FILLER_SIZE))
                    self._stage = 2
        if have == GREETING_SIZE:
            field = bytes(recv[MECHANISM_POS:MECHANISM_POS + MECHANISM_SIZE])
            if field != self._field:
                raise ProtocolError(
                    f"security mechanism mismatch: peer {field.rstrip(bytes(1))!r}, "
                    f"ours {self._field.rstrip(bytes(1))!r}",
                    code=0x11000002)  # ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH
            self.peer = PeerGreeting(bytes(recv))
        return len(take)
