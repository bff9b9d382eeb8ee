"""The security-mechanism interface (RFC 23 "Authentication and
Confidentiality"; libzmq mechanism.hpp).

A mechanism is a sans-I/O object driven by :class:`~purezmq.zmtp.Connection`.
Its life cycle:

1. ``start(context)`` once the peer's greeting has arrived and named the same
   mechanism.  Returns the command bodies to send first (NULL: READY; a CURVE
   client: HELLO; a server often nothing).
2. ``process_command(name, data)`` for every handshake command the peer sends
   (ERROR commands are intercepted by the connection and never reach the
   mechanism).  Returns command bodies to send in reply.  Raise
   :class:`~purezmq.zmtp.ProtocolError`, or :class:`MechanismFailure` to
   have ERROR command(s) queued before the connection dies.
3. ``resume()`` after some out-of-band step the mechanism was waiting for
   (a ZAP reply) completed; the engine triggers it through
   ``Connection.resume_handshake()``.
4. Once ``complete`` is true the handshake is over; ``peer_properties`` holds
   the metadata the peer announced (READY, INITIATE, ...) as ``(name,
   value)`` pairs in wire order.  Mechanisms should pass them to
   ``context.validate_properties`` as soon as they are parsed, so a bad
   Socket-Type is refused at the same point libzmq refuses it.
5. After the handshake, when ``transforms_frames`` is true (CURVE), every
   outgoing frame goes through ``encode(flags, body) -> (flags, body)`` and
   every incoming frame through ``decode(flags, body) -> (flags, body)``
   (or ``None`` to drop it), commands included.  NULL and PLAIN leave it
   false and the connection skips the calls entirely.
"""

from __future__ import annotations

from ..errors import ProtocolError

__all__ = ["Mechanism", "HandshakeContext", "MechanismFailure"]


class MechanismFailure(ProtocolError):
    """Handshake failure that must first send ``commands`` (e.g. ERROR)."""

    def __init__(self, reason: str, commands: list[bytes] | None = None) -> None:
        super().__init__(reason)
        self.commands = list(commands or ())


class HandshakeContext:
    """What the connection tells its mechanism at ``start``.

    * ``socket_type`` -- our socket type name, e.g. ``"DEALER"``.
    * ``properties`` -- our metadata as ``(name, value)`` pairs, ready for
      :func:`purezmq.zmtp.commands.encode_metadata`.
    * ``as_server`` -- our role as configured.
    * ``peer_greeting`` -- the peer's :class:`PeerGreeting` (libzmq 4.3.5
      always sends as-server 0, so do not rely on ``peer_greeting.as_server``).
    * ``validate_properties(props)`` -- raises ProtocolError for metadata the
      connection refuses (missing or incompatible Socket-Type).
    """

    __slots__ = ("socket_type", "properties", "as_server", "peer_greeting",
                 "validate_properties")

    def __init__(self, socket_type, properties, as_server, peer_greeting,
                 validate_properties) -> None:
        self.socket_type = socket_type
        self.properties = properties
        self.as_server = as_server
        self.peer_greeting = peer_greeting
        self.validate_properties = validate_properties


class Mechanism:
    """Base class for security mechanisms; see the module docstring."""

    #: Name sent in the greeting (ASCII, 1..20 octets).
    name: bytes = b""
    #: Whether the greeting's as-server octet reflects ``as_server``
    #: (RFC 23: must be zero for NULL).
    uses_roles: bool = True
    #: Whether frames must pass through encode/decode after the handshake.
    transforms_frames: bool = False

    def __init__(self) -> None:
        self.peer_properties: list[tuple[str, bytes]] = []

    @property
    def complete(self) -> bool:
        raise NotImplementedError

    def start(self, context: HandshakeContext) -> list[bytes]:
        raise NotImplementedError

    def process_command(self, name: bytes, data: bytes) -> list[bytes]:
        raise NotImplementedError

    def resume(self) -> list[bytes]:
        return []

    def encode(self, flags: int, body: bytes) -> tuple[int, bytes]:
        return flags, body

    def decode(self, flags: int, body: bytes) -> tuple[int, bytes] | None:
        return flags, body
