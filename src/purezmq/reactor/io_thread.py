"""The I/O thread: one event loop per context thread, no protocol knowledge.

Owns a poller (epoll on Linux, poll elsewhere), a heap of timers and a
mailbox that other threads post callables into.  Handlers are objects
with `on_readable()` / `on_writable()`; the loop calls them and nothing
else.  Everything registered here is touched only by this thread, except
`post()`, which is the one thread-safe entry point.

Only this module (and the application thread's blocking waits) reads the
clock: timers are how time reaches engines and sessions.
"""

from __future__ import annotations

import heapq
import itertools
import select
import sys
import threading
import time
import traceback
from collections import deque
from typing import Any, Callable, Protocol

from .signaler import Signaler

_monotonic = time.monotonic


class _Handler(Protocol):
    """What the loop calls on a registered handler."""

    def on_readable(self) -> None: ...

    def on_writable(self) -> None: ...


if hasattr(select, "epoll"):
    _IN = select.EPOLLIN
    _OUT = select.EPOLLOUT
    _ERR = select.EPOLLERR | select.EPOLLHUP
else:  # pragma: no cover - non-Linux
    _IN = select.POLLIN
    _OUT = select.POLLOUT
    _ERR = select.POLLERR | select.POLLHUP


class Timer:
    __slots__ = ("when", "callback", "cancelled")

    def __init__(self, when: float, callback: Callable[[], Any]) -> None:
        self.when = when
        self.callback = callback
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True


class IOThread:
    """A thread running a readiness loop for engines, listeners, timers."""

    def __init__(self, name: str = "purezmq-io") -> None:
        self._poller: Any
        if hasattr(select, "epoll"):
            self._poller = select.epoll()
            self._poll_ms = False
        else:  # pragma: no cover
            self._poller = select.poll()
            self._poll_ms = True
        self._handlers: dict[int, _Handler] = {}
        self._masks: dict[int, int] = {}
        self._timers: list = []
        self._seq = itertools.count()
        self._mailbox: deque = deque()
        self._wake = Signaler()
        self._poller.register(self._wake.fileno(), _IN)
        self._running = True
        self._stopped = threading.Event()
        self.load = 0  # registered handlers, to pick the least busy thread
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    # -- thread-safe ---------------------------------------------------
    def post(self, fn: Callable, *args: Any) -> None:
        """Run fn(*args) on the I/O thread, in posting order."""
        self._mailbox.append((fn, args))
        self._wake.signal()

    def in_thread(self) -> bool:
        return threading.current_thread() is self._thread

    def stop(self, wait: bool = True) -> None:
        self.post(self._do_stop)
        if wait and not self.in_thread():
            self._stopped.wait()

    # -- I/O-thread only -----------------------------------------------
    def add_handler(self, fd: int, handler: Any, read: bool = True, write: bool = False) -> None:
        mask = (_IN if read else 0) | (_OUT if write else 0)
        self._handlers[fd] = handler
        self._masks[fd] = mask
        self._poller.register(fd, mask)
        self.load += 1

    def set_events(self, fd: int, read: bool, write: bool) -> None:
        mask = (_IN if read else 0) | (_OUT if write else 0)
        if self._masks.get(fd) != mask and fd in self._handlers:
            self._masks[fd] = mask
            self._poller.modify(fd, mask)

    def set_writable_interest(self, fd: int, on: bool) -> None:
        old = self._masks.get(fd)
        if old is None:
            return
        mask = (old | _OUT) if on else (old & ~_OUT)
        if mask != old:
            self._masks[fd] = mask
            self._poller.modify(fd, mask)

    def set_readable_interest(self, fd: int, on: bool) -> None:
        old = self._masks.get(fd)
        if old is None:
            return
        mask = (old | _IN) if on else (old & ~_IN)
        if mask != old:
            self._masks[fd] = mask
            self._poller.modify(fd, mask)

    def remove_handler(self, fd: int) -> None:
        if self._handlers.pop(fd, None) is not None:
            self._masks.pop(fd, None)
            self.load -= 1
            try:
                self._poller.unregister(fd)
            except (OSError, ValueError, KeyError):
                pass

    def call_later(self, delay: float, callback: Callable[[], Any]) -> Timer:
        t = Timer(_monotonic() + delay, callback)
        heapq.heappush(self._timers, (t.when, next(self._seq), t))
        return t

    # -- the loop ------------------------------------------------------
    def _do_stop(self) -> None:
        self._running = False

    def _drain_mailbox(self) -> None:
        self._wake.reset(drain=True)  # level-triggered: never leave it readable
        mb = self._mailbox
        while mb:
            fn, args = mb.popleft()
            try:
                fn(*args)
            except Exception:  # a bug in one handler must not kill the loop
                self._report()

    def _report(self) -> None:
        if not self._running:
            return
        sys.stderr.write("purezmq: unexpected error in I/O thread\n")
        traceback.print_exc()

    def _run(self) -> None:
        poller = self._poller
        handlers = self._handlers
        wake_fd = self._wake.fileno()
        timers = self._timers
        poll_ms = self._poll_ms
        try:
            while self._running:
                timeout: float = -1
                while timers:
                    when, _, t = timers[0]
                    if t.cancelled:
                        heapq.heappop(timers)
                        continue
                    now = _monotonic()
                    if when <= now:
                        heapq.heappop(timers)
                        try:
                            t.callback()
                        except Exception:
                            self._report()
                        continue
                    timeout = when - now
                    break
                if self._mailbox:
                    timeout = 0
                if poll_ms:  # pragma: no cover
                    events = poller.poll(-1 if timeout < 0 else int(timeout * 1000) + 1)
                else:
                    events = poller.poll(timeout)
                woke = False
                for fd, ev in events:
                    if fd == wake_fd:
                        woke = True
                        continue
                    h = handlers.get(fd)
                    if h is None:
                        continue
                    try:
                        if ev & (_IN | _ERR):
                            h.on_readable()
                            if ev & _OUT and handlers.get(fd) is h:
                                h.on_writable()
                        elif ev & _OUT:
                            h.on_writable()
                    except Exception:
                        self._report()
                if woke or self._mailbox:
                    self._drain_mailbox()
        finally:
            for h in list(handlers.values()):
                abandon = getattr(h, "abandon", None)  # half-closed sockets (closing.py)
                if abandon is not None:
                    abandon()
            self._wake.close()
            close = getattr(poller, "close", None)  # gevent's green poll has none
            if close is not None:
                close()
            self._stopped.set()
