"""The stream engine: one ZMTP connection over one connected OS socket.

Owns the OS socket of an established connection and the sans-I/O codec
(`purezmq.zmtp.Connection`) that speaks over it.  It moves bytes: reads
everything the kernel has, feeds the codec, pushes whole messages into
the session's pipe; pulls messages from the pipe in batches, encodes them
and writes them with as few syscalls as it can.  It stops reading while
the inbound pipe is at its high-water mark (TCP pushes back on the peer)
and stops pulling while the kernel's send buffer is full.

Threads: the I/O thread drives it, and the session owns its lifetime (it
creates the engine, learns about the handshake through `engine_ready` and
about failures through `engine_error`, and asks it to close).  Two short
cuts let the application thread do the I/O itself, saving a thread hop
each way, which is most of a round trip's latency in Python:

* direct send: a message put into an idle pipe of an idle connection is
  encoded and written by the sending thread at once (`try_send_direct`);
* lent read: a thread about to block in recv on a socket with one peer
  borrows the connection (`lend`), waits on its fd itself and decodes what
  arrives (`read_lent`), then hands it back (`reclaim`).

The engine lock makes each path exclusive; session callbacks and
everything else that is not thread-safe happen on the I/O thread only
(failures seen on the application thread are posted there).  Timers come
from the reactor; the codec never sees a clock.
"""

from __future__ import annotations

import socket as _socket
import threading
import time
from typing import Any

from ..pipe import Subscription
from ..zmtp import Connection, ProtocolError  # noqa: F401 - Connection is the usual codec
from ..zmtp.events import Cancel, HandshakeComplete, PeerError, Ping, Subscribe

# Below glibc's mmap threshold: a bigger buffer costs an mmap/munmap pair per
# read (and TLB shootdowns across threads), which dominated small-message
# latency.
_RECV_SIZE = 64 * 1024
# Pull at most this many messages before writing: bounds latency and memory.
_PULL_BATCH = 4096
# Below this many queued bytes one join + send beats a scatter/gather write.
_JOIN_LIMIT = 64 * 1024
_IOV_MAX = 1024
# A sender writing more often than this is streaming: let the I/O thread
# batch its messages instead of paying a syscall per message.
_DIRECT_SPACING = 50e-6
_perf_counter = time.perf_counter
_monotonic = time.monotonic
# How long a borrowed connection may sit unwatched before the I/O thread
# takes it back (for heartbeats, disconnects, and peers nobody recv()s from).
_RECLAIM_TICK = 0.010


class StreamEngine:
    __slots__ = (
        "io", "sock", "fd", "session", "codec", "pipe", "ready", "closed",
        "_out", "_write_blocked", "_stash", "_read_paused", "_hs_timer",
        "peer_address", "lock", "_lent", "_last_direct", "_borrowing",
        "_borrow_seq", "_seen_seq", "_reclaim_timer", "check",
        "_hb", "_hb_timer", "_last_rx", "_ping_at", "_timeout_timer", "_ttl_timer",
    )

    def __init__(self, io: Any, sock: _socket.socket, session: Any, codec: Any) -> None:
        self.io = io
        self.sock = sock
        self.fd = sock.fileno()
        self.session = session
        self.codec = codec
        self.pipe: Any = None
        self.ready = False
        self.closed = False
        self._out: list = []
        self._write_blocked = False
        self._stash: tuple | None = None  # (events, index) waiting for pipe room
        self._read_paused = False
        self._hs_timer: Any = None
        self.lock = threading.Lock()
        self._lent = False  # an application thread is reading for us
        self._last_direct = 0.0
        self._borrowing = False  # a borrower is inside its wait right now
        self._borrow_seq = 0
        self._seen_seq = 0
        self._reclaim_timer: Any = None
        self.check = session.socket.inbound_ok  # per-type inbound validation
        self._hb: tuple = (0, 0, 0)  # heartbeat ivl, timeout, ttl in seconds
        self._hb_timer: Any = None
        self._timeout_timer: Any = None
        self._ttl_timer: Any = None
        self._last_rx = 0.0  # when bytes last arrived: heartbeats read it
        self._ping_at = 0.0
        try:
            peer = sock.getpeername()
            self.peer_address = peer[0] if isinstance(peer, tuple) else ""
        except OSError:
            self.peer_address = ""

    # -- lifecycle ---------------------------------------------------------
    def start(self, handshake_ivl_ms: int, heartbeat_ms: tuple = (0, -1, 0)) -> None:
        """heartbeat_ms: HEARTBEAT_IVL, HEARTBEAT_TIMEOUT, HEARTBEAT_TTL."""
        ivl, timeout, ttl = heartbeat_ms
        if timeout < 0:
            timeout = ivl  # libzmq: the timeout defaults to the interval
        self._hb = (ivl / 1000.0, timeout / 1000.0, ttl)
        with self.lock:
            self._start(handshake_ivl_ms)

    def _start(self, handshake_ivl_ms: int) -> None:
        self.io.add_handler(self.fd, self, read=True)
        if handshake_ivl_ms > 0:
            self._hs_timer = self.io.call_later(handshake_ivl_ms / 1000.0, self._handshake_timeout)
        self._queue_codec_output()
        self._write()
        if self.codec.handshake_done and not self.ready:  # raw: nothing to negotiate
            self._handshake_complete(HandshakeComplete({}, (0, 0)))

    def close(self) -> None:
        with self.lock:
            self._close()

    def _close(self) -> None:
        if self.closed:
            return
        self.closed = True
        self._release()

    def _release(self) -> None:
        """I/O thread: give back the fd, timers and the OS socket."""
        if self._hs_timer is not None:
            self._hs_timer.cancel()
        for timer in (self._reclaim_timer, self._hb_timer, self._timeout_timer, self._ttl_timer):
            if timer is not None:
                timer.cancel()
        self.io.remove_handler(self.fd)
        try:
            self.sock.close()
        except OSError:
            pass

    def _fail(self, reason: str, protocol: bool = False) -> None:
        if self.closed:
            return
        if not self.io.in_thread():
            # Seen by a borrowing application thread: stop every path now
            # (nothing more is read or written), and let the I/O thread,
            # which owns the session, tear down and report.
            self.closed = True
            self._lent = False
            self.io.post(self._fail_posted, reason, protocol)
            return
        self._close()
        self.session.engine_error(self, reason, protocol)

    def _fail_posted(self, reason: str, protocol: bool) -> None:
        with self.lock:
            self._release()
        self.session.engine_error(self, reason, protocol)

    def _refused(self) -> bool:
        """Closed after the greetings but before READY: the peer refused us.

        A libzmq peer rejecting our socket type may close before its own
        READY is out; that is a refusal, not a lost connection, and
        redialling would storm it (libzmq ends the session on refusals).
        """
        return not self.ready and getattr(self.codec, "peer_version", None) is not None

    def _handshake_timeout(self) -> None:
        with self.lock:
            self._hs_timer = None
            if not self.ready:
                self._fail("handshake timed out")  # libzmq: a timeout, so redial

    def has_pending_output(self) -> bool:
        return bool(self._out)

    # -- input ---------------------------------------------------------------
    def on_readable(self) -> None:
        with self.lock:
            if self.closed or self._read_paused or self._lent:
                return
            self._read()
        if self.session.terminating:  # the handshake may just have flushed
            self.session.engine_flushed(self)

    def _read(self) -> None:
        try:
            data = self.sock.recv(_RECV_SIZE)
        except (BlockingIOError, InterruptedError):
            return
        except OSError as e:
            self._fail(f"recv failed: {e}", protocol=self._refused())
            return
        if not data:
            self._fail("connection closed by peer", protocol=self._refused())
            return
        self._last_rx = _monotonic()
        try:
            events = self.codec.receive_data(data)
        except ProtocolError as e:
            # What arrived whole before the fault is delivered, as libzmq does.
            good = getattr(e, "events", None)
            if good and self.ready:
                self._deliver(good)
            self._queue_codec_output()  # an ERROR command, if the codec queued one
            self._write()
            self._fail(f"protocol error: {e}", protocol=True)
            return
        if events:
            self._deliver(events)
        if self.codec.outgoing and not self.closed:  # handshake, PONG
            self._queue_codec_output()
            if not self._write_blocked:
                self._write()

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
                self._fail(f"peer sent ERROR: {ev.reason!r}", protocol=True)
                return
            # Ping is answered inside the codec; Pong needs nothing yet.
            i += 1

    def _pause_reading(self, events: list, index: int) -> None:
        """The pipe is at its HWM: hold what we decoded and stop reading."""
        self._stash = (events, index)
        self._read_paused = True
        if not self._lent:
            self.io.set_readable_interest(self.fd, False)

    def in_ready(self) -> None:
        """The pipe has room again (session relays the pipe's wake-up)."""
        with self.lock:
            if self.closed or self._stash is None:
                return
            (events, index), self._stash = self._stash, None
            self._read_paused = False
            self._deliver(events, index)
            if not self._read_paused and not self.closed and not self._lent:
                self.io.set_readable_interest(self.fd, True)

    # -- the application thread borrowing the connection to read -------------
    # A borrower keeps the connection between its recv calls (a request-reply
    # loop would otherwise race the I/O thread for every reply); the I/O
    # thread takes it back once the borrower has been away for a tick.
    def lend(self) -> bool:
        """Let the calling thread read for us; False if it cannot now."""
        if self._lent and not self.closed and not self._read_paused:
            # Still ours from the last call: no lock needed.  Should the I/O
            # thread take it back meanwhile, read_lent() sees that and the
            # caller simply finds the message in the pipe instead.
            self._borrow_seq += 1
            self._borrowing = True
            return True
        with self.lock:  # held only briefly by anyone: worth waiting for
            if not self.ready or self.closed or self._read_paused:
                return False
            self._borrow_seq += 1
            self._borrowing = True
            if not self._lent:
                self._lent = True
                self.io.set_readable_interest(self.fd, False)
                self.io.post(self._arm_reclaim)
            return True

    def read_lent(self) -> None:
        """The borrower saw our fd readable: read and decode as usual."""
        with self.lock:
            self._borrowing = False
            if self._lent and not self.closed and not self._read_paused:
                self._read()

    def done_waiting(self) -> None:
        """The borrower left its wait; it may come back soon."""
        self._borrowing = False

    def reclaim(self) -> None:
        """Take the connection back now (the borrower will not wait on it)."""
        with self.lock:
            self._borrowing = False
            self._give_back()

    def _give_back(self) -> None:
        if self._lent:
            self._lent = False
            if not self.closed and not self._read_paused:
                self.io.set_readable_interest(self.fd, True)

    def _arm_reclaim(self) -> None:
        if self._reclaim_timer is None and not self.closed:
            self._seen_seq = self._borrow_seq
            self._reclaim_timer = self.io.call_later(_RECLAIM_TICK, self._reclaim_tick)

    def _reclaim_tick(self) -> None:
        with self.lock:
            self._reclaim_timer = None
            if not self._lent or self.closed:
                return
            if self._borrowing or self._borrow_seq != self._seen_seq:
                self._seen_seq = self._borrow_seq
                self._reclaim_timer = self.io.call_later(_RECLAIM_TICK, self._reclaim_tick)
                return
            self._give_back()

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
        if self._hb[0] > 0:
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

    def try_send_direct(self) -> bool:
        """Application thread: write the pipe's new messages now, if idle.

        True when done here; False to leave it to the I/O thread (busy, not
        ready, or a sender streaming fast enough to benefit from batching).
        """
        if not self._lent:  # (a borrower waiting on replies is no stream)
            now = _perf_counter()
            last = self._last_direct
            self._last_direct = now
            if now - last < _DIRECT_SPACING:
                return False
        if not self.lock.acquire(False):
            return False
        try:
            if not self.ready or self.closed or self._write_blocked:
                return False
            self._pull()
            return True
        finally:
            self.lock.release()

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
            batch = pipe.read_batch(_PULL_BATCH)
            if not batch:
                break
            for msg in batch:
                if msg.__class__ is list:
                    send(msg)
                elif msg.__class__ is Subscription:
                    first = msg[0]
                    if first[:1] == b"\x01":
                        codec.send_subscribe(first[1:])
                    else:
                        codec.send_cancel(first[1:])
                else:
                    send(list(msg))
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

    def on_writable(self) -> None:
        with self.lock:
            if self.closed or not self._write():
                return
            self._write_blocked = False
            self.io.set_writable_interest(self.fd, False)
            if self.ready:
                self._pull()
        self.session.engine_flushed(self)

    def _write(self) -> bool:
        """Write queued bytes; True if all went out."""
        out = self._out
        if not out:
            return True
        sock = self.sock
        try:
            if len(out) <= 8:
                # The usual case, a small message or two: one send, one join.
                data = b"".join(out) if len(out) > 1 else out[0]
                size = len(data)
                if size <= _JOIN_LIMIT:
                    n = sock.send(data)
                    if n == size:
                        out.clear()
                        return True
                    out[:] = [memoryview(data)[n:]]
                    return self._blocked()
            while out:
                if len(out) == 1:
                    data = out[0]
                    n = sock.send(data)
                    if n < len(data):
                        out[0] = memoryview(data)[n:]
                        return self._blocked()
                    out.clear()
                    break
                total = sum(map(len, out))
                if total <= _JOIN_LIMIT:
                    out[:] = [b"".join(out)]
                    continue
                batch = out[:_IOV_MAX]
                n = sock.sendmsg(batch)
                done = 0
                for chunk in batch:
                    size = len(chunk)
                    if n < size:
                        break
                    n -= size
                    done += 1
                del out[:done]
                if n:
                    out[0] = memoryview(out[0])[n:]
                if done < len(batch):
                    return self._blocked()
        except (BlockingIOError, InterruptedError):
            return self._blocked()
        except OSError as e:
            self._fail(f"send failed: {e}")
            return False
        return True

    def _blocked(self) -> bool:
        if not self._write_blocked:
            self._write_blocked = True
            self.io.set_writable_interest(self.fd, True)
        return False
