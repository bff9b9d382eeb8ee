"""Drivers: how sessions and listeners get I/O done on one kind of reactor.

A driver gives the session room what it needs from wherever its
connections run: `post` (thread-safe), `call_later`, `in_thread`,
`dial` (a non-blocking connect, then `connected(sock)` or `failed()`),
`listen` (call `accepted(sock)` per connection) and `engine_for` (an
engine over a connected OS socket).

`ThreadDriver` runs on a purezmq I/O thread (epoll readiness, the
StreamEngine).  `LoopDriver` runs on an asyncio event loop with nothing
but the loop's socket coroutines and Protocols, so it works on every loop,
including those without add_reader (Windows' Proactor) and uvloop.
"""

from __future__ import annotations

import asyncio
import socket as _socket
import threading
from typing import Any, Callable

from ..transport.tcp import connect_outcome as transport_outcome
from .stream_engine import StreamEngine

_ACCEPTS_PER_WAKEUP = 64


# ----------------------------------------------------------------------------
# A purezmq I/O thread
# ----------------------------------------------------------------------------

class ThreadDriver:
    # Context.term() waits for sessions on I/O threads to finish lingering.
    holds_term = True

    def __init__(self, thread: Any) -> None:
        self.thread = thread
        # Bound methods of the thread itself: no extra call on hot paths.
        self.post = thread.post
        self.call_later = thread.call_later
        self.in_thread = thread.in_thread
        self.add_handler = thread.add_handler
        self.remove_handler = thread.remove_handler
        self.set_readable_interest = thread.set_readable_interest
        self.set_writable_interest = thread.set_writable_interest

    @property
    def load(self) -> int:
        return self.thread.load

    def engine_for(self, sock: _socket.socket, session: Any, codec: Any) -> StreamEngine:
        return StreamEngine(self, sock, session, codec)

    def dial(self, transport: Any, address: str, options: Any,
             connected: Callable, failed: Callable) -> "_ThreadDial":
        """I/O thread: start connecting; exactly one callback follows."""
        return _ThreadDial(self, transport, address, options, connected, failed)

    def listen(self, sock: _socket.socket, accepted: Callable) -> "_ThreadAccept":
        """Any thread: start accepting on a bound, listening socket."""
        return _ThreadAccept(self, sock, accepted)


class _ThreadDial:
    """One non-blocking connect, waited for on the I/O thread."""

    def __init__(self, driver: ThreadDriver, transport: Any, address: str, options: Any,
                 connected: Callable, failed: Callable) -> None:
        self._driver = driver
        self._connected = connected
        self._failed = failed
        self._sock: Any = None
        self._timer: Any = None
        try:
            sock, done = transport.dial(address, options)
        except Exception as e:
            failed(getattr(e, "closed_fd", -1))
            return
        if done:
            connected(sock)
            return
        self._sock = sock
        driver.add_handler(sock.fileno(), self, read=False, write=True)
        if options.connect_timeout > 0:
            self._timer = driver.call_later(options.connect_timeout / 1000.0, self._timed_out)

    def on_writable(self) -> None:
        sock = self._stop()
        if sock is None:
            return
        try:
            err = sock.getsockopt(_socket.SOL_SOCKET, _socket.SO_ERROR)
        except OSError as e:
            err = e.errno or 1
        if err:
            fd = sock.fileno()
            sock.close()
            self._failed(fd)
        else:
            self._connected(sock)

    on_readable = on_writable  # a failed connect reports as an error event

    @property
    def pending(self) -> bool:
        return self._sock is not None

    def _stop(self) -> Any:
        sock, self._sock = self._sock, None
        if sock is not None:
            self._driver.remove_handler(sock.fileno())
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        return sock

    def _timed_out(self) -> None:
        self._timer = None
        sock = self._stop()
        if sock is not None:
            fd = sock.fileno()
            sock.close()
            self._failed(fd)

    def cancel(self) -> None:
        sock = self._stop()
        if sock is not None:
            sock.close()


class _ThreadAccept:
    def __init__(self, driver: ThreadDriver, sock: _socket.socket, accepted: Callable) -> None:
        self._driver = driver
        self._sock = sock
        self._fd = sock.fileno()
        self._accepted = accepted
        self.closed = False
        driver.post(self._register)

    def _register(self) -> None:
        if not self.closed:
            self._driver.add_handler(self._fd, self, read=True)

    def on_readable(self) -> None:
        for _ in range(_ACCEPTS_PER_WAKEUP):
            try:
                conn, _addr = self._sock.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as e:
                self._accepted(None, e.errno or 0)
                return
            if self.closed:
                conn.close()
                return
            conn.setblocking(False)
            self._accepted(conn, 0)

    def on_writable(self) -> None:
        pass

    def close(self) -> None:
        """I/O thread: stop accepting and close the listening socket."""
        if self.closed:
            return
        self.closed = True
        self._driver.remove_handler(self._fd)
        try:
            self._sock.close()
        except OSError:
            pass


# ----------------------------------------------------------------------------
# An asyncio event loop
# ----------------------------------------------------------------------------
class LoopDriver:
    """Connections as asyncio Protocols on the loop they were made from."""

    load = 0
    # term() may well be called on the loop's own thread, which would then
    # never run the sessions it waits for: a loop's sessions finish (and
    # linger) in the loop's own time instead.
    holds_term = False

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self._ident: int | None = None
        if loop.is_running():
            try:
                if asyncio.get_running_loop() is loop:
                    self._ident = threading.get_ident()
            except RuntimeError:
                pass
        if self._ident is None:
            loop.call_soon_threadsafe(self._learn_thread)

    def _learn_thread(self) -> None:
        self._ident = threading.get_ident()

    def in_thread(self) -> bool:
        return threading.get_ident() == self._ident

    def post(self, fn: Callable, *args: Any) -> None:
        try:
            if threading.get_ident() == self._ident:
                self.loop.call_soon(fn, *args)
            else:
                self.loop.call_soon_threadsafe(fn, *args)
        except RuntimeError:
            # The loop is closed and will never run again: whatever lived on
            # it (a session finishing a close, say) runs here, or a socket
            # closed after its loop would keep term() waiting forever.
            try:
                fn(*args)
            except Exception:  # noqa: BLE001 - a dead loop's leftovers
                pass

    def call_later(self, delay: float, fn: Callable) -> Any:
        try:
            return self.loop.call_later(delay, fn)
        except RuntimeError:
            return _NoTimer()  # a closed loop: the timer could never fire

    def engine_for(self, sock: _socket.socket, session: Any, codec: Any) -> Any:
        from .protocol_engine import ProtocolEngine

        return ProtocolEngine(self, sock, session, codec)

    def dial(self, transport: Any, address: str, options: Any,
             connected: Callable, failed: Callable) -> Any:
        """Connect now if the OS can at once (ipc), else finish on the loop."""
        try:
            sock, target = transport.prepare(address, options)
        except Exception:
            failed(-1)
            return _SETTLED
        try:
            sock, done = transport_outcome(sock, sock.connect_ex(target))
        except OSError as e:
            failed(getattr(e, "closed_fd", -1))
            return _SETTLED
        if done:
            connected(sock)
            return _SETTLED
        return _LoopTask(self.loop, self._dial(sock, target, options, connected, failed))

    async def _dial(self, sock: Any, target: Any, options: Any,
                    connected: Callable, failed: Callable) -> None:
        try:
            coro = self.loop.sock_connect(sock, target)  # waits for the one in progress
            if options.connect_timeout > 0:
                await asyncio.wait_for(coro, options.connect_timeout / 1000.0)
            else:
                await coro
        except asyncio.CancelledError:
            sock.close()
            raise
        except (OSError, asyncio.TimeoutError):
            fd = sock.fileno()
            sock.close()
            failed(fd)
            return
        connected(sock)

    def listen(self, sock: _socket.socket, accepted: Callable) -> "_LoopTask":
        return _LoopTask(self.loop, self._accept_loop(sock, accepted), sock)

    async def _accept_loop(self, sock: _socket.socket, accepted: Callable) -> None:
        while True:
            try:
                conn, _addr = await self.loop.sock_accept(sock)
            except asyncio.CancelledError:
                raise
            except OSError as e:
                accepted(None, e.errno or 0)
                if sock.fileno() < 0:
                    return
                await asyncio.sleep(0.01)  # e.g. EMFILE: do not spin
                continue
            conn.setblocking(False)
            accepted(conn, 0)


class _Settled:
    """A dial that finished at once: nothing pending, nothing to cancel."""

    pending = False
    closed = True

    def cancel(self) -> None:
        pass

    def close(self) -> None:
        pass


_SETTLED = _Settled()


class _NoTimer:
    """What call_later gives on a closed loop."""

    def cancel(self) -> None:
        pass


class _LoopTask:
    """A dial or accept loop running as a task; cancel()/close() end it."""

    def __init__(self, loop: asyncio.AbstractEventLoop, coro: Any, sock: Any = None) -> None:
        self._sock = sock
        self.closed = False
        self._task = loop.create_task(coro)

    @property
    def pending(self) -> bool:
        return not self._task.done()

    def cancel(self) -> None:
        self._task.cancel()

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        self._task.cancel()
        if self._sock is not None:
            try:
                self._sock.close()
            except OSError:
                pass
