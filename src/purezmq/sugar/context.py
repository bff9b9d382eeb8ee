"""The public Context: pyzmq's zmq.Context over purezmq's context core.

Owns the pyzmq surface: `Context()` / `Context.instance()` / `socket()` /
`term()` / `destroy()`, context options, context-manager use, and the
weak set of sockets `destroy()` closes.  I/O threads, inproc and term
semantics live in `purezmq.core.context`.
"""

from __future__ import annotations

import errno
import os
import sys
import threading
import warnings
import weakref
from typing import Any

from ..constants import ContextOption, SocketOption
from ..core.context import ContextCore
from ..error import ZMQError


class Context:
    """A ØMQ context (pyzmq's zmq.Context)."""

    _instance: "Context | None" = None
    _instance_lock = threading.Lock()
    _instance_pid: int | None = None
    _socket_class: Any = None  # set below to Socket; subclasses may override
    _shadow = False

    def __init__(self, io_threads: int = 1, shadow: Any = 0) -> None:
        if isinstance(io_threads, Context):
            self._core = io_threads._core
            self._shadow = True
        else:
            if not isinstance(io_threads, int) or io_threads < 0:
                raise ZMQError(errno.EINVAL)
            self._core = ContextCore(io_threads)
        self._sockets: weakref.WeakSet = weakref.WeakSet()
        self._sockopts: dict = {}
        self._pid = os.getpid()

    @classmethod
    def instance(cls, io_threads: int = 1) -> "Context":
        """A process-wide shared context (thread-safe; new after fork/term)."""
        inst = cls._instance
        if inst is None or inst.closed or cls._instance_pid != os.getpid():
            with cls._instance_lock:
                inst = cls._instance
                if inst is None or inst.closed or cls._instance_pid != os.getpid():
                    inst = cls(io_threads)
                    cls._instance = inst
                    cls._instance_pid = os.getpid()
        return inst

    @classmethod
    def shadow(cls, address: Any) -> "Context":
        if isinstance(address, Context):
            return cls(address)
        raise TypeError("purezmq can only shadow purezmq contexts")

    @property
    def underlying(self) -> Any:
        return self._core

    @property
    def closed(self) -> bool:
        return self._core.terminated

    def __enter__(self) -> "Context":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.destroy()  # as pyzmq 27: sockets left open are closed

    def __del__(self) -> None:
        # As pyzmq: a context dropped without term() is destroyed, with a
        # ResourceWarning, so its I/O threads and fds do not leak.
        try:
            if self._shadow or self.closed or self._core.terminating:
                return
        except AttributeError:
            return
        if sys.is_finalizing():
            return
        warnings.warn(f"Unclosed context {self}", ResourceWarning, stacklevel=2, source=self)
        try:
            self.destroy()
        except Exception:
            pass

    def __repr__(self) -> str:
        closed = " closed" if self.closed else ""
        return f"<{type(self).__module__}.{type(self).__name__}(1 sockets) at {hex(id(self))}{closed}>" \
            .replace("(1 sockets)", f"({len(self._sockets)} sockets)")

    # -- sockets ---------------------------------------------------------------
    def socket(self, socket_type: int, socket_class: Any = None, **kwargs: Any) -> Any:
        if self.closed:
            raise ZMQError(errno.ENOTSUP)  # as pyzmq, for a terminated context
        cls = socket_class or self._socket_class
        s = cls(self, socket_type, **kwargs)
        for opt, value in self._sockopts.items():
            try:
                s.setsockopt(opt, value)
            except ZMQError as e:
                if e.errno != errno.EINVAL:
                    raise
        return s

    def _add_socket(self, socket: Any) -> None:
        self._sockets.add(socket)

    def _rm_socket(self, socket: Any) -> None:
        self._sockets.discard(socket)

    # -- options ---------------------------------------------------------------
    def set(self, option: int, optval: Any) -> None:
        core = self._core
        if option == ContextOption.IO_THREADS:
            if not isinstance(optval, int) or optval < 0:
                raise ZMQError(errno.EINVAL)
            core.io_thread_count = optval
        elif option in (ContextOption.MAX_SOCKETS,):
            if not isinstance(optval, int) or optval < 1:
                raise ZMQError(errno.EINVAL)
            core.max_sockets = optval
        else:
            core.ctx_options = getattr(core, "ctx_options", {})
            if option not in _CTX_DEFAULTS:
                raise ZMQError(errno.EINVAL)
            core.ctx_options[option] = optval
            if option == SocketOption.IPV6:
                core.ipv6 = int(bool(optval))
            elif option == SocketOption.BLOCKY:
                core.blocky = int(bool(optval))

    def get(self, option: int) -> Any:
        core = self._core
        if option == ContextOption.IO_THREADS:
            return core.io_thread_count
        if option == ContextOption.MAX_SOCKETS:
            return core.max_sockets
        if option == ContextOption.SOCKET_LIMIT:
            return 65535
        if option in _CTX_DEFAULTS:
            return getattr(core, "ctx_options", {}).get(option, _CTX_DEFAULTS[option])
        raise ZMQError(errno.EINVAL)

    def setsockopt(self, opt: int, value: Any) -> None:
        """Default option for sockets created later (pyzmq behaviour)."""
        self._sockopts[opt] = value

    def getsockopt(self, opt: int) -> Any:
        return self._sockopts[opt]

    def __setattr__(self, key: str, value: Any) -> None:
        if key.startswith("_") or key in type(self).__dict__ or key in self.__dict__:
            object.__setattr__(self, key, value)
            return
        upper = key.upper()
        if upper in ContextOption.__members__:
            self.set(ContextOption[upper], value)
        elif upper in SocketOption.__members__:
            self.setsockopt(SocketOption[upper], value)
        else:
            object.__setattr__(self, key, value)

    def __getattr__(self, key: str) -> Any:
        if key.startswith("_"):
            raise AttributeError(key)
        upper = key.upper()
        if upper in ContextOption.__members__:
            return self.get(ContextOption[upper])
        if upper in SocketOption.__members__:
            opt = SocketOption[upper]
            if opt in self._sockopts:
                return self._sockopts[opt]
        raise AttributeError(f"{type(self).__name__} has no attribute {key!r}")

    # -- termination -----------------------------------------------------------
    def term(self) -> None:
        """Wait until every socket is closed and flushed, then release all."""
        if self._shadow:
            return
        self._core.term()

    def destroy(self, linger: int | None = None) -> None:
        """Close every socket of this context (with `linger`), then term()."""
        if self.closed:
            return
        for s in list(self._sockets):
            if not s.closed:
                s.close(linger=linger)
        for core in list(self._core.sockets):
            core.close(linger)
        self.term()


# libzmq's context options that purezmq stores but that change nothing it
# does (thread scheduling), or whose effect is read elsewhere (BLOCKY).
# BLOCKY and IPV6 share their numbers with the socket options of that name.
_CTX_DEFAULTS = {
    SocketOption.BLOCKY: 1,
    SocketOption.IPV6: 0,
    ContextOption.THREAD_SCHED_POLICY: -1,
    ContextOption.MAX_MSGSZ: 2**31 - 1,
    ContextOption.MSG_T_SIZE: 64,
    ContextOption.THREAD_NAME_PREFIX: 0,
}
