"""The context: I/O threads, the inproc registry, the set of sockets, term.

Owns what sockets of one context share.  I/O threads start lazily, with
the first endpoint that needs one.  `term()` follows libzmq: sockets
blocked in a call wake with ETERM, then term waits until every socket is
closed and every session has finished lingering, then stops the threads.
"""

from __future__ import annotations

import errno
import os
import threading
import weakref
from typing import Any

from ..error import ContextTerminated, ZMQError
from ..reactor.io_thread import IOThread
from ..transport.inproc import InprocRegistry


FORKED_AWAY = ("purezmq object of the parent process: after fork() the child "
                "must make its own Context")
_live: "weakref.WeakSet[ContextCore]" = weakref.WeakSet()


def _after_fork_in_child() -> None:
    """A forked child has none of the parent's I/O threads: every context
    it inherited is dead there, and says so clearly when used."""
    for ctx in list(_live):
        ctx._forked_away()


os.register_at_fork(after_in_child=_after_fork_in_child)


class ContextCore:
    def __init__(self, io_threads: int = 1) -> None:
        _live.add(self)
        self.forked = False
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)
        self.sockets: set = set()
        self.inproc = InprocRegistry()
        self.io_thread_count = io_threads
        self.max_sockets = 1023
        self._io_threads: list[IOThread] = []
        self._drivers: dict = {}
        self._io_objects = 0
        self.terminating = False
        self.terminated = False
        self.ipv6 = 0
        self.blocky = 1

    # -- sockets -------------------------------------------------------------
    def create_socket(self, socket_type: int) -> Any:
        from ..patterns.registry import SOCKET_CLASSES

        cls = SOCKET_CLASSES.get(socket_type)  # type: ignore[call-overload]
        if cls is None:
            raise ZMQError(errno.EINVAL)
        with self._lock:
            if self.forked:
                raise ZMQError(errno.ENOTSUP, FORKED_AWAY)
            if self.terminating:
                raise ContextTerminated()
            if len(self.sockets) >= self.max_sockets:
                raise ZMQError(errno.EMFILE)
        sock = cls(self)
        # libzmq: new sockets take IPV6 from the context, and BLOCKY=0 makes
        # their default LINGER 0 (except where the type has its own, XSUB's).
        if self.ipv6:
            sock.options.ipv6 = 1
        if not self.blocky and sock.options.linger == -1:
            sock.options.linger = 0
        with self._lock:
            self.sockets.add(sock)
        return sock

    def _socket_closed(self, sock: Any) -> None:
        with self._cond:
            self.sockets.discard(sock)
            self._cond.notify_all()

    # -- I/O threads and the objects living on them ----------------------------
    def io_driver(self) -> Any:
        """A driver for the least busy I/O thread (started on first use)."""
        from ..engine.drivers import ThreadDriver

        with self._lock:
            if self.terminated:
                raise ContextTerminated()
            if len(self._io_threads) < max(1, self.io_thread_count):
                t = IOThread(f"purezmq-io-{len(self._io_threads)}")
                self._io_threads.append(t)
                self._drivers[t] = ThreadDriver(t)
                return self._drivers[t]
            t = min(self._io_threads, key=lambda t: t.load)
            return self._drivers[t]

    def _io_object_started(self) -> None:
        with self._lock:
            self._io_objects += 1

    def _io_object_done(self) -> None:
        with self._cond:
            self._io_objects -= 1
            self._cond.notify_all()

    # -- termination -------------------------------------------------------------
    def _forked_away(self) -> None:
        """In a forked child: locks may be held by threads that do not
        exist here, so everything is replaced, nothing waited for."""
        self.forked = True
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)
        self._io_threads = []
        self._io_objects = 0
        for sock in list(self.sockets):
            sock.forked_away()
        self.sockets = set()
        self.terminated = True

    def begin_term(self) -> None:
        """term()'s first half, which never blocks: every socket learns of it
        (blocked calls raise ContextTerminated)."""
        with self._lock:
            if self.terminated:
                return
            self.terminating = True
            sockets = list(self.sockets)
        for sock in sockets:
            sock.context_terminated()

    def term(self) -> None:
        self.begin_term()
        if self.terminated:
            return
        with self._cond:
            while self.sockets:
                self._cond.wait(0.1)
            while self._io_objects > 0:
                self._cond.wait(0.1)
            threads = self._io_threads
            self._io_threads = []
            self.terminated = True
        for t in threads:
            t.stop()
