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

from .base import EngineBase, peer_address_of
from .closing import DrainingClose

# Below glibc's mmap threshold: a bigger buffer costs an mmap/munmap pair per
# read (and TLB shootdowns across threads), which dominated small-message
# latency.
_RECV_SIZE = 64 * 1024
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


class StreamEngine(EngineBase):

    def __init__(self, io: Any, sock: _socket.socket, session: Any, codec: Any) -> None:
        self._init_base(io, session, codec)
        self.sock = sock
        self.fd = sock.fileno()
        self.lock = threading.Lock()
        self._lent = False  # an application thread is reading for us
        self._last_direct = 0.0
        self._borrowing = False  # a borrower is inside its wait right now
        self._borrow_seq = 0
        self._seen_seq = 0
        self._reclaim_timer: Any = None
        self.peer_address = peer_address_of(sock)

    # -- lifecycle ---------------------------------------------------------
    def _attach_transport(self) -> None:
        self.io.add_handler(self.fd, self, read=True)

    def _release(self, graceful: bool = False) -> None:
        """I/O thread: give back the fd, timers and the OS socket (half-closed
        and drained first when the connection ends cleanly: see closing.py)."""
        self._cancel_timers()
        if self._reclaim_timer is not None:
            self._reclaim_timer.cancel()
        self.io.remove_handler(self.fd)
        if graceful and self.io.in_thread():
            DrainingClose(self.io, self.sock)
            return
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
        EngineBase._fail(self, reason, protocol)

    def _fail_posted(self, reason: str, protocol: bool) -> None:
        with self.lock:
            self._release()
        self.session.engine_error(self, reason, protocol)

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
            self._fail(f"recv failed: {e}")
            return
        if not data:
            self._fail("connection closed by peer")
            return
        self._on_bytes(data)

    def _stop_reading(self) -> None:
        if not self._lent:
            self.io.set_readable_interest(self.fd, False)

    def _start_reading(self) -> None:
        if not self._lent:
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

    # -- output --------------------------------------------------------------
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
                # The usual case, a small message or two: one send, one join
                # (never of a big body: that would copy what came zero-copy).
                if len(out) == 1:
                    data = out[0]
                elif sum(map(len, out)) <= _JOIN_LIMIT:
                    data = b"".join(out)
                else:
                    data = None
                size = _JOIN_LIMIT + 1 if data is None else len(data)
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
