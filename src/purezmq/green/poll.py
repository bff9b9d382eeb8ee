"""Green Poller: polls without blocking, and waits in gevent's hub."""

from __future__ import annotations

import time

from gevent import select as _green_select

import purezmq
from purezmq.constants import POLLERR, POLLIN, POLLOUT


class Poller(purezmq.Poller):
    """purezmq's Poller whose poll() lets other greenlets run while it waits."""

    def poll(self, timeout: float | None = None) -> list:
        if timeout is None or timeout < 0:
            deadline = None
        else:
            deadline = time.monotonic() + timeout / 1000.0
        while True:
            events = super().poll(0)
            if events or timeout == 0:
                return events
            waits = self._descriptors()
            if waits is None:
                continue  # a socket became ready while we looked
            left = None
            if deadline is not None:
                left = deadline - time.monotonic()
                if left <= 0:
                    return []
            _green_select.select(*waits, left)

    def _descriptors(self) -> tuple | None:
        """What to wait on: each purezmq socket's FD (after reading its EVENTS,
        which clears a stale wake-up), the others' fds by their flags."""
        rlist, wlist, xlist = [], [], []
        for sock, flags in self.sockets:
            if isinstance(sock, purezmq.Socket):
                if sock._core.events() & flags:
                    return None
                rlist.append(sock._core.fileno())
                continue
            fd = sock if isinstance(sock, int) else sock.fileno()
            if flags & POLLIN:
                rlist.append(fd)
            if flags & POLLOUT:
                wlist.append(fd)
            if flags & POLLERR:
                xlist.append(fd)
        return rlist, wlist, xlist


