"""What every ZMTP engine does, whatever moves its bytes.

Owns the protocol side of one connection: feeding received bytes to the
codec, delivering whole messages into the session's pipe (and pausing at
its high-water mark), the handshake's completion, heartbeats (PING/PONG
with HEARTBEAT_IVL, _TIMEOUT and _TTL), and encoding what the pipe holds.
Subclasses own the byte transport: `StreamEngine` drives a non-blocking
OS socket from a reactor thread, `ProtocolEngine` is an asyncio Protocol.

A subclass provides `_write()` (flush `self._out`, True if all went out),
`_stop_reading()` / `_start_reading()`, and `_release()` (free the
transport and timers), and sets `lock` to what guards its state (a real
lock where two threads may drive it, a no-op one on an event loop).
"""

from __future__ import annotations

import errno
import socket as _socket
import struct
import time
from typing import Any, Callable

from ..constants import Event
from ..pipe import Subscription
from ..zmtp import ProtocolError
from ..zmtp.events import Cancel, HandshakeComplete, PeerError, Ping, Subscribe
from ..zmtp.greeting import LegacyPeerDetected
from ..zmtp.legacy import take_over as take_over_legacy
from .zap import ZapRequest
from .zap import build_request as build_zap_request


def has_mechanism(codec: Any) -> bool:
    """A ZMTP 3 codec runs a security mechanism; legacy and raw ones do not."""
    return getattr(codec, "has_mechanism", True)

# Encode at most this many messages before writing: bounds latency and memory.
_PULL_BATCH = 4096
# ... and at most about this many bytes of bulk frames (libzmq's encoder holds
# one message; a few hundred KiB keep big writes efficient).
_PULL_BYTES = 256 * 1024
_BULK_FRAME = 1024
_monotonic = time.monotonic


def _as_bytes(value: Any) -> bytes:
    return value.encode() if isinstance(value, str) else bytes(value or b"")


def peer_address_of(sock: Any) -> str:
    """The peer's address as libzmq reports it (ZAP, Peer-Address): the IP
    for tcp; "localhost:uid:gid:pid" (SO_PEERCRED) for ipc."""
    try:
        peer = sock.getpeername()
    except OSError:
        return ""
    if isinstance(peer, tuple):
        return peer[0]
    if sock.family != _socket.AF_UNIX:
        return ""
    address = "localhost"
    try:
        raw = sock.getsockopt(_socket.SOL_SOCKET, _socket.SO_PEERCRED, 12)
        pid, uid, gid = struct.unpack("3i", raw)
        address += f":{uid}:{gid}:{pid}"
    except (OSError, AttributeError):
        pass  # no SO_PEERCRED on this platform
    return address


def _peer_error(reason: bytes) -> ProtocolError:
    """libzmq reads an ERROR reason that is a ZAP status code (300, 400,
    500) as an authentication failure; anything else as a protocol one."""
    status = None
    if len(reason) == 3 and reason[1:] == b"00" and b"3"[0] <= reason[0] <= b"5"[0]:
        status = (reason[0] - 48) * 100
    return ProtocolError(f"peer sent ERROR {reason!r}", auth_status=status)


class NoLock:
    """For engines only one thread ever touches (an event loop's)."""

    __slots__ = ()

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: Any) -> None:
        return None

    def acquire(self, blocking: bool = True) -> bool:
        return True

    def release(self) -> None:
        return None


class EngineBase:
    """The transport-independent half of an engine (see module docstring)."""

    lock: Any = NoLock()
    # What each transport's subclass provides (see the module docstring).
    _write: Callable[[], bool]
    _release: Callable[[bool], None]  # graceful: see closing.py
    _stop_reading: Callable[[], None]
    _start_reading: Callable[[], None]

    def _init_base(self, io: Any, session: Any, codec: Any) -> None:
        self.io = io
        self.session = session
        self.codec = codec
        self.pipe: Any = None
        self.ready = False
        self.closed = False
        self._out: list = []
        self._pull_limit = _PULL_BATCH  # messages per read_batch (see _pull)
        self._write_blocked = False
        self._stash: tuple | None = None  # (events, index) waiting for pipe room
        self._read_paused = False
        self._hs_timer: Any = None
        self.check = session.socket.inbound_ok  # per-type inbound validation
        self._hb: tuple = (0, 0, 0)  # heartbeat ivl, timeout (s), ttl (ms)
        self._hb_timer: Any = None
        self._timeout_timer: Any = None
        self._ttl_timer: Any = None
        self._last_rx = 0.0  # when bytes last arrived: heartbeats read it
        self._ping_at = 0.0
        self.peer_address = ""
        self.fd = -1
        self._zap: Any = None  # a ZapRequest waiting for the ZAP handler
        self.failure: Any = None  # the ProtocolError that ended the handshake
        self.auth_reported = False  # a ZAP refusal already told the monitor
        self.lost_errno = errno.EPIPE  # what HANDSHAKE_FAILED_NO_DETAIL says
        if hasattr(codec, "set_zap"):
            codec.set_zap(self.ask_zap)

    # -- lifecycle ---------------------------------------------------------
    def start(self, handshake_ivl_ms: int, heartbeat_ms: tuple = (0, -1, 0)) -> None:
        """heartbeat_ms: HEARTBEAT_IVL, HEARTBEAT_TIMEOUT, HEARTBEAT_TTL."""
        ivl, timeout, ttl = heartbeat_ms
        if timeout < 0:
            timeout = ivl  # libzmq: the timeout defaults to the interval
        self._hb = (ivl / 1000.0, timeout / 1000.0, ttl)
        with self.lock:
            self._attach_transport()
            if handshake_ivl_ms > 0:
                self._hs_timer = self.io.call_later(handshake_ivl_ms / 1000.0,
                                                    self._handshake_timeout)
            self._queue_codec_output()
            self._write()
            if self.codec.handshake_done and not self.ready:  # raw: nothing to negotiate
                self._handshake_complete(HandshakeComplete({}, (0, 0)))

    def _attach_transport(self) -> None:
        """Start reading (a reactor registration, say)."""

    def close(self, graceful: bool = False) -> None:
        """End the connection; `graceful` when it ends cleanly (the session
        is done with it), so that what we sent still reaches the peer."""
        with self.lock:
            self._close(graceful)

    def _close(self, graceful: bool = False) -> None:
        if self.closed:
            return
        self.closed = True
        if self._zap is not None:
            self._zap.close()
            self._zap = None
        self._release(graceful)

    def _cancel_timers(self) -> None:
        for timer in (self._hs_timer, self._hb_timer, self._timeout_timer, self._ttl_timer):
            if timer is not None:
                timer.cancel()

    def _fail(self, reason: str, protocol: bool = False) -> None:
        if self.closed:
            return
        self._close()
        self.session.engine_error(self, reason, protocol)

    def _handshake_timeout(self) -> None:
        with self.lock:
            self._hs_timer = None
            if not self.ready:
                self.lost_errno = errno.ETIMEDOUT
                self._fail("handshake timed out")  # libzmq: a timeout, so redial

    def has_pending_output(self) -> bool:
        return bool(self._out)

    # -- input ---------------------------------------------------------------
    def _on_bytes(self, data: Any) -> None:
        """Bytes from the transport: decode, deliver, answer (handshake, PONG)."""
        self._last_rx = _monotonic()
        try:
            try:
                events = self.codec.receive_data(data)
            except LegacyPeerDetected as old_peer:
                # A ZMTP 1.0/2.0 peer: a codec for its framing takes over.
                self.codec = take_over_legacy(self.codec, old_peer)
                events = self.codec.receive_data(b"")
        except ProtocolError as e:
            # What arrived whole before the fault is delivered, as libzmq does.
            good = getattr(e, "events", None)
            if good and self.ready:
                self._deliver(good)
            self._protocol_failure(e)
            return
        if events:
            self._deliver(events)
        if self.codec.outgoing and not self.closed:  # handshake, PONG
            self._queue_codec_output()
            if not self._write_blocked:
                self._write()

    # -- ZAP (a server mechanism authenticating its peer) -------------------
    def ask_zap(self, mechanism: bytes, credentials: list) -> bool:
        """The codec's mechanism asks the ZAP handler; False if none is bound."""
        opts = self.session.options
        request = build_zap_request(_as_bytes(opts.zap_domain),
                                    self.peer_address.encode(), bytes(opts.routing_id),
                                    mechanism, credentials)
        self._zap = ZapRequest.send(self, self.session.socket.ctx.inproc, request)
        return self._zap is not None

    def zap_answered(self, reply: Any) -> None:
        with self.lock:
            self._zap = None
            if self.closed:
                return
            self.codec.mechanism.zap_reply = reply
            if reply.status_code != b"200":
                # libzmq reports the verdict when it arrives, whatever follows.
                self.auth_reported = True
                self.session.monitor_event(Event.HANDSHAKE_FAILED_AUTH,
                                           int(reply.status_code))
            try:
                events = self.codec.resume_handshake()
            except ProtocolError as e:
                self._protocol_failure(e)
                return
            if events:
                self._deliver(events)
            if self.codec.outgoing and not self.closed:
                self._queue_codec_output()
                if not self._write_blocked:
                    self._write()

    def zap_failed(self, error: ProtocolError) -> None:
        with self.lock:
            self._zap = None
            self.failure = error
            self._fail(f"ZAP: {error}", protocol=True)

    def _protocol_failure(self, e: ProtocolError) -> None:
        """The peer broke the protocol (or failed authentication): close,
        after sending any ERROR command the codec queued."""
        self._queue_codec_output()
        self._write()
        self.failure = e  # the session reports its code to monitors
        self._fail(f"protocol error: {e}", protocol=True)

    def _deliver(self, events: list, i: int = 0) -> None:
        pipe = self.pipe
        n = len(events)
        if n == 1 and not i:
            msg = events[0]
            if msg.__class__ is list and (self.check is None or self.check(msg)):
                # The request-reply case: one message per read.
                if not pipe.write(msg):
                    self._pause_reading(events, 0)
                return
        while i < n:
            ev = events[i]
            if ev.__class__ is list:
                # A run of data messages goes into the pipe in one step; look
                # no further ahead than the pipe has room for.
                ch = pipe.outbox
                limit = i + max(1, ch.hwm - len(ch.dq))
                if limit > n:
                    limit = n
                j = i + 1
                while j < limit and events[j].__class__ is list:
                    j += 1
                check = self.check
                if check is not None:
                    for m in range(i, j):
                        if not check(events[m]):
                            pipe.write_many(events, i, m)
                            self._fail("malformed message for this socket type", protocol=True)
                            return
                k = pipe.write_many(events, i, j)
                if k < j:
                    self._pause_reading(events, k)
                    return
                i = j
                continue
            if ev.__class__ is HandshakeComplete:
                self._handshake_complete(ev)
                if self.closed:
                    return
                pipe = self.pipe
            elif ev.__class__ is Subscribe or ev.__class__ is Cancel:
                msg = [(b"\x01" if ev.__class__ is Subscribe else b"\x00") + ev.topic]
                if not pipe.write(msg):
                    events[i] = msg  # retried as data when the pipe has room
                    self._pause_reading(events, i)
                    return
            elif ev.__class__ is Ping:
                # The codec answered it; a TTL means "drop me if I go quiet".
                if ev.ttl > 0:
                    self.io.post(self._arm_ttl, ev.ttl / 10.0)
            elif ev.__class__ is PeerError:
                self.failure = _peer_error(ev.reason)
                self._fail(f"peer sent ERROR: {ev.reason!r}", protocol=True)
                return
            # Ping is answered inside the codec; Pong needs nothing yet.
            i += 1

    def _pause_reading(self, events: list, index: int) -> None:
        """The pipe is at its HWM: hold what we decoded and stop reading."""
        self._stash = (events, index)
        self._read_paused = True
        self._stop_reading()

    def in_ready(self) -> None:
        """The pipe has room again (session relays the pipe's wake-up)."""
        with self.lock:
            if self.closed or self._stash is None:
                return
            (events, index), self._stash = self._stash, None
            self._read_paused = False
            self._deliver(events, index)
            if not self._read_paused and not self.closed:
                self._start_reading()

    def _handshake_complete(self, ev: HandshakeComplete) -> None:
        if self._hs_timer is not None:
            self._hs_timer.cancel()
            self._hs_timer = None
        self.ready = True
        self.pipe = self.session.engine_ready(self, ev.peer_metadata)
        if self.pipe is None:
            self._fail("session refused the connection")
            return
        self._pull()
        # Heartbeats start when a mechanism's handshake ends (libzmq's
        # mechanism_ready): ZMTP 1.0/2.0 and raw connections have none.
        if self._hb[0] > 0 and has_mechanism(self.codec):
            self._hb_timer = self.io.call_later(self._hb[0], self._send_ping)

    # -- heartbeats (ZMTP 3.1 PING/PONG; timers run on the I/O thread) -------
    def _send_ping(self) -> None:
        with self.lock:
            self._hb_timer = None
            if self.closed:
                return
            ivl, timeout, ttl_ms = self._hb
            self.codec.send_ping(ttl_ms // 100)
            self._queue_codec_output()
            if not self._write_blocked:
                self._write()
            now = _monotonic()
            if timeout > 0 and self._timeout_timer is None:
                self._ping_at = now
                self._timeout_timer = self.io.call_later(timeout, self._check_timeout)
            self._hb_timer = self.io.call_later(ivl, self._send_ping)

    def _check_timeout(self) -> None:
        with self.lock:
            self._timeout_timer = None
            if self.closed or self._last_rx > self._ping_at:
                return  # the peer spoke since our PING: alive
            self._fail("heartbeat timed out")

    def _arm_ttl(self, ttl: float) -> None:
        if self._ttl_timer is None and not self.closed:
            self._ttl_timer = self.io.call_later(ttl, lambda: self._check_ttl(_monotonic() - ttl))

    def _check_ttl(self, armed_at: float) -> None:
        with self.lock:
            self._ttl_timer = None
            if self.closed or self._last_rx > armed_at:
                return
            self._fail("peer's heartbeat TTL expired")

    # -- output --------------------------------------------------------------
    def out_ready(self) -> None:
        """The pipe has messages for us (session relays the pipe's wake-up)."""
        with self.lock:
            if not (self.ready and not self.closed and not self._write_blocked):
                return
            self._pull()
        # Outside the lock: a lingering session may close us from here.
        self.session.engine_flushed(self)

    def _pull(self) -> None:
        """Encode what the pipe holds and write it, batch after batch.

        Taking a whole batch per GIL hold matters: every write releases the
        GIL, and the application thread may keep it for a switch interval.
        """
        pipe = self.pipe
        inbox = pipe.inbox
        codec = self.codec
        send = codec.send_message
        while not self.closed:
            # Stop only once the pipe is drained and its wake-up armed
            # (read_batch arms it when it empties the queue).
            batch = pipe.read_batch(self._pull_limit)
            if not batch:
                break
            # Bulk bytes beyond the budget stay in the pipe: what the engine
            # holds escapes SNDHWM, and a PING would queue behind it.
            taken = 0
            for i, msg in enumerate(batch):
                if msg.__class__ is list:
                    send(msg)
                    size = len(msg[-1])
                    if size > _BULK_FRAME:
                        taken += size
                        if taken >= _PULL_BYTES and i + 1 < len(batch):
                            for rest in reversed(batch[i + 1:]):
                                pipe.unread(rest)
                            inbox.rsleep = False  # not drained: we come back
                            self._pull_limit = i + 1
                            break
                elif msg.__class__ is Subscription:
                    first = msg[0]
                    if first[:1] == b"\x01":
                        codec.send_subscribe(first[1:])
                    else:
                        codec.send_cancel(first[1:])
                else:
                    send(list(msg))
            else:
                if self._pull_limit < _PULL_BATCH:
                    self._pull_limit = min(_PULL_BATCH, self._pull_limit * 2)
            chunks = codec.data_to_send()
            if self._out:
                self._out.extend(chunks)
            else:
                self._out = chunks
            if not self._write() or inbox.rsleep:
                break

    def _queue_codec_output(self) -> None:
        chunks = self.codec.data_to_send()
        if chunks:
            if self._out:
                self._out.extend(chunks)
            else:
                self._out = chunks

