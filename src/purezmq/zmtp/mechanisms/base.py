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
5. A server mechanism authenticates through ZAP (RFC 27) with
   ``context.zap(mechanism_name, credentials)``: it returns False when no
   ZAP handler is bound (libzmq's policy for that case is the mechanism's
   to apply), else True, and later the driver sets ``self.zap_reply`` (a
   :class:`ZapReply`) and calls ``resume()``.  A reply that is not valid
   RFC 27 never reaches the mechanism (the driver fails the connection).
   The mechanism stores the reply's user id in ``user_id`` and its
   metadata in ``zap_properties``; the socket shows them as message
   properties (``User-Id``...).
6. After the handshake, when ``transforms_frames`` is true (CURVE), every
   outgoing frame goes through ``encode(flags, body) -> (flags, body)`` and
   every incoming frame through ``decode(flags, body) -> (flags, body)``
   (or ``None`` to drop it), commands included.  NULL and PLAIN leave it
   false and the connection skips the calls entirely.
"""

from __future__ import annotations

from ..errors import ProtocolError

__all__ = ["Mechanism", "HandshakeContext", "MechanismFailure", "SecurityOptions", "ZapReply"]


class MechanismFailure(ProtocolError):
    """Handshake failure that must first send ``commands`` (e.g. ERROR)."""

    def __init__(self, reason: str, commands: list[bytes] | None = None, *,
                 code: int | None = None, auth_status: int | None = None) -> None:
        super().__init__(reason, code=code, auth_status=auth_status)
        self.commands = list(commands or ())


class ZapReply:
    """A ZAP handler's answer (RFC 27), already checked for form."""

    __slots__ = ("status_code", "status_text", "user_id", "properties")

    def __init__(self, status_code: bytes, status_text: bytes, user_id: bytes,
                 properties: list) -> None:
        self.status_code = status_code  # b"200", b"300", b"400" or b"500"
        self.status_text = status_text
        self.user_id = user_id
        self.properties = properties  # [(name, value)] from the metadata frame


class SecurityOptions:
    """The socket options a mechanism reads (libzmq options_t's share).

    Keys are 32 raw bytes (or None when unset); strings are bytes.
    """

    __slots__ = ("plain_username", "plain_password", "curve_publickey",
                 "curve_secretkey", "curve_serverkey", "zap_domain",
                 "zap_enforce_domain", "routing_id")

    def __init__(self, plain_username: bytes = b"", plain_password: bytes = b"",
                 curve_publickey: bytes | None = None, curve_secretkey: bytes | None = None,
                 curve_serverkey: bytes | None = None, zap_domain: bytes = b"",
                 zap_enforce_domain: bool = False, routing_id: bytes = b"") -> None:
        self.plain_username = plain_username
        self.plain_password = plain_password
        self.curve_publickey = curve_publickey
        self.curve_secretkey = curve_secretkey
        self.curve_serverkey = curve_serverkey
        self.zap_domain = zap_domain
        self.zap_enforce_domain = zap_enforce_domain
        self.routing_id = routing_id


def _no_zap(mechanism: bytes, credentials: list) -> bool:
    return False  # a codec used on its own has no ZAP handler


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
    * ``security`` -- a :class:`SecurityOptions`.
    * ``zap(mechanism, credentials) -> bool`` -- see the module docstring.
    """

    __slots__ = ("socket_type", "properties", "as_server", "peer_greeting",
                 "validate_properties", "security", "zap")

    def __init__(self, socket_type, properties, as_server, peer_greeting,
                 validate_properties, security=None, zap=None) -> None:
        self.socket_type = socket_type
        self.properties = properties
        self.as_server = as_server
        self.peer_greeting = peer_greeting
        self.validate_properties = validate_properties
        self.security = security if security is not None else SecurityOptions()
        self.zap = zap if zap is not None else _no_zap


class Mechanism:
    """Base class for security mechanisms; see the module docstring."""

    #: Name sent in the greeting (ASCII, 1..20 octets).
    name: bytes = b""
    #: Whether the greeting's as-server octet reflects ``as_server``
    #: (RFC 23: must be zero for NULL).
    uses_roles: bool = True
    #: Whether frames must pass through encode/decode after the handshake.
    transforms_frames: bool = False
    #: Another spelling of the ERROR command's name to accept (PLAIN: see
    #: plain.py), or empty.
    error_quirk: bytes = b""

    def __init__(self) -> None:
        self.peer_properties: list[tuple[str, bytes]] = []
        self.zap_reply: ZapReply | None = None
        self.user_id = b""
        self.zap_properties: list[tuple[str, bytes]] = []

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
