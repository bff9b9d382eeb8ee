"""The public Context: pyzmq's zmq.Context over purezmq's context core.

Owns the pyzmq surface: `Context()` / `Context.instance()` / `socket()` /
`term()` / `destroy()`, context options, context-manager use, and the
weak set of sockets `destroy()` closes.  I/O threads, inproc and term
semantics live in `purezmq.core.context`.
"""

from __future__ import annotations

import types

import errno
import os
import sys
import threading
import warnings
import weakref
from typing import Any

from ..constants import ContextOption, SocketOption
from ..core.context import FORKED_AWAY, ContextCore
from ..error import ZMQError


class Context:
    """A ØMQ context (pyzmq's zmq.Context)."""

    # pyzmq's Context is Generic: annotations say zmq.Context[zmq.Socket].
    __class_getitem__: Any = classmethod(types.GenericAlias)

    _instance: "Context | None" = None
    _instance_lock = threading.Lock()
    _instance_pid: int | None = None
    _socket_class: Any = None  # set below to Socket; subclasses may override
    _shadow = False
    _shadow_obj: Any = None  # what a shadow shares, kept alive (as pyzmq)
    _core: ContextCore

    def __init__(self, io_threads: int | Context | ContextCore = 1, shadow: Any = 0) -> None:
        if shadow:
            io_threads = shadow
        if isinstance(io_threads, Context):
            self._core = io_threads._core
            self._shadow = True
            self._shadow_obj = io_threads  # kept alive, as pyzmq
        elif isinstance(io_threads, ContextCore):
            # Another wrapper's `underlying`: pyzmq code shadows by address.
            self._core = io_threads
            self._shadow = True
            self._shadow_obj = io_threads
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
        if inst is None or inst._core.terminated or cls._instance_pid != os.getpid():
            with cls._instance_lock:
                inst = cls._instance
                if inst is None or inst._core.terminated or cls._instance_pid != os.getpid():
                    inst = cls(io_threads)
                    cls._instance = inst
                    cls._instance_pid = os.getpid()
        return inst

    @classmethod
    def shadow(cls, address: Any) -> "Context":
        """A context sharing `address`: a purezmq Context or its `underlying`."""
        if isinstance(address, (Context, ContextCore)):
            return cls(address)
        raise TypeError("purezmq can only shadow purezmq contexts")

    @property
    def underlying(self) -> Any:
        return self._core

    @property
    def closed(self) -> bool:
        # Closed by this object's own term(), as pyzmq: when a shadow ends
        # the shared context the others stay open and socket() says EFAULT.
        return self.__dict__.get("_closed", False)

    def __copy__(self, memo: Any = None) -> "Context":
        """A copy of a context is a shadow of it (as pyzmq)."""
        return type(self).shadow(self._core)

    __deepcopy__ = __copy__

    def __dir__(self) -> list:
        return sorted(set(dir(type(self))) | set(self.__dict__) | set(ContextOption.__members__))

    def __enter__(self) -> "Context":
        return self

    def __exit__(self, *exc: Any) -> None:
        # As pyzmq 27: sockets left open are closed, each with a warning.
        self._warn_destroy_close = True
        self.destroy()

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
        self._warn_destroy_close = True
        try:
            self.destroy()
        except Exception:
            pass

    _repr_cls = "zmq.Context"  # pyzmq's repr, read on the exact class only

    def __repr__(self) -> str:
        cls = type(self)
        name = cls.__dict__.get("_repr_cls") or f"{cls.__module__}.{cls.__name__}"
        n = len(self._sockets)
        sockets = f"{n} socket{'s' if n > 1 else ''}" if n else ""
        closed = " closed" if self.closed else ""
        return f"<{name}({sockets}) at {hex(id(self))}{closed}>"

    # -- sockets ---------------------------------------------------------------
    def socket(self, socket_type: int, socket_class: Any = None, **kwargs: Any) -> Any:
        if self._core.forked:
            raise ZMQError(errno.ENOTSUP, FORKED_AWAY)
        if self.closed:
            raise ZMQError(errno.ENOTSUP)  # as pyzmq, for a terminated context
        if self._core.terminated:
            raise ZMQError(errno.EFAULT)  # a shadow of one: libzmq's dead context
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
        """zmq_ctx_set: the value is a C int, checked as libzmq does."""
        if self.closed:
            raise RuntimeError("Context has been destroyed")  # as pyzmq
        if isinstance(optval, str) or not isinstance(optval, int):
            raise TypeError(f"expected int, got: {optval!r}")
        if not -(1 << 31) <= optval < (1 << 31):
            raise OverflowError("value too large to convert to int")
        row = _CTX_OPTIONS.get(option)
        if row is None or row[1] is None or not row[1](optval):
            raise ZMQError(errno.EINVAL)
        core = self._core
        stored = _stored_options(core)
        if option == ContextOption.THREAD_AFFINITY_CPU_ADD:
            stored.setdefault(option, set()).add(optval)
        elif option == ContextOption.THREAD_AFFINITY_CPU_REMOVE:
            cpus = stored.get(ContextOption.THREAD_AFFINITY_CPU_ADD, set())
            if optval not in cpus:
                raise ZMQError(errno.EINVAL)  # libzmq: not in the set
            cpus.discard(optval)
        elif option in _CTX_BOOLS:
            setattr(core, _CTX_BOOLS[option], int(optval != 0))
        elif option == ContextOption.IO_THREADS:
            core.io_thread_count = optval
        elif option == ContextOption.MAX_SOCKETS:
            core.max_sockets = optval
        elif option == ContextOption.THREAD_PRIORITY:
            stored["thread_priority"] = optval  # write-only; 3 reads SOCKET_LIMIT
        elif option == _ZERO_COPY_RECV:
            stored[option] = int(optval != 0)
        else:
            stored[option] = optval

    def get(self, option: int) -> Any:
        """zmq_ctx_get."""
        if self.closed:
            raise RuntimeError("Context has been destroyed")  # as pyzmq
        core = self._core
        if option in _CTX_BOOLS:
            return getattr(core, _CTX_BOOLS[option])
        if option == ContextOption.IO_THREADS:
            return core.io_thread_count
        if option == ContextOption.MAX_SOCKETS:
            return core.max_sockets
        row = _CTX_OPTIONS.get(option)
        if row is None or row[0] is None:
            raise ZMQError(errno.EINVAL)
        if option == ContextOption.SOCKET_LIMIT:
            return row[0]
        return _stored_options(core).get(option, row[0])

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
            try:
                return self.get(ContextOption[upper])
            except ZMQError as e:
                if e.errno == errno.EINVAL:  # as pyzmq
                    raise AttributeError(f"{upper} attribute is write-only") from None
                raise
        if upper in SocketOption.__members__:
            opt = SocketOption[upper]
            if opt in self._sockopts:
                return self._sockopts[opt]
        raise AttributeError(f"{type(self).__name__} has no attribute {key!r}")

    # -- termination -----------------------------------------------------------
    def term(self) -> None:
        """Wait until every socket is closed and flushed, then release all.

        On a shadow too, as pyzmq: it ends the context it shares."""
        if self.closed:
            return
        self._core.term()
        self._closed = True

    def destroy(self, linger: int | None = None) -> None:
        """Close every socket of this context (with `linger`), then term()."""
        if self.closed:
            return
        for s in list(self._sockets):
            if not s.closed:
                if getattr(self, "_warn_destroy_close", False) and not sys.is_finalizing():
                    warnings.warn(f"Destroying context with unclosed socket {s}",
                                  ResourceWarning, stacklevel=3, source=s)
                s.close(linger=linger)
        for core in list(self._core.sockets):
            core.close(linger)
        self.term()


# libzmq 4.3.5's context options: option -> (default when read, or None
# if it cannot be read; what a valid new value is, or None if read-only).
# Most only store a value here: thread scheduling, MAX_MSGSZ, the zero-copy
# hint change nothing purezmq does.  IPV6 and BLOCKY share their numbers
# with the socket options and live on the core (new sockets read them).
_ZERO_COPY_RECV = 10  # not in pyzmq's ContextOption, but libzmq has it
_non_negative = (lambda v: v >= 0)
_CTX_OPTIONS: dict = {
    ContextOption.IO_THREADS: (1, _non_negative),
    ContextOption.MAX_SOCKETS: (1023, lambda v: v >= 1),
    # 3 is both SOCKET_LIMIT (read) and THREAD_PRIORITY (write)
    ContextOption.SOCKET_LIMIT: (65535, _non_negative),
    ContextOption.THREAD_SCHED_POLICY: (-1, _non_negative),
    ContextOption.MAX_MSGSZ: (2**31 - 1, _non_negative),
    ContextOption.MSG_T_SIZE: (64, None),  # sizeof(zmq_msg_t)
    ContextOption.THREAD_AFFINITY_CPU_ADD: (None, _non_negative),
    ContextOption.THREAD_AFFINITY_CPU_REMOVE: (None, _non_negative),
    # an int prefix, read back as that int (libzmq keeps it as text)
    ContextOption.THREAD_NAME_PREFIX: (0, lambda v: True),
    _ZERO_COPY_RECV: (1, _non_negative),
    SocketOption.IPV6: (0, _non_negative),
    SocketOption.BLOCKY: (1, _non_negative),
}


def _stored_options(core: Any) -> dict:
    """The context options kept only for reading back, on the core (which
    shadow contexts share)."""
    try:
        return core.ctx_options
    except AttributeError:
        core.ctx_options = {}
        return core.ctx_options


# stored as 0/1 on the core, under these names
_CTX_BOOLS: dict[int, str] = {SocketOption.IPV6: "ipv6", SocketOption.BLOCKY: "blocky"}
