"""The NULL security mechanism (RFC 23/37 "The NULL Security Mechanism";
libzmq null_mechanism.cpp, without ZAP).

Both peers send READY carrying their metadata as soon as the greeting is
done -- libzmq does not make the server wait for the client's READY as RFC
37 describes -- and the handshake is complete once the peer's READY has
been received.  Any other command before that is a protocol error.
"""

from __future__ import annotations

from ..commands import READY, decode_metadata, encode_ready
from ..errors import ProtocolError
from .base import HandshakeContext, Mechanism

__all__ = ["NullMechanism"]


class NullMechanism(Mechanism):
    name = b"NULL"
    uses_roles = False

    def __init__(self) -> None:
        super().__init__()
        self._context: HandshakeContext | None = None
        self._ready_sent = False
        self._ready_received = False

    @property
    def complete(self) -> bool:
        return self._ready_sent and self._ready_received

    def start(self, context: HandshakeContext) -> list[bytes]:
        self._context = context
        self._ready_sent = True
        return [encode_ready(context.properties)]

    def process_command(self, name: bytes, data: bytes) -> list[bytes]:
        if self._ready_received or name != READY:
            raise ProtocolError(f"unexpected command {name!r} in NULL handshake")
        properties = decode_metadata(data)
        assert self._context is not None
        self._context.validate_properties(properties)
        self.peer_properties = properties
        self._ready_received = True
        return []
