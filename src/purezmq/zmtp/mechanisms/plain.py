"""The PLAIN security mechanism (RFC 24 / ZMTP 3.0 "PLAIN"; libzmq
plain_client.cpp and plain_server.cpp).

Client: HELLO (username, password) -> WELCOME -> INITIATE (metadata) ->
READY (metadata).  Server: HELLO -> asks ZAP -> WELCOME, or ERROR with the
ZAP status code -> INITIATE -> READY.  As in libzmq 4.3, a PLAIN server
with no ZAP handler bound refuses every client (the connection closes
without an ERROR).  Credentials travel in clear text: PLAIN is for
trusted networks.

libzmq's PLAIN spells its ERROR command's name-with-length as the C string
"\x05ERROR", and C reads "\x05E" as one hex escape: on the wire the
prefix is the five octets "^RROR", and libzmq's PLAIN client recognises
only that form (a well-formed ERROR is an "unexpected command" to it).  So
the server sends libzmq's spelling, byte for byte, and the client accepts
both.
"""

from __future__ import annotations

from ..commands import (
    READY, decode_metadata, encode_command, encode_metadata, encode_ready,
)
from ..errors import ProtocolError
from .base import HandshakeContext, Mechanism, MechanismFailure

__all__ = ["PlainClientMechanism", "PlainServerMechanism"]

HELLO = b"HELLO"
WELCOME = b"WELCOME"
INITIATE = b"INITIATE"

# libzmq's ZMQ_PROTOCOL_ERROR_ZMTP_* values for the monitor
UNEXPECTED_COMMAND = 0x10000001
MALFORMED_HELLO = 0x10000013
MALFORMED_WELCOME = 0x10000017
INVALID_METADATA = 0x10000018
_EFAULT = 14


def _metadata(data: bytes) -> list:
    try:
        return decode_metadata(data)
    except ProtocolError as e:
        raise ProtocolError(str(e), code=INVALID_METADATA) from None


LIBZMQ_ERROR = b"\x5eRROR"  # see the module docstring


def libzmq_error(reason: bytes) -> bytes:
    return LIBZMQ_ERROR + bytes((len(reason),)) + reason


class PlainClientMechanism(Mechanism):
    name = b"PLAIN"
    error_quirk = LIBZMQ_ERROR

    def __init__(self) -> None:
        super().__init__()
        self._context: HandshakeContext | None = None
        self._state = "start"

    @property
    def complete(self) -> bool:
        return self._state == "ready"

    def start(self, context: HandshakeContext) -> list[bytes]:
        self._context = context
        sec = context.security
        user, password = bytes(sec.plain_username), bytes(sec.plain_password)
        self._state = "waiting for WELCOME"
        body = bytes((len(user),)) + user + bytes((len(password),)) + password
        return [encode_command(HELLO, body)]

    def process_command(self, name: bytes, data: bytes) -> list[bytes]:
        assert self._context is not None
        if name == WELCOME and self._state == "waiting for WELCOME":
            if data:
                raise ProtocolError("malformed WELCOME", code=MALFORMED_WELCOME)
            self._state = "waiting for READY"
            return [encode_command(INITIATE, encode_metadata(self._context.properties))]
        if name == READY and self._state == "waiting for READY":
            properties = _metadata(data)
            self._context.validate_properties(properties)
            self.peer_properties = properties
            self._state = "ready"
            return []
        raise ProtocolError(f"unexpected {name!r} in PLAIN handshake", code=UNEXPECTED_COMMAND)


class PlainServerMechanism(Mechanism):
    name = b"PLAIN"
    error_quirk = LIBZMQ_ERROR

    def __init__(self) -> None:
        super().__init__()
        self._context: HandshakeContext | None = None
        self._state = "waiting for HELLO"

    @property
    def complete(self) -> bool:
        return self._state == "ready"

    def start(self, context: HandshakeContext) -> list[bytes]:
        self._context = context
        return []  # the client speaks first

    def process_command(self, name: bytes, data: bytes) -> list[bytes]:
        assert self._context is not None
        if name == HELLO and self._state == "waiting for HELLO":
            return self._hello(data)
        if name == INITIATE and self._state == "waiting for INITIATE":
            properties = _metadata(data)
            self._context.validate_properties(properties)
            self.peer_properties = properties
            self._state = "ready"
            return [encode_ready(self._context.properties)]
        raise ProtocolError(f"unexpected {name!r} in PLAIN handshake", code=UNEXPECTED_COMMAND)

    def _hello(self, data: bytes) -> list[bytes]:
        # username-length, username, password-length, password: exactly.
        if not data or len(data) < 1 + data[0] + 1:
            raise ProtocolError("malformed HELLO", code=MALFORMED_HELLO)
        n = data[0]
        user = data[1:1 + n]
        password = data[2 + n:]
        if len(password) != data[1 + n]:
            raise ProtocolError("malformed HELLO", code=MALFORMED_HELLO)
        assert self._context is not None
        if not self._context.zap(b"PLAIN", [bytes(user), bytes(password)]):
            # libzmq: no ZAP handler means no way to check: refuse, no ERROR.
            raise ProtocolError("PLAIN server without a ZAP handler", no_detail=_EFAULT)
        self._state = "waiting for ZAP"
        return []

    def resume(self) -> list[bytes]:
        reply = self.zap_reply
        if self._state != "waiting for ZAP" or reply is None:
            return []
        self.user_id = reply.user_id
        self.zap_properties = list(reply.properties)
        if reply.status_code != b"200":
            self._state = "error"
            if reply.status_code == b"300":
                return []  # libzmq: a temporary failure stalls (no ERROR, no close)
            raise MechanismFailure(f"ZAP refused the client ({reply.status_code.decode()})",
                                   [libzmq_error(reply.status_code)],
                                   auth_status=int(reply.status_code))
        self._state = "waiting for INITIATE"
        return [encode_command(WELCOME)]
