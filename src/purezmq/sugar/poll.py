"""Poller and select(): wait on purezmq sockets, plain sockets and fds.

A purezmq socket is ready when its EVENTS say so; its `FD` (a wake-up fd
signalled on every state change) is what the OS waits on in between.
Anything else with `fileno()`, or a raw fd, is polled as the OS sees it.
"""

from __future__ import annotations

import select as _select
import time
from typing import Any

from ..constants import POLLERR, POLLIN, POLLOUT

_OS_IN = _select.POLLIN | _select.POLLPRI
_OS_OUT = _select.POLLOUT
_OS_ERR = _select.POLLERR | _select.POLLHUP | _select.POLLNVAL


def _core_of(obj: Any) -> Any:
    return getattr(obj, "_core", None)


def _fd_of(obj: Any) -> int:
    if isinstance(obj, int):
        return obj
    return obj.fileno()


class Poller:
    """pyzmq's zmq.Poller."""

    def __init__(self) -> None:
        self.sockets: list = []
        self._map: dict = {}

    def __contains__(self, socket: Any) -> bool:
        return socket in self._map

    def register(self, socket: Any, flags: int = POLLIN | POLLOUT) -> None:
        if flags:
            if socket in self._map:
                self.sockets[self._map[socket]] = (socket, flags)
            else:
                self._map[socket] = len(self.sockets)
                self.sockets.append((socket, flags))
        elif socket in self._map:
            self.unregister(socket)

    def modify(self, socket: Any, flags: int = POLLIN | POLLOUT) -> None:
        self.register(socket, flags)

    def unregister(self, socket: Any) -> None:
        idx = self._map.pop(socket)
        self.sockets.pop(idx)
        for s, i in list(self._map.items()):
            if i > idx:
                self._map[s] = i - 1

    def poll(self, timeout: float | None = None) -> list:
        """[(socket, events)] ready within `timeout` ms (None/-1: forever)."""
        if timeout is None or timeout < 0:
            deadline = None
        else:
            deadline = time.monotonic() + timeout / 1000.0
        return _poll(self.sockets, deadline)


def _poll(items: list, deadline: float | None) -> list:
    while True:
        ready = []
        os_poller = _select.poll()
        fd_items: dict = {}
        masks: dict = {}
        for obj, flags in items:
            core = _core_of(obj)
            if core is not None:
                ev = core.events() & flags
                if not ev and core.on_loops:  # connections may live on this loop
                    core.read_loop_connections()
                    ev = core.events() & flags
                if ev:
                    ready.append((obj, int(ev)))  # plain ints, as pyzmq
                else:
                    os_poller.register(core.fileno(), _select.POLLIN)
            else:
                mask = (_OS_IN if flags & POLLIN else 0) | (_OS_OUT if flags & POLLOUT else 0)
                fd = _fd_of(obj)
                # One registration per fd: the union of what its items want.
                masks[fd] = masks.get(fd, 0) | mask | _OS_ERR
                os_poller.register(fd, masks[fd])
                fd_items.setdefault(fd, []).append((obj, flags))
        timeout_ms: int | None = 0
        if not ready:
            if deadline is None:
                timeout_ms = None
            else:
                timeout_ms = max(0, int((deadline - time.monotonic()) * 1000 + 0.999))
        results = os_poller.poll(timeout_ms)
        for fd, revents in results:
            for obj, flags in fd_items.get(fd, ()):
                ev = 0
                if revents & _OS_IN and flags & POLLIN:
                    ev |= POLLIN
                if revents & _OS_OUT and flags & POLLOUT:
                    ev |= POLLOUT
                if revents & _OS_ERR:
                    ev |= POLLERR if flags & POLLERR else (flags & POLLIN)
                if ev:
                    ready.append((fd, int(ev)))  # pyzmq reports non-ØMQ items by fd
        if ready:
            return ready
        if deadline is not None and time.monotonic() >= deadline:
            return []


def zmq_poll(sockets: list, timeout: float | None = -1) -> list:
    """pyzmq's zmq.zmq_poll: [(socket, events)] from [(socket, flags)], timeout in ms."""
    if not sockets:
        return []
    deadline = None if timeout is None or timeout < 0 else time.monotonic() + timeout / 1000.0
    return _poll([(s, int(f)) for s, f in sockets], deadline)


def select(rlist: list, wlist: list, xlist: list, timeout: float | None = None) -> tuple:
    """pyzmq's zmq.select: like select.select, timeout in seconds."""
    if timeout is None:
        timeout = -1
    poller = Poller()
    for s in set(rlist) | set(wlist) | set(xlist):
        flags = 0
        if s in rlist:
            flags |= POLLIN
        if s in wlist:
            flags |= POLLOUT
        if s in xlist:
            flags |= POLLERR
        poller.register(s, flags)
    events = dict(poller.poll(timeout * 1000 if timeout >= 0 else None))
    # As pyzmq: ØMQ sockets come back as themselves, anything else as its fd.
    keys = [s if _core_of(s) is not None else _fd_of(s) for s in rlist + wlist + xlist]
    rkeys, wkeys, xkeys = keys[:len(rlist)], keys[len(rlist):len(rlist) + len(wlist)], \
        keys[len(rlist) + len(wlist):]
    return ([k for k in rkeys if events.get(k, 0) & POLLIN],
            [k for k in wkeys if events.get(k, 0) & POLLOUT],
            [k for k in xkeys if events.get(k, 0) & POLLERR])
