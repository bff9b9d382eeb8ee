"""purezmq.asyncio: pyzmq's zmq.asyncio API, with no thread in the middle.

`Context`, `Socket` and `Poller` as in zmq.asyncio: `send`, `recv`,
`send_multipart`, `recv_multipart` and `poll` return Futures, and the
string/JSON/pickle helpers return awaitables too.

What differs from pyzmq underneath:

* Connections made while a loop is running (bind/connect inside a
  coroutine) run on that loop as asyncio Protocols driving the same
  sans-I/O ZMTP codec: no I/O thread, no hop, and no add_reader, so any
  loop works: the default one, uvloop, Windows' Proactor.  (Bound or
  connected with no loop running, they use purezmq's I/O threads and the
  futures are woken across threads.)
* Cancelling a pending recv loses nothing: a message is taken from the
  queue only for a future that is still waiting.  Cancelling a pending
  send sends all of the message or none of it: whole messages are queued
  in one step.  RCVTIMEO/SNDTIMEO and asyncio.wait_for leave nothing
  behind.
* The socket's wake-ups reach the loop by call_soon(_threadsafe), never by
  an fd edge, so reading EVENTS elsewhere cannot swallow them.

Sync and async sockets share one context core when an asyncio Context
shadows a sync one (`Context(sync_ctx)`), so they talk over inproc too.
"""

from __future__ import annotations

import asyncio
import threading
from collections import deque
from typing import Any
from weakref import WeakKeyDictionary

from .constants import DONTWAIT, POLLIN, POLLOUT
from .engine.drivers import LoopDriver
from .error import Again, ZMQError
from .sugar.context import Context as _SyncContext
from .sugar.poll import Poller as _SyncPoller
from .sugar.poll import _poll
from .sugar.socket import Socket as _SyncSocket
from .sugar.socket import _as_frame, _fill, _tracked_frame, _tracked_parts, _writable_view

__all__ = ["Context", "Socket", "Poller"]

_DONTWAIT = int(DONTWAIT)
_POLLIN = int(POLLIN)
_POLLOUT = int(POLLOUT)
_drivers: WeakKeyDictionary = WeakKeyDictionary()


def _driver_for(loop: asyncio.AbstractEventLoop) -> LoopDriver:
    driver = _drivers.get(loop)
    if driver is None:
        driver = _drivers[loop] = LoopDriver(loop)
    return driver


class _Waiter:
    """One pending operation: retried whenever the socket may have changed."""

    __slots__ = ("future", "attempt", "timer")

    def __init__(self, future: asyncio.Future, attempt: Any) -> None:
        self.future = future
        self.attempt = attempt
        self.timer: Any = None


class _Received(asyncio.Future):
    """The Future of a recv: if the task awaiting it is cancelled after the
    message arrived but before the task resumed, the message goes back to
    the socket for the next recv instead of vanishing with the task."""

    _restore: Any = None  # () -> None: give the result back to the socket

    def __await__(self) -> Any:
        if not self.done():
            self._asyncio_future_blocking = True
            try:
                yield self
            except asyncio.CancelledError:
                self.give_back()
                raise
        if not self.done():
            raise RuntimeError("await wasn't used with future")
        return self.result()

    __iter__ = __await__

    def give_back(self) -> None:
        restore, self._restore = self._restore, None
        if restore is not None and self.done() and not self.cancelled() \
                and self.exception() is None:
            restore()


def _raw(part: Any) -> Any:
    return part if part.__class__ is bytes else getattr(part, "bytes", part)


class Socket(_SyncSocket):
    """An asyncio ØMQ socket (zmq.asyncio.Socket)."""

    _loop: Any = None
    _loop_ident: Any = None
    _recv_waiters: Any = None
    _send_waiters: Any = None
    _poll_waiters: Any = None
    _watchers: Any = None
    _wake_queued: bool = False

    def __init__(self, context: Any = None, socket_type: int = -1, io_loop: Any = None,
                 _from_socket: Any = None, **kwargs: Any) -> None:
        if _from_socket is not None:
            super().__init__(_from_socket)
        else:
            super().__init__(context if context is not None else Context.instance(),
                             socket_type, **kwargs)
        self._loop = io_loop
        self._recv_waiters = deque()
        self._send_waiters = deque()
        self._poll_waiters = []
        self._watchers = []
        core = self._core
        core.io_driver = self._io_driver
        core.on_loops = True
        core._sig.on_signal = self._signalled
        core._sig.watch_fd(False)  # woken by call_soon; FD users switch it on

    @classmethod
    def from_socket(cls, socket: Any, io_loop: Any = None) -> "Socket":
        return cls(io_loop=io_loop, _from_socket=socket)

    # -- loop plumbing -------------------------------------------------------
    def _io_driver(self) -> Any:
        """Connections made inside a running loop run on that loop."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return self._core.ctx.io_driver()
        return _driver_for(loop)

    def _get_loop(self) -> asyncio.AbstractEventLoop:
        loop = self._loop
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if loop is None or (running is not None and running is not loop
                            and (loop.is_closed() or not loop.is_running())):
            # First use, or the socket's loop has stopped and another one now
            # uses it (asyncio.run() called again, say): follow it, as pyzmq.
            loop = self._loop = running if running is not None else asyncio.get_running_loop()
            self._loop_ident = threading.get_ident()
            for waiters in (self._recv_waiters, self._send_waiters):
                live = [w for w in waiters if not w.future.done()]
                waiters.clear()
                waiters.extend(live)
            self._poll_waiters[:] = [e for e in self._poll_waiters if not e[0].future.done()]
        elif self._loop_ident is None and loop.is_running():
            try:
                if asyncio.get_running_loop() is loop:
                    self._loop_ident = threading.get_ident()
            except RuntimeError:
                pass
        return loop

    def _signalled(self) -> None:
        """Any thread: the socket's state may have changed."""
        loop = self._loop
        if loop is None or self._wake_queued:
            return
        self._wake_queued = True
        try:
            if threading.get_ident() == self._loop_ident:
                loop.call_soon(self._wake)
            else:
                loop.call_soon_threadsafe(self._wake)
        except RuntimeError:
            self._wake_queued = False  # the loop is closed

    def _wake(self) -> None:
        """Loop thread: serve whatever waiters can be served now."""
        self._wake_queued = False
        core = self._core
        if core.closed:
            self._fail_all(ZMQError(88))  # ENOTSOCK
            return
        try:
            events = core.events()  # also re-arms the wake-up
        except ZMQError as e:
            self._fail_all(e)
            return
        if events & _POLLIN:
            self._serve(self._recv_waiters)
        if events & _POLLOUT:
            self._serve(self._send_waiters)
        if self._poll_waiters or self._watchers:
            events = core.events() if (self._recv_waiters or self._send_waiters) else events
            for waiter, flags in list(self._poll_waiters):
                if events & flags and not waiter.future.done():
                    self._poll_waiters.remove((waiter, flags))
                    _cancel_timer(waiter)
                    waiter.future.set_result(events & flags)
            for watcher in list(self._watchers):
                watcher()

    @staticmethod
    def _serve(waiters: deque) -> None:
        while waiters:
            waiter = waiters[0]
            if waiter.future.done():  # cancelled or timed out: skip it
                waiters.popleft()
                continue
            try:
                result = waiter.attempt()
            except Again:
                return
            except Exception as e:
                waiters.popleft()
                _cancel_timer(waiter)
                waiter.future.set_exception(e)
                continue
            waiters.popleft()
            _cancel_timer(waiter)
            waiter.future.set_result(result)

    def _fail_all(self, exc: Exception) -> None:
        for waiters in (self._recv_waiters, self._send_waiters):
            while waiters:
                waiter = waiters.popleft()
                _cancel_timer(waiter)
                if not waiter.future.done():
                    waiter.future.set_exception(exc)
        for waiter, _flags in self._poll_waiters:
            _cancel_timer(waiter)
            if not waiter.future.done():
                waiter.future.set_exception(exc)
        self._poll_waiters.clear()

    def _submit(self, waiters: deque, attempt: Any, flags: int, timeout_ms: int,
                multipart: Any = None) -> asyncio.Future:
        """Try now; if it would block, queue a waiter (FIFO) and return.
        `multipart` (True/False) marks a recv, whose result can be given back."""
        loop = self._get_loop()
        if multipart is None:
            future = loop.create_future()
        else:
            future = _Received(loop=loop)
            future._restore = lambda: self._give_back(future.result(), multipart)
        if not waiters:
            try:
                future.set_result(attempt())
                return future
            except Again:
                if flags & _DONTWAIT:
                    future.set_exception(Again())
                    return future
            except Exception as e:
                future.set_exception(e)
                return future
        elif flags & _DONTWAIT:
            future.set_exception(Again())
            return future
        waiter = _Waiter(future, attempt)
        waiters.append(waiter)
        if timeout_ms >= 0:
            waiter.timer = loop.call_later(timeout_ms / 1000.0, _expire, waiters, waiter)
        if self._core._sig._pending:
            # A wake-up already happened and was not consumed: look again.
            self._signalled()
        return future

    def _give_back(self, received: Any, multipart: bool) -> None:
        parts = received if multipart else [received]
        self._core.unread([_raw(p) for p in parts])
        self._signalled()  # another waiter may take it now

    # -- the awaitable API ---------------------------------------------------
    def recv(self, flags: int = 0, copy: bool = True, track: bool = False) -> asyncio.Future:
        core = self._core
        attempt = lambda: core.recv(flags | _DONTWAIT, copy)  # noqa: E731
        return self._submit(self._recv_waiters, attempt, int(flags), core.options.rcvtimeo,
                            False)

    def recv_multipart(self, flags: int = 0, copy: bool = True,
                       track: bool = False) -> asyncio.Future:
        core = self._core
        to_frames = core.frame_to

        def attempt() -> list:
            parts = core.recv_parts(flags | _DONTWAIT)
            if copy:
                return list(parts)
            last = len(parts) - 1
            meta = core._last_metadata()  # each Frame carries its connection's properties
            return [to_frames(p, i < last, meta) for i, p in enumerate(parts)]

        return self._submit(self._recv_waiters, attempt, int(flags), core.options.rcvtimeo,
                            True)

    def send(self, data: Any, flags: int = 0, copy: bool = True, track: bool = False,
             **kwargs: Any) -> asyncio.Future:
        core = self._core
        tracker = None
        if track:
            data, tracker = _tracked_frame(data, copy, core.copy_threshold)
        elif data.__class__ is not bytes:
            tracker = getattr(data, "tracker", None)  # a Frame: pyzmq returns its tracker
            data = _as_frame(data, copy)  # snapshot now: the caller may reuse it

        def attempt() -> Any:
            core.send(data, flags | _DONTWAIT, False)
            return tracker

        return self._submit(self._send_waiters, attempt, int(flags), core.options.sndtimeo)

    def send_multipart(self, msg_parts: Any, flags: int = 0, copy: bool = True,
                       track: bool = False, **kwargs: Any) -> asyncio.Future:
        core = self._core
        tracker = None
        if track:
            parts, tracker = _tracked_parts(msg_parts, copy, core.copy_threshold)
        else:
            parts = self._frames(msg_parts, copy)
        if not parts:
            raise IndexError("list index out of range")

        def attempt() -> Any:
            # Whole messages go into the pipe in one step: all or nothing.
            core.send_parts(parts, flags | _DONTWAIT)
            return tracker

        return self._submit(self._send_waiters, attempt, int(flags), core.options.sndtimeo)

    def poll(self, timeout: Any = None, flags: int = _POLLIN) -> asyncio.Future:
        """A Future for the events in `flags` within `timeout` ms (None: forever)."""
        if self.closed:
            raise ZMQError(95)  # ENOTSUP, as pyzmq
        loop = self._get_loop()
        future = loop.create_future()
        events = self._core.events() & int(flags)
        if events or timeout == 0:
            future.set_result(events)
            return future
        waiter = _Waiter(future, None)
        entry = (waiter, int(flags))
        self._poll_waiters.append(entry)
        if timeout is not None and timeout >= 0:
            waiter.timer = loop.call_later(timeout / 1000.0, self._poll_expired, entry)
        future.add_done_callback(lambda _: self._poll_finished(entry))  # e.g. cancelled
        return future

    def _poll_finished(self, entry: tuple) -> None:
        _cancel_timer(entry[0])
        if entry in self._poll_waiters:
            self._poll_waiters.remove(entry)

    @property
    def _recv_futures(self) -> list:
        """The pending futures waiting to receive (recv and POLLIN polls);
        pyzmq's name, which its users' leak checks read."""
        return ([w.future for w in self._recv_waiters if not w.future.done()]
                + [w.future for w, flags in self._poll_waiters
                   if flags & _POLLIN and not w.future.done()])

    def recv_into(self, buffer: Any, /, *, nbytes: int = 0, flags: int = 0) -> asyncio.Future:
        """A Future for the size of the next frame, received into `buffer`."""
        try:
            view, n = _writable_view(buffer, nbytes)
        except (ValueError, BufferError, TypeError) as e:
            failed = self._get_loop().create_future()  # raised on await, as pyzmq
            failed.set_exception(e)
            return failed
        core = self._core

        def attempt() -> int:
            return _fill(view, n, core.recv(flags | _DONTWAIT))

        return self._submit(self._recv_waiters, attempt, int(flags), core.options.rcvtimeo)

    def _poll_expired(self, entry: tuple) -> None:
        if entry in self._poll_waiters:
            self._poll_waiters.remove(entry)
        if not entry[0].future.done():
            entry[0].future.set_result(0)

    def _deserialize(self, received: Any, load: Any) -> asyncio.Future:
        """Chain `load` onto a recv future (recv_string, recv_json, ...)."""
        loop = self._get_loop()
        future = _Received(loop=loop)
        future._restore = getattr(received, "give_back", None)

        def done(f: asyncio.Future) -> None:
            if future.done():
                return
            if f.cancelled():
                future.cancel()
            elif (error := f.exception()) is not None:
                future.set_exception(error)
            else:
                try:
                    future.set_result(load(f.result()))
                except Exception as e:
                    future.set_exception(e)

        def cancel_source(f: asyncio.Future) -> None:
            if f.cancelled() and not received.done():
                received.cancel()

        received.add_done_callback(done)
        future.add_done_callback(cancel_source)
        return future

    def get_monitor_socket(self, events: int | None = None, addr: str | None = None) -> "Socket":
        """The monitor PAIR, as an asyncio socket too (awaitable recv)."""
        mon = super().get_monitor_socket(events, addr)
        if not isinstance(mon, Socket):
            mon = Socket.from_socket(mon)
            object.__setattr__(self, "_monitor_socket", mon)
        return mon

    def close(self, linger: int | None = None) -> None:
        if not self.closed:
            for waiters in (self._recv_waiters, self._send_waiters):
                while waiters:
                    waiter = waiters.popleft()
                    _cancel_timer(waiter)
                    waiter.future.cancel()
            for waiter, _flags in self._poll_waiters:
                _cancel_timer(waiter)
                waiter.future.cancel()
            self._poll_waiters.clear()
        super().close(linger)


def _resolve(future: asyncio.Future, value: Any) -> None:
    if not future.done():
        future.set_result(value)


def _expire(waiters: deque, waiter: _Waiter) -> None:
    """RCVTIMEO/SNDTIMEO ran out: Again, and nothing left behind."""
    waiter.timer = None
    try:
        waiters.remove(waiter)
    except ValueError:
        pass
    if not waiter.future.done():
        waiter.future.set_exception(Again())


def _cancel_timer(waiter: _Waiter) -> None:
    if waiter.timer is not None:
        waiter.timer.cancel()
        waiter.timer = None


class Context(_SyncContext):
    """An asyncio ØMQ context (zmq.asyncio.Context); its sockets are async."""

    _instance: Any = None
    _instance_lock = threading.Lock()
    _instance_pid: Any = None
    _socket_class = Socket


class Poller(_SyncPoller):
    """zmq.asyncio.Poller: `await poller.poll(timeout)`."""

    def poll(self, timeout: Any = -1) -> asyncio.Future:
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        items = list(self.sockets)
        ready = _poll(items, 0.0)
        if ready or timeout == 0:
            future.set_result(ready)
            return future
        cleanups: list = []

        def check() -> None:
            if future.done():
                return
            found = _poll(items, 0.0)
            if found:
                future.set_result(found)

        for obj, flags in items:
            if isinstance(obj, Socket):
                obj._get_loop()
                obj._watchers.append(check)
                cleanups.append(lambda s=obj: s._watchers.remove(check))
                if obj._core._sig._pending:
                    obj._signalled()
            elif hasattr(loop, "add_reader"):
                fd = obj if isinstance(obj, int) else obj.fileno()
                try:
                    if flags & _POLLIN:
                        loop.add_reader(fd, check)
                        cleanups.append(lambda fd=fd: loop.remove_reader(fd))
                    if flags & _POLLOUT:
                        loop.add_writer(fd, check)
                        cleanups.append(lambda fd=fd: loop.remove_writer(fd))
                except NotImplementedError:
                    raise NotImplementedError(
                        "this event loop cannot watch plain file descriptors") from None
            else:
                raise TypeError(f"cannot poll {obj!r} on this event loop")
        if timeout is not None and timeout >= 0:
            timer = loop.call_later(timeout / 1000.0, _resolve, future, [])
            cleanups.append(timer.cancel)

        def cleanup(_: asyncio.Future) -> None:
            for fn in cleanups:
                try:
                    fn()
                except (ValueError, KeyError):
                    pass

        future.add_done_callback(cleanup)
        return future
