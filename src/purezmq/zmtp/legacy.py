"""ZMTP 1.0 (RFC 13) and 2.0 (RFC 15) peers, served as libzmq 4 serves them.

The greeting negotiator recognises such a peer from its first octets and
raises LegacyPeerDetected; the engine then replaces its Connection with a
LegacyCodec built by `take_over`, which speaks the old framing from where
the greeting left off.  What libzmq 4.3 does (zmtp_engine.cpp), and so do
we:

* Unversioned ZMTP 1.0 (the peer's first octet is not 0xFF, or its 10th
  has the low bit clear): our 10-octet signature already was the header of
  our identity message (0xFF, a 64-bit length of identity + 1, flags 0x7F),
  so only the identity octets follow; everything the peer sent is ZMTP 1.0
  frames, starting with its identity.  A PUB or XPUB gets a phantom "all"
  subscription: such peers filter on their side.
* Versioned 1.0 (revision 0) and 2.0 (revision 1): both sides complete a
  12-octet greeting (signature, revision, socket type); we send our
  socket type as libzmq does, then an identity message in the peer's
  framing, and expect the peer's identity message first.
* No security mechanism and no ZAP: libzmq refuses old peers when either
  is configured, so `take_over` raises ProtocolError then.  No socket-type
  check, no heartbeats, subscriptions travel as data messages.

ZMTP 1.0 frame: length (1 octet, or 0xFF and 8 octets) counting the flags
octet and the body, flags (bit 0: more), body.  ZMTP 2.0 frame: flags
(bit 0: more, bit 1: long), length (1 or 8 octets), body.
"""

from __future__ import annotations

from typing import Any

from .errors import ProtocolError, UsageError
from .events import HandshakeComplete, Subscribe
from .greeting import LegacyPeerDetected
from .mechanisms.null import NullMechanism

__all__ = ["LegacyCodec", "take_over", "SOCKET_TYPE_NUMBERS"]

# libzmq's socket type numbers, which ZMTP 2.0 greetings carry.
SOCKET_TYPE_NUMBERS = {"PAIR": 0, "PUB": 1, "SUB": 2, "REQ": 3, "REP": 4, "DEALER": 5,
                       "ROUTER": 6, "PULL": 7, "PUSH": 8, "XPUB": 9, "XSUB": 10, "STREAM": 11}
_NAMES = {v: k for k, v in SOCKET_TYPE_NUMBERS.items()}
_GREETING_V2 = 12  # signature, revision, socket type


def take_over(conn: Any, detected: LegacyPeerDetected) -> "LegacyCodec":
    """A LegacyCodec continuing `conn`'s connection with an old peer."""
    security = conn._security
    if not isinstance(conn.mechanism, NullMechanism) or (
            security is not None and security.zap_domain):
        raise ProtocolError("ZMTP %d.%d peer refused: security is configured"
                            % detected.version)
    return LegacyCodec(conn.socket_type, conn.identity, detected, list(conn.outgoing),
                       conn._decoder.limit)


class LegacyCodec:
    """The Connection interface the engine uses, for ZMTP 1.0/2.0 peers."""

    legacy = True  # a close before the identity is a lost peer, not a refusal
    # No security mechanism runs (libzmq's engine has none for these peers):
    # no heartbeats, no HANDSHAKE_SUCCEEDED, and a lost connection is
    # reported as HANDSHAKE_FAILED_NO_DETAIL, all as libzmq.
    has_mechanism = False

    def __init__(self, socket_type: str, identity: bytes, detected: LegacyPeerDetected,
                 pending: list, max_message_size: int = -1) -> None:
        self.socket_type = socket_type
        self.identity = identity
        self.mechanism = NullMechanism()
        self.handshake_done = False
        self.peer_version = detected.version
        self.peer_metadata: dict = {}
        self.peer_socket_type = ""
        self.outgoing: list = pending  # whatever the greeting still had queued
        self._v1 = detected.version == (1, 0)
        self._unversioned = detected.unversioned
        self._max = max_message_size
        self._buf = bytearray()
        self._frames: list = []
        self._dead: str | None = None
        self._greeting_left = 0 if detected.unversioned else _GREETING_V2
        if detected.unversioned:
            # Our signature was the header of our identity message.
            self.outgoing.append(bytes(identity))
        else:
            self.outgoing.append(bytes((SOCKET_TYPE_NUMBERS.get(socket_type, 0),)))
            self._encode([bytes(identity)])
        self._pending_input: bytes | None = detected.received

    # -- input ---------------------------------------------------------------
    def receive_data(self, data: Any) -> list:
        if self._dead is not None:
            raise ProtocolError(self._dead)
        out: list = []
        if self._pending_input is not None:
            data = self._pending_input + bytes(data)
            self._pending_input = None
        buf = self._buf
        buf += data
        try:
            if self._greeting_left:
                if len(buf) < self._greeting_left:
                    return out
                self.peer_socket_type = _NAMES.get(buf[_GREETING_V2 - 1], "")
                del buf[:self._greeting_left]
                self._greeting_left = 0
            self._decode(out)
        except ProtocolError as exc:
            self._dead = exc.reason
            exc.events = out
            raise
        return out

    def _decode(self, out: list) -> None:
        buf = self._buf
        pos = 0
        n = len(buf)
        while True:
            if self._v1:
                if pos >= n:
                    break
                size = buf[pos]
                head = 1
                if size == 0xFF:
                    if n - pos < 9:
                        break
                    size = int.from_bytes(buf[pos + 1:pos + 9], "big")
                    head = 9
                if size == 0:
                    raise ProtocolError("ZMTP 1.0 frame of length 0")
                if n - pos < head + 1:
                    break
                flags = buf[pos + head]
                body_size = size - 1
                start = pos + head + 1
            else:
                if n - pos < 2:
                    break
                flags = buf[pos]
                if flags & 0x02:
                    if n - pos < 9:
                        break
                    body_size = int.from_bytes(buf[pos + 1:pos + 9], "big")
                    start = pos + 9
                else:
                    body_size = buf[pos + 1]
                    start = pos + 2
            if 0 <= self._max < body_size or body_size > 1 << 40:
                raise ProtocolError("frame larger than MAXMSGSIZE")
            if n - start < body_size:
                break
            self._frames.append(bytes(buf[start:start + body_size]))
            pos = start + body_size
            if not flags & 0x01:
                msg, self._frames = self._frames, []
                self._message(msg, out)
        del buf[:pos]

    def _message(self, msg: list, out: list) -> None:
        if self.handshake_done:
            out.append(msg)
            return
        # The peer's identity message comes first.
        identity = msg[0] if msg else b""
        metadata = {"Identity": identity} if identity else {}
        if self.peer_socket_type:
            metadata["Socket-Type"] = self.peer_socket_type.encode()
        self.peer_metadata = metadata
        self.handshake_done = True
        out.append(HandshakeComplete(metadata, self.peer_version))
        if self._unversioned and self.socket_type in ("PUB", "XPUB"):
            out.append(Subscribe(b""))  # libzmq's phantom subscription

    # -- output --------------------------------------------------------------
    def _encode(self, frames: list) -> None:
        out = self.outgoing
        last = len(frames) - 1
        for i, frame in enumerate(frames):
            more = 1 if i < last else 0
            size = len(frame)
            if self._v1:
                total = size + 1
                head = bytes((total,)) if total < 0xFF else b"\xff" + total.to_bytes(8, "big")
                out.append(head + bytes((more,)))
            elif size < 256:
                out.append(bytes((more, size)))
            else:
                out.append(bytes((more | 0x02,)) + size.to_bytes(8, "big"))
            out.append(frame)

    def send_message(self, frames: Any) -> None:
        if not self.handshake_done:
            raise UsageError("cannot send messages before the handshake completed")
        self._encode([f if f.__class__ is bytes else bytes(f) for f in frames])

    def send_subscribe(self, topic: bytes) -> None:
        self.send_message([b"\x01" + bytes(topic)])

    def send_cancel(self, topic: bytes) -> None:
        self.send_message([b"\x00" + bytes(topic)])

    def send_ping(self, ttl: int, context: bytes = b"") -> None:
        pass  # ZMTP 1.0/2.0 have no heartbeats

    def data_to_send(self) -> list:
        out = self.outgoing
        self.outgoing = []
        return out

    def set_zap(self, zap: Any) -> None:
        pass

    def resume_handshake(self) -> list:
        return []

    @property
    def peer_is_v30(self) -> bool:
        return False
