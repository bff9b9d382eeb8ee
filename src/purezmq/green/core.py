"""Green Context and Socket: every blocking call becomes a non-blocking try
plus a wait on the socket's FD in gevent's hub.

purezmq's FD follows libzmq's contract (readable when the socket's state
may have changed, and it stays readable while POLLIN holds), so the wait is:
try with DONTWAIT; on EAGAIN read EVENTS (which also clears a stale wake-up)
and, if the wanted event is still missing, wait for the FD, then try again.
"""

from __future__ import annotations

import errno
import time
import warnings
from typing import Any, Callable

import gevent
from gevent.hub import get_hub
from gevent.socket import wait as _wait_watcher

import purezmq
from purezmq.constants import DONTWAIT, POLLIN, POLLOUT, RCVTIMEO, SNDTIMEO
from purezmq.error import Again, ZMQError


_TIMEO_NOTE = ("purezmq.green honours RCVTIMEO and SNDTIMEO (a blocked greenlet gets "
               "zmq.Again), unlike pyzmq's zmq.green, which ignores them")


class _WaitTimedOut(Exception):
    """gevent's wait ran out of time (turned into zmq's Again)."""


class Socket(purezmq.Socket):
    """A purezmq socket whose blocking calls yield to other greenlets."""

    _repr_cls = "zmq.green.Socket"

    def _cooperate(self, event: int, timeout_option: int, flags: int,
                   attempt: Callable[[int], Any]) -> Any:
        if flags & DONTWAIT:
            return attempt(flags)
        flags |= DONTWAIT
        deadline: float | None = None
        first = True
        while True:
            try:
                return attempt(flags)
            except Again:
                pass
            if first:
                first = False
                timeout_ms = self._core.getsockopt(timeout_option)
                if timeout_ms == 0:
                    raise Again()
                if timeout_ms > 0:
                    deadline = time.monotonic() + timeout_ms / 1000.0
            if self._core.events() & event:
                continue  # ready already (the FD might not say so again)
            left = None
            if deadline is not None:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise Again()
            watcher = get_hub().loop.io(self._core.fileno(), 1)
            self._watchers.add(watcher)
            try:
                _wait_watcher(watcher, timeout=left, timeout_exc=_WaitTimedOut)
            except _WaitTimedOut:
                pass  # one last try, then Again
            finally:
                self._watchers.discard(watcher)
                watcher.close()

    # pyzmq's green sockets warn that these options do nothing there; ours
    # honour them, and still warn once per use so that code written for
    # pyzmq learns of the difference.
    def setsockopt(self, option: int, optval: Any) -> None:
        if option in (RCVTIMEO, SNDTIMEO):
            warnings.warn(_TIMEO_NOTE, UserWarning, stacklevel=2)
        super().setsockopt(option, optval)

    def getsockopt(self, option: int) -> Any:
        if option in (RCVTIMEO, SNDTIMEO):
            warnings.warn(_TIMEO_NOTE, UserWarning, stacklevel=2)
        return super().getsockopt(option)

    set = setsockopt
    get = getsockopt

    def close(self, linger: int | None = None) -> None:
        # Greenlets waiting on this socket get ENOTSOCK now, as with pyzmq's
        # green sockets (their FD is about to go away under the wait).
        hub = get_hub()
        for watcher in list(self._watchers):
            hub.cancel_wait(watcher, ZMQError(errno.ENOTSOCK))
        super().close(linger)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        object.__setattr__(self, "_watchers", set())  # greenlets waiting on our FD
        # The sugar's helpers (send_string, recv_json, recv_into, ...) all go
        # through _send/_recv, which the base class binds to the core's
        # blocking calls: bind the green ones instead.
        object.__setattr__(self, "_send", self._green_send)
        object.__setattr__(self, "_recv", self._green_recv)

    def _green_send(self, data: Any, flags: int = 0, copy: bool = True, track: bool = False,
              routing_id: Any = None, group: Any = None) -> Any:
        core_send = self._core.send
        return self._cooperate(POLLOUT, SNDTIMEO, flags,
                               lambda f: core_send(data, f, copy, track, routing_id, group))

    def _green_recv(self, flags: int = 0, copy: bool = True, track: bool = False) -> Any:
        core_recv = self._core.recv
        return self._cooperate(POLLIN, RCVTIMEO, flags, lambda f: core_recv(f, copy, track))

    # Overridden so that the base class does not bind the core's calls over them.
    def send(self, data: Any, flags: int = 0, copy: bool = True, track: bool = False,
             routing_id: Any = None, group: Any = None) -> Any:
        return self._green_send(data, flags, copy, track, routing_id, group)

    def recv(self, flags: int = 0, copy: bool = True, track: bool = False) -> Any:
        return self._green_recv(flags, copy, track)

    def send_multipart(self, msg_parts: Any, flags: int = 0, copy: bool = True,
                       track: bool = False, **kwargs: Any) -> Any:
        # A whole message goes at once or not at all: retrying it is safe.
        send = super().send_multipart
        return self._cooperate(POLLOUT, SNDTIMEO, flags,
                               lambda f: send(msg_parts, f, copy, track, **kwargs))

    def recv_multipart(self, flags: int = 0, copy: bool = True, track: bool = False) -> list:
        recv = super().recv_multipart
        return self._cooperate(POLLIN, RCVTIMEO, flags, lambda f: recv(f, copy, track))

    def poll(self, timeout: int | None = None, flags: int = POLLIN) -> int:
        from .poll import Poller

        if self.closed:
            return super().poll(0, flags)  # pyzmq's error for a closed socket
        p = Poller()
        p.register(self, flags)
        return dict(p.poll(timeout)).get(self, 0)


class Context(purezmq.Context):
    """A purezmq Context making green sockets."""

    _socket_class = Socket
    _repr_cls = "zmq.green.Context"
    _instance = None  # not shared with purezmq.Context.instance()

    def term(self) -> None:
        """Wait for the sockets' closing in the hub, so that greenlets blocked
        on them (which now raise ContextTerminated) can close them."""
        if not self.closed:
            core = self._core
            core.begin_term()
            while core.sockets:
                gevent.sleep(0.005)
        super().term()
