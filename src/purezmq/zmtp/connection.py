"""One ZMTP 3.x connection as a sans-I/O state machine (RFC 23 and RFC 37,
behaving on the wire like libzmq 4.3.5's zmtp_engine / stream_engine_base).

Bytes from the transport go in through :meth:`Connection.receive_data`,
which returns events and data messages in order; bytes to write come out of
:meth:`Connection.data_to_send`.  No sockets, threads, locks or clocks here:
timers (handshake timeout, heartbeats) belong to the engine driving this.

Stages: greeting (greeting.py) -> security handshake (mechanisms/) ->
traffic.  Data frames are refused before the handshake is over, both ways.
After it, commands are handled like libzmq does: SUBSCRIBE/CANCEL become
events, PING is answered with PONG automatically, unknown (and malformed)
commands are silently ignored.  An ERROR command is fatal at any time.
"""

from __future__ import annotations

from typing import Any, Callable

from . import commands as _cmd
from .commands import (
    CANCEL, COMPATIBLE_PEERS, ERROR, PING, PONG, SUBSCRIBE, SOCKET_TYPE,
    basic_properties, check_socket_type, decode_error, decode_ping,
    encode_metadata, split_command,
)
from .errors import ProtocolError, UsageError
from .events import Cancel, HandshakeComplete, PeerError, Ping, Pong, Subscribe, lookup_property
from .framing import COMMAND, LAST_HEADERS, MORE_HEADERS, FrameDecoder, frame_header
from .greeting import GreetingNegotiator, PeerGreeting
from .mechanisms.base import HandshakeContext, Mechanism, MechanismFailure
from .mechanisms.null import NullMechanism

__all__ = ["Connection"]

_LONG_LAST = b"\x02"
_LONG_MORE = b"\x03"
_SOCKET_TYPE_FOLDED = SOCKET_TYPE.lower()


def _bytes_like(frame):
    """Normalise a non-bytes frame so ``len`` counts octets."""
    try:
        view = memoryview(frame)
    except TypeError:
        raise UsageError(f"message frames must be bytes-like, not {type(frame).__name__}") from None
    if view.itemsize != 1 or not view.c_contiguous:
        return view.tobytes()
    return frame


class Connection:
    """A ZMTP 3.x connection (one peer, one transport stream).

    Construction queues our 10-octet signature.  ``receive_data`` returns,
    in wire order, events (events.py) and complete data messages (``list``
    of ``bytes``); ``data_to_send`` hands over queued output chunks.  Data
    can only be sent once ``handshake_done`` is true (else UsageError).
    After a ProtocolError or a PeerError event the connection is dead.
    Extras beyond the engine API: ``resume_handshake()`` for mechanisms
    waiting on ZAP, ``peer_property()``, ``peer_is_v30``, ``closed_reason``.
    """

    __slots__ = (
        "socket_type", "identity", "as_server", "mechanism", "check_peer_type",
        "handshake_done", "peer_version", "peer_metadata", "peer_socket_type",
        "_properties", "_greeting", "outgoing", "_decoder", "_dead",
        "_sub_as_data", "_encode", "_validated", "_security", "_zap",
    )

    def __init__(self, socket_type: str, *, identity: bytes = b"", as_server: bool = False,
                 mechanism: Mechanism | None = None,
                 metadata: dict[str, bytes] | None = None,
                 check_peer_type: bool = True, max_message_size: int = -1,
                 security: Any = None, zap: Any = None) -> None:
        socket_type = str(socket_type).upper()
        if socket_type not in COMPATIBLE_PEERS:
            raise UsageError(f"unknown socket type {socket_type!r}")
        identity = bytes(identity)
        if len(identity) > 255:
            raise UsageError("identity longer than 255 octets")
        if mechanism is None:
            mechanism = NullMechanism()
        self.socket_type = socket_type
        self.identity = identity
        self.as_server = bool(as_server)
        self.mechanism = mechanism
        self.check_peer_type = check_peer_type
        self.handshake_done = False
        self.peer_version: tuple[int, int] | None = None
        self.peer_metadata: dict[str, bytes] = {}
        self.peer_socket_type = ""
        self._properties = basic_properties(socket_type, identity, metadata)
        encode_metadata(self._properties)  # validate names/values now (UsageError)
        self._greeting: GreetingNegotiator | None = GreetingNegotiator(
            mechanism.name, self.as_server and mechanism.uses_roles, len(identity))
        # Bytes waiting to be written, in order (data_to_send() takes them);
        # public so a driver can test for pending output without a call.
        self.outgoing: list = [self._greeting.initial]
        self._decoder = FrameDecoder(self._on_command, self._on_special, max_message_size)
        self._dead: str | None = None
        self._sub_as_data = False
        self._encode: Callable[[int, bytes], tuple[int, bytes]] | None = None
        self._validated = False
        self._security = security  # SecurityOptions for the mechanism
        self._zap = zap  # (mechanism, credentials) -> bool: ask the ZAP handler

    # -- input ------------------------------------------------------------

    def receive_data(self, data) -> list:
        """Feed bytes from the transport; return events and messages in order.

        Raises ProtocolError (with ``.events`` holding what was decoded
        before the fault); the connection is dead afterwards.
        """
        if self._dead is not None:
            raise ProtocolError(self._dead)
        out: list = []
        try:
            greeting = self._greeting
            if greeting is not None:
                used = greeting.feed(data, self.outgoing)
                if greeting.peer is None:
                    return out
                self._greeting = None
                self._start_mechanism(greeting.peer, out)
                if used == len(data) or self._dead is not None:
                    return out
                data = memoryview(data)[used:]
            dec = self._decoder
            if type(data) is bytes and not (dec._need or dec._tail):
                dec._run(data, 0, out)  # nothing carried over: skip feed()
            else:
                dec.feed(data, out)
        except ProtocolError as exc:
            if self._dead is None:
                self._dead = exc.reason
            exc.events = out
            raise
        return out

    def _start_mechanism(self, peer: PeerGreeting, out: list) -> None:
        self.peer_version = peer.version
        self._sub_as_data = peer.is_v30
        context = HandshakeContext(self.socket_type, self._properties, self.as_server,
                                   peer, self._validate_properties, self._security,
                                   self._zap)
        self._mechanism_step(self.mechanism.start, (context,), out)

    def _mechanism_step(self, method, args, out: list) -> None:
        try:
            replies = method(*args)
        except MechanismFailure as exc:
            for body in exc.commands:
                self._queue_command(body)
            raise
        for body in replies:
            self._queue_command(body)
        if self.mechanism.complete and not self.handshake_done:
            self._finish_handshake(out)

    def _validate_properties(self, properties: list[tuple[str, bytes]]) -> None:
        if self.check_peer_type:
            types = [v for k, v in properties if k.lower() == _SOCKET_TYPE_FOLDED]
            if not types:
                raise ProtocolError("peer metadata has no Socket-Type property")
            for value in types:
                check_socket_type(self.socket_type, value)
        self._validated = True

    def _finish_handshake(self, out: list) -> None:
        mechanism = self.mechanism
        properties = mechanism.peer_properties
        if not self._validated:
            self._validate_properties(properties)
        metadata: dict[str, bytes] = {}
        for name, value in properties:
            metadata.setdefault(name, value)
        self.peer_metadata = metadata
        socket_type = lookup_property(metadata, SOCKET_TYPE)
        self.peer_socket_type = socket_type.decode("latin-1") if socket_type is not None else ""
        self.handshake_done = True
        if mechanism.transforms_frames:
            self._encode = mechanism.encode
        else:
            self._decoder.special = False
        out.append(HandshakeComplete(metadata, self.peer_version or (3, 0)))

    def _die(self, reason: str) -> None:
        self._dead = reason
        self._decoder.stopped = True

    def _on_special(self, flags: int, body: bytes, out: list):
        """Frames during the handshake, or all frames of a transforming mechanism."""
        if self.handshake_done:
            return self.mechanism.decode(flags, body)
        if not flags & COMMAND:
            raise ProtocolError("data frame before the handshake completed",
                                code=0x10000001)  # ZMQ_PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND
        if flags & 1:
            raise ProtocolError("command frame with the MORE flag set")
        quirk = self.mechanism.error_quirk
        if quirk and bytes(body[:len(quirk)]) == quirk:
            name, data = ERROR, bytes(body[len(quirk):])  # libzmq's PLAIN ERROR
        else:
            name, data = split_command(body)
        if name == ERROR:
            reason = decode_error(data)
            out.append(PeerError(reason))
            self._die(f"peer sent ERROR {reason!r}")
            return None
        self._mechanism_step(self.mechanism.process_command, (name, data), out)
        return None

    def _on_command(self, flags: int, body: bytes, out: list) -> None:
        """A command frame after the handshake (libzmq process_command_message)."""
        if flags & 1:
            raise ProtocolError("command frame with the MORE flag set")
        if not body or len(body) <= body[0]:
            return  # malformed: libzmq drops it
        size = body[0] + 1
        handler = _COMMAND_HANDLERS.get(body[1:size])
        if handler is not None:
            handler(self, body[size:], out)

    def _cmd_subscribe(self, data: bytes, out: list) -> None:
        out.append(Subscribe(data))

    def _cmd_cancel(self, data: bytes, out: list) -> None:
        out.append(Cancel(data))

    def _cmd_ping(self, data: bytes, out: list) -> None:
        ttl, context = decode_ping(data)
        self._queue_command(_cmd.encode_pong(context))
        out.append(Ping(ttl, context))

    def _cmd_pong(self, data: bytes, out: list) -> None:
        out.append(Pong(data))

    def _cmd_error(self, data: bytes, out: list) -> None:
        reason = decode_error(data)
        out.append(PeerError(reason))
        self._die(f"peer sent ERROR {reason!r}")

    def set_zap(self, zap: Any) -> None:
        """How the mechanism asks a ZAP handler (see mechanisms/base.py)."""
        self._zap = zap

    def resume_handshake(self) -> list:
        """Let the mechanism continue after an out-of-band step (e.g. ZAP)."""
        if self._dead is not None:
            raise ProtocolError(self._dead)
        out: list = []
        if self._greeting is None and not self.handshake_done:
            try:
                self._mechanism_step(self.mechanism.resume, (), out)
            except ProtocolError as exc:
                self._dead = exc.reason
                exc.events = out
                raise
        return out

    # -- output -----------------------------------------------------------

    def data_to_send(self) -> list:
        """Chunks to write, in order; the internal queue is emptied."""
        out = self.outgoing
        if not out:
            return []
        self.outgoing = []
        return out

    def send_message(self, frames) -> None:
        """Queue a multipart message; payloads are referenced, not copied."""
        if not self.handshake_done:
            raise UsageError("cannot send messages before the handshake completed")
        if self._encode is not None:
            self._send_transformed(frames)
            return
        out = self.outgoing
        if len(frames) == 1:
            frame = frames[0]
            if type(frame) is not bytes:
                frame = _bytes_like(frame)
            size = len(frame)
            out.append(LAST_HEADERS[size] if size < 256
                       else _LONG_LAST + size.to_bytes(8, "big"))
            out.append(frame)
            return
        last = len(frames) - 1
        if last == 1:
            # Two frames (an envelope and a body, REQ/REP's usual shape).
            first, frame = frames
            if type(first) is not bytes:
                first = _bytes_like(first)
            if type(frame) is not bytes:
                frame = _bytes_like(frame)
            a, b = len(first), len(frame)
            out.append(MORE_HEADERS[a] if a < 256 else _LONG_MORE + a.to_bytes(8, "big"))
            out.append(first)
            out.append(LAST_HEADERS[b] if b < 256 else _LONG_LAST + b.to_bytes(8, "big"))
            out.append(frame)
            return
        if last < 0:
            raise UsageError("a message needs at least one frame")
        append = out.append
        for index, frame in enumerate(frames):
            if type(frame) is not bytes:
                frame = _bytes_like(frame)
            size = len(frame)
            if index < last:
                append(MORE_HEADERS[size] if size < 256
                       else _LONG_MORE + size.to_bytes(8, "big"))
            else:
                append(LAST_HEADERS[size] if size < 256
                       else _LONG_LAST + size.to_bytes(8, "big"))
            append(frame)

    def _send_transformed(self, frames) -> None:
        encode = self._encode
        assert encode is not None  # only once a transforming handshake is done
        last = len(frames) - 1
        if last < 0:
            raise UsageError("a message needs at least one frame")
        for index, frame in enumerate(frames):
            if type(frame) is not bytes:
                frame = bytes(_bytes_like(frame))
            flags, body = encode(1 if index < last else 0, frame)
            self.outgoing.append(frame_header(flags, len(body)))
            self.outgoing.append(body)

    def _queue_command(self, body: bytes) -> None:
        flags = COMMAND
        if self._encode is not None:
            flags, body = self._encode(COMMAND, body)
        self.outgoing.append(frame_header(flags, len(body)))
        self.outgoing.append(body)

    def _require_traffic(self, what: str) -> None:
        if not self.handshake_done:
            raise UsageError(f"cannot send {what} before the handshake completed")

    def send_subscribe(self, topic: bytes) -> None:
        """SUBSCRIBE command, or a ``\\x01topic`` data frame to a ZMTP 3.0 peer."""
        self._require_traffic("SUBSCRIBE")
        if self._sub_as_data:
            self.send_message([b"\x01" + bytes(topic)])
        else:
            self._queue_command(_cmd.encode_subscribe(topic))

    def send_cancel(self, topic: bytes) -> None:
        """CANCEL command, or a ``\\x00topic`` data frame to a ZMTP 3.0 peer."""
        self._require_traffic("CANCEL")
        if self._sub_as_data:
            self.send_message([b"\x00" + bytes(topic)])
        else:
            self._queue_command(_cmd.encode_cancel(topic))

    def send_ping(self, ttl: int, context: bytes = b"") -> None:
        """PING with ``ttl`` in deciseconds and up to 16 octets of context."""
        self._require_traffic("PING")
        self._queue_command(_cmd.encode_ping(ttl, context))

    def send_pong(self, context: bytes) -> None:
        self._require_traffic("PONG")
        self._queue_command(_cmd.encode_pong(context))

    def send_error(self, reason: bytes) -> None:
        """ERROR command; allowed once the greeting exchange is complete."""
        if self._greeting is not None:
            raise UsageError("cannot send ERROR before the greeting completed")
        self._queue_command(_cmd.encode_error(reason))

    # -- introspection ----------------------------------------------------

    def peer_property(self, name: str, default: bytes | None = None) -> bytes | None:
        """Case-insensitive lookup in the peer's metadata."""
        return lookup_property(self.peer_metadata, name, default)

    @property
    def peer_is_v30(self) -> bool:
        """True when the peer speaks ZMTP 3.0 (subscriptions as data frames)."""
        return self._sub_as_data

    @property
    def closed_reason(self) -> str | None:
        """Why the connection died (ProtocolError or peer ERROR), else None."""
        return self._dead

    def __repr__(self) -> str:
        state = ("dead" if self._dead is not None else "ready" if self.handshake_done
                 else "greeting" if self._greeting is not None else "handshake")
        return f"<Connection {self.socket_type} {state} peer={self.peer_version}>"


_COMMAND_HANDLERS = {
    SUBSCRIBE: Connection._cmd_subscribe,
    CANCEL: Connection._cmd_cancel,
    PING: Connection._cmd_ping,
    PONG: Connection._cmd_pong,
    ERROR: Connection._cmd_error,
}
