"""The protocol engine: one ZMTP connection as an asyncio Protocol.

The same protocol logic as the stream engine (EngineBase), moved by an
asyncio transport instead of a reactor thread: bytes arrive in
`data_received`, leave through `transport.write`, and back-pressure is
asyncio's own (`pause_writing` when the transport buffer is full,
`pause_reading` while the pipe is at its high-water mark).  Nothing but
the Protocol interface is used, so it runs on any event loop: the
default one, uvloop, and loops without add_reader (Windows' Proactor).

Everything happens on the loop's thread; a wake-up from any other thread
reaches it through the driver's `post` (call_soon_threadsafe).  Writes a
task makes in a burst are coalesced into one flush per loop iteration.
"""

from __future__ import annotations

import asyncio
import socket as _socket
import time
from typing import Any

from .base import EngineBase, peer_address_of
from . import closing

_perf_counter = time.perf_counter
# A task writing more often than this is streaming: coalesce its writes.
_DIRECT_SPACING = 50e-6
_JOIN_LIMIT = 64 * 1024  # smaller writes are joined into one
_READ_NOW = 256 * 1024


class ProtocolEngine(EngineBase, asyncio.Protocol):
    def __init__(self, io: Any, sock: _socket.socket, session: Any, codec: Any) -> None:
        self._init_base(io, session, codec)
        self._sock = sock
        self.fd = sock.fileno()
        self.transport: Any = None
        self._flush_scheduled = False
        self._last_direct = 0.0
        self._write_blocked = True  # until connection_made
        self._drain_timer: Any = None
        self.peer_address = peer_address_of(sock)

    # -- transport ---------------------------------------------------------
    def _attach_transport(self) -> None:
        loop = self.io.loop
        loop.create_task(self._adopt(loop))

    async def _adopt(self, loop: asyncio.AbstractEventLoop) -> None:
        try:
            await loop.connect_accepted_socket(lambda: self, self._sock)
        except (OSError, RuntimeError) as e:
            if not self.closed:
                self._sock.close()
                self._fail(f"could not start the transport: {e}")

    def connection_made(self, transport: Any) -> None:
        self.transport = transport
        if self.closed:
            transport.abort()
            return
        self._write_blocked = False
        self._write()
        if self.ready:
            self._pull()

    def data_received(self, data: bytes) -> None:
        if self.closed:
            return
        self._on_bytes(data)
        if self.session.terminating:  # the handshake may just have flushed
            self.session.engine_flushed(self)

    def read_now(self) -> None:
        """Read what the OS holds for us now, on the loop's thread while the
        loop itself is busy: a coroutine that blocks its loop (a heartbeat
        thread sleeping between pings, say) and then polls must still see
        replies that arrived, as it would with libzmq's I/O threads.  Only
        for selector loops (the socket is ours to read); a proactor owns
        its reads."""
        if (self.closed or self._read_paused or self.transport is None
                or not self.io.in_thread() or not hasattr(self.io.loop, "add_reader")):
            return
        try:
            data = self._sock.recv(_READ_NOW)
        except (BlockingIOError, InterruptedError, OSError):
            return
        if data:
            self.data_received(data)

    def eof_received(self) -> bool:
        self._fail("connection closed by peer")
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        if self._drain_timer is not None:
            self._drain_timer.cancel()
            self._drain_timer = None
        if not self.closed:
            self._fail(f"connection lost: {exc}" if exc else "connection closed by peer")

    def pause_writing(self) -> None:
        self._write_blocked = True

    def resume_writing(self) -> None:
        self._write_blocked = False
        if self.ready and not self.closed:
            self._pull()
            self.session.engine_flushed(self)

    def _stop_reading(self) -> None:
        if self.transport is not None:
            self.transport.pause_reading()

    def _start_reading(self) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.resume_reading()

    def _write(self) -> bool:
        out = self._out
        if not out:
            return True
        transport = self.transport
        if transport is None or transport.is_closing():
            return False
        if len(out) == 1:
            transport.write(out[0])  # may call pause_writing() before returning
        elif sum(map(len, out)) <= _JOIN_LIMIT:
            transport.write(b"".join(out))
        else:
            for chunk in out:  # no join: big bodies go as they are
                transport.write(chunk)
        out.clear()
        return not self._write_blocked

    def _release(self, graceful: bool = False) -> None:
        self._cancel_timers()
        transport = self.transport
        if transport is not None:
            if graceful and self._half_close(transport):
                return
            transport.close()  # what was written still goes out
        else:
            try:
                self._sock.close()
            except OSError:
                pass

    def _half_close(self, transport: Any) -> bool:
        """A clean end: EOF after what is buffered, then read and drop what
        the peer still sends until it closes (see closing.py for why)."""
        try:
            if transport.is_closing() or not transport.can_write_eof():
                return False
            transport.write_eof()
            transport.resume_reading()
        except (OSError, RuntimeError, NotImplementedError, AttributeError):
            return False
        self._drain_timer = self.io.call_later(closing.DRAIN_DEADLINE, transport.close)
        return True

    # -- the session's short cut: one flush per loop iteration --------------
    def try_send_direct(self) -> bool:
        """On the loop's thread: write now if the connection was quiet, else
        coalesce this burst into one flush at the next loop iteration."""
        if not self.io.in_thread():
            return False  # the session posts out_ready to the loop instead
        if self._flush_scheduled:
            return True
        now = _perf_counter()
        last, self._last_direct = self._last_direct, now
        if now - last >= _DIRECT_SPACING and self.ready and not self._write_blocked:
            self._pull()  # request-reply: no loop iteration between
            return True
        self._flush_scheduled = True
        self.io.loop.call_soon(self._flush)
        return True

    def _flush(self) -> None:
        self._flush_scheduled = False
        self.out_ready()

    def lend(self) -> bool:
        return False  # a loop's connection is never borrowed by a thread
