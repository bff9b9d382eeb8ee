"""The NULL security mechanism (RFC 23/37 "The NULL Security Mechanism";
libzmq null_mechanism.cpp).

Both peers send READY carrying their metadata as soon as the greeting is
done -- libzmq does not make the server wait for the client's READY as RFC
37 describes -- and the handshake is complete once the peer's READY has
been received.  Any other command before that is a protocol error.

With a ZAP_DOMAIN set, a peer first asks the ZAP handler (libzmq does so
on either side) and sends READY only on a 200; on 400/500 it sends ERROR
with the status code, on 300 nothing (the handshake then times out).  No
handler bound means no check, unless ZAP_ENFORCE_DOMAIN is on.
"""

from __future__ import annotations

from ..commands import READY, decode_metadata, encode_error, encode_ready
from ..errors import ProtocolError
from .base import HandshakeContext, Mechanism, MechanismFailure

__all__ = ["NullMechanism"]

_EFAULT = 14
_UNEXPECTED_COMMAND = 0x10000001


class NullMechanism(Mechanism):
    name = b"NULL"
    uses_roles = False

    def __init__(self) -> None:
        super().__init__()
        self._context: HandshakeContext | None = None
        self._ready_sent = False
        self._ready_received = False
        self._waiting_for_zap = False

    @property
    def complete(self) -> bool:
        return self._ready_sent and self._ready_received

    def start(self, context: HandshakeContext) -> list[bytes]:
        self._context = context
        security = context.security
        if security.zap_domain:
            if context.zap(b"NULL", []):
                self._waiting_for_zap = True
                return []  # READY once the handler agrees
            if security.zap_enforce_domain:
                raise ProtocolError("ZAP domain set but no ZAP handler", no_detail=_EFAULT)
        self._ready_sent = True
        return [encode_ready(context.properties)]

    def process_command(self, name: bytes, data: bytes) -> list[bytes]:
        if self._ready_received or name != READY:
            raise ProtocolError(f"unexpected command {name!r} in NULL handshake",
                                code=_UNEXPECTED_COMMAND)
        properties = decode_metadata(data)
        assert self._context is not None
        self._context.validate_properties(properties)
        self.peer_properties = properties
        self._ready_received = True
        return []

    def resume(self) -> list[bytes]:
        reply = self.zap_reply
        if not self._waiting_for_zap or reply is None:
            return []
        self._waiting_for_zap = False
        self.user_id = reply.user_id
        self.zap_properties = list(reply.properties)
        status = reply.status_code
        if status == b"300":
            return []  # libzmq: neither READY nor ERROR; the handshake stalls
        if status != b"200":
            raise MechanismFailure(f"ZAP refused the peer ({status.decode()})",
                                   [encode_error(status)], auth_status=int(status))
        assert self._context is not None
        self._ready_sent = True
        return [encode_ready(self._context.properties)]
