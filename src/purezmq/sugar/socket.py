"""The public Socket: pyzmq's zmq.Socket over purezmq's socket core.

Owns the Python-facing surface only: argument types and the TypeErrors
pyzmq raises, copy/track/Frame handling, attribute-style options
(`sock.linger = 0`), string/JSON/pickle helpers, bind_to_random_port,
context managers.  Everything with semantics is delegated to the core
socket (`purezmq.core.socket.SocketBase` and its pattern subclasses).
"""

from __future__ import annotations

import errno
import types
import json
import pickle
import random
import sys
import warnings
from typing import Any, Callable, Sequence

from ..constants import (
    COPY_THRESHOLD, DONTWAIT, POLLIN, RCVMORE, SNDMORE, SocketOption, SocketType,
)
from ..constants import IPC_PATH_MAX_LEN, OPTION_TYPES
from ..error import ZMQBindError, ZMQError
from ..core.socket import SocketBase
from .frame import Frame, MessageTracker, received_frame
from .tracker import tracked



def _option_number(name: str) -> int | None:
    """The option an attribute name stands for (any constant, as pyzmq)."""
    from .. import constants

    value = getattr(constants, name.upper(), None)
    return int(value) if isinstance(value, int) else None


def _as_frame(data: Any, copy: bool) -> Any:
    """A payload the core can queue: bytes, or a stable bytes-like view."""
    cls = data.__class__
    if cls is bytes:
        return data
    if cls is Frame:
        return data._data
    if isinstance(data, str):
        raise TypeError("unicode not allowed, use send_string")
    if isinstance(data, Frame):
        return data._data
    try:
        view = memoryview(data)
    except TypeError:
        raise TypeError(f"{data!r} does not provide a buffer interface.") from None
    if not view.contiguous:
        raise ValueError("a message frame must be a contiguous buffer")
    if copy or view.nbytes < COPY_THRESHOLD:
        # The caller may reuse a mutable buffer at once: take a snapshot (as
        # pyzmq does even with copy=False below its copy threshold).
        return view.tobytes()
    return view.cast("B") if view.format != "B" or view.ndim != 1 else view


def _explain_address_error(e: ZMQError, addr: Any) -> None:
    """pyzmq's messages for a failed bind/connect: the ipc path's problem
    spelled out, and the address appended (same errno)."""
    text = addr.decode("utf-8", "replace") if isinstance(addr, bytes) else str(addr)
    path = text.split("://", 1)[-1]
    if e.errno == errno.ENAMETOOLONG and text.startswith("ipc://"):
        e.strerror = (f'ipc path "{path}" is longer than {IPC_PATH_MAX_LEN} characters '
                      "(sizeof(sockaddr_un.sun_path)). zmq.IPC_PATH_MAX_LEN constant can be "
                      "used to check addr length (if it is defined).")
    elif e.errno == errno.ENOENT and text.startswith("ipc://"):
        e.strerror = f'No such file or directory for ipc path "{path}".'
    e.strerror += f" (addr={addr!r})"


class _EndpointContext:
    """What bind()/connect() return: usable as `with sock.bind(url):`."""

    def __init__(self, socket: "Socket", kind: str, addr: str) -> None:
        self.socket = socket
        self.kind = kind
        self.addr = addr

    def __repr__(self) -> str:
        return f"<SocketContext({self.kind}={self.addr!r})>"  # as pyzmq

    def __enter__(self) -> "Socket":
        return self.socket

    def __exit__(self, *exc: Any) -> None:
        if self.socket.closed:
            return
        try:
            if self.kind == "bind":
                self.socket.unbind(self.addr)
            else:
                self.socket.disconnect(self.addr)
        except ZMQError:
            pass


def _socket_type_arg(value: Any) -> int:
    """The socket type as pyzmq's C-int parameter takes it: a wrong type is a
    TypeError (not libzmq's EINVAL, which stays for unknown numbers)."""
    if isinstance(value, float):
        value = int(value)
    elif not isinstance(value, int):
        if not hasattr(type(value), "__index__"):
            raise TypeError("an integer is required")
        value = value.__index__()
    if value < 0:
        raise TypeError("socket_type must be specified")
    if value >= 1 << 31:
        raise OverflowError("value too large to convert to int")
    return int(value)


def _tracked_frame(data: Any, copy: bool, threshold: int = COPY_THRESHOLD) -> tuple:
    """(frame, tracker) for a send with track=True, as pyzmq: a copied send
    has no tracker, a zero-copy one below the socket's copy_threshold a
    finished tracker."""
    if isinstance(data, Frame):
        if data.tracker is None:
            raise ValueError("Not a tracked message")
        return data._data, data.tracker
    if isinstance(data, str):
        raise TypeError("unicode not allowed, use send_string")
    if copy:
        return _as_frame(data, True), None
    try:
        return tracked(data, None, threshold)
    except TypeError:
        raise TypeError(f"{data!r} does not provide a buffer interface.") from None


def _tracked_parts(msg_parts: Sequence[Any], copy: bool, threshold: int = COPY_THRESHOLD) -> tuple:
    """(frames, tracker covering all of them) for send_multipart(track=True)."""
    parts, trackers = [], []
    for part in msg_parts:
        frame, tracker = _tracked_frame(part, copy, threshold)
        parts.append(frame)
        if tracker is not None:
            trackers.append(tracker)
    return parts, (MessageTracker(*trackers) if trackers else None)


class Socket:
    """A ØMQ socket (pyzmq's zmq.Socket)."""

    # pyzmq's Socket is Generic: annotations say zmq.Socket[bytes].
    __class_getitem__: Any = classmethod(types.GenericAlias)

    _shadow = False
    _monitor_socket: Any = None

    def __init__(self, ctx_or_socket: Any = None, socket_type: int = 0, *,
                 shadow: Any = 0, copy_threshold: int | None = None) -> None:
        from .context import Context

        if shadow:
            ctx_or_socket = shadow
        if isinstance(ctx_or_socket, Socket):
            # Shadowing another purezmq socket: share its core.
            object.__setattr__(self, "_core", ctx_or_socket._core)
            object.__setattr__(self, "context", ctx_or_socket.context)
            object.__setattr__(self, "_shadow", True)
            object.__setattr__(self, "_shadow_obj", ctx_or_socket)  # kept alive, as pyzmq
        elif isinstance(ctx_or_socket, SocketBase):
            # Another wrapper's `underlying`: pyzmq code shadows by address.
            object.__setattr__(self, "_core", ctx_or_socket)
            object.__setattr__(self, "context", Context(shadow=ctx_or_socket.ctx))
            object.__setattr__(self, "_shadow", True)
            object.__setattr__(self, "_shadow_obj", ctx_or_socket)
        elif shadow:
            raise TypeError("purezmq can only shadow purezmq sockets")
        else:
            ctx = ctx_or_socket if ctx_or_socket is not None else Context.instance()
            if not isinstance(ctx, Context):
                raise TypeError(f"expected a purezmq Context, got {ctx!r}")
            object.__setattr__(self, "context", ctx)
            object.__setattr__(self, "_core",
                               ctx._core.create_socket(_socket_type_arg(socket_type)))
            ctx._add_socket(self)
        core = self._core
        object.__setattr__(self, "socket_type", core.socket_type)
        if copy_threshold is not None:
            core.copy_threshold = copy_threshold
        object.__setattr__(self, "_send", core.send)
        object.__setattr__(self, "_recv", core.recv)
        # The core's send/recv take pyzmq's signature: unless a subclass
        # overrides them, calls go straight there (one call less a message).
        cls = type(self)
        if cls.send is Socket.send:
            object.__setattr__(self, "send", core.send)
        if cls.recv is Socket.recv:
            object.__setattr__(self, "recv", core.recv)

    def __copy__(self, memo: Any = None) -> "Socket":
        """A copy of a socket is a shadow of it (as pyzmq)."""
        return type(self).shadow(self._core)

    __deepcopy__ = __copy__

    @property
    def copy_threshold(self) -> int:
        """Below this size a copy=False send copies (and its tracker is done)."""
        return self._core.copy_threshold

    @copy_threshold.setter
    def copy_threshold(self, value: int) -> None:
        self._core.copy_threshold = int(value)

    @classmethod
    def shadow(cls, address: Any) -> "Socket":
        """A socket of this class sharing `address` (a purezmq socket)."""
        return cls(shadow=address)

    # -- identity ------------------------------------------------------------
    @property
    def underlying(self) -> Any:
        return self._core

    @property
    def closed(self) -> bool:
        return self._core.closed

    def fileno(self) -> int:
        return self._core.fileno()

    _repr_cls = "zmq.Socket"  # pyzmq's repr, read on the exact class only

    def __repr__(self) -> str:
        try:
            name = SocketType(self.socket_type).name
        except ValueError:
            name = str(self.socket_type)
        cls = type(self)
        shown = cls.__dict__.get("_repr_cls") or f"{cls.__module__}.{cls.__name__}"
        closed = " closed" if self.closed else ""
        return f"<{shown}(zmq.{name}) at {hex(id(self))}{closed}>"

    def __dir__(self) -> list:
        return sorted(set(dir(type(self))) | set(self.__dict__) | set(SocketOption.__members__))

    def __enter__(self) -> "Socket":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            if self._shadow or self._core.closed:
                return
        except AttributeError:
            return
        if not sys.is_finalizing():
            warnings.warn(f"Unclosed socket {self}", ResourceWarning, stacklevel=2, source=self)
        try:
            self._core.close()
        except Exception:
            pass

    def close(self, linger: int | None = None) -> None:
        if self.context is not None:
            self.context._rm_socket(self)
        self._core.close(linger)

    # -- monitoring ----------------------------------------------------------
    def monitor(self, addr: str | bytes | None, events: int = 0xFFFF) -> None:
        """Publish this socket's events on a PAIR bound to `addr` (inproc)."""
        if addr is not None:
            addr = self._addr(addr)
        self._core.start_monitor(addr, int(events))

    def get_monitor_socket(self, events: int | None = None, addr: str | None = None) -> "Socket":
        """A PAIR socket, connected and receiving this socket's events."""
        mon = self._monitor_socket
        if mon is not None and not mon.closed:
            return mon
        if addr is None:
            addr = f"inproc://monitor.s-{id(self._core)}"
        self.monitor(addr, 0xFFFF if events is None else events)
        mon = self.context.socket(SocketType.PAIR)
        mon.connect(addr)
        object.__setattr__(self, "_monitor_socket", mon)
        return mon

    def disable_monitor(self) -> None:
        object.__setattr__(self, "_monitor_socket", None)
        self._core.start_monitor(None, 0)

    # -- endpoints -----------------------------------------------------------
    @staticmethod
    def _addr(addr: Any) -> str:
        if isinstance(addr, bytes):
            return addr.decode("utf-8", "surrogateescape")
        if not isinstance(addr, str):
            raise TypeError(f"expected str, got: {addr!r}")
        return addr

    def bind(self, addr: str) -> _EndpointContext:
        try:
            self._core.bind(self._addr(addr))
        except ZMQError as e:
            _explain_address_error(e, addr)
            raise
        return _EndpointContext(self, "bind", self.last_endpoint.decode())

    def connect(self, addr: str) -> _EndpointContext:
        try:
            self._core.connect(self._addr(addr))
        except ZMQError as e:
            _explain_address_error(e, addr)
            raise
        return _EndpointContext(self, "connect", self._addr(addr))

    def unbind(self, addr: str | bytes) -> None:
        self._core.unbind(self._addr(addr))

    def disconnect(self, addr: str | bytes) -> None:
        self._core.disconnect(self._addr(addr))

    def bind_to_random_port(self, addr: str, min_port: int = 49152, max_port: int = 65536,
                            max_tries: int = 100) -> int:
        """Bind to a random port in [min_port, max_port); return the port."""
        if min_port == 49152 and max_port == 65536:
            # The OS picks a free ephemeral port: no collisions to retry.
            self.bind(f"{addr}:*")
            return int(self.last_endpoint.decode().rsplit(":", 1)[-1])
        for _ in range(max_tries):
            port = random.randrange(min_port, max_port)
            try:
                self.bind(f"{addr}:{port}")
            except ZMQError as e:
                if e.errno in (errno.EADDRINUSE, errno.EACCES):
                    continue
                raise
            return port
        raise ZMQBindError("Could not bind socket to random port.")

    # -- options -------------------------------------------------------------
    def setsockopt(self, option: int, optval: Any) -> None:
        self._core.setsockopt(option, optval)

    def getsockopt(self, option: int) -> Any:
        return self._core.getsockopt(option)

    set = setsockopt
    get = getsockopt

    def setsockopt_string(self, option: int, optval: str, encoding: str = "utf-8") -> None:
        if not isinstance(optval, str):
            raise TypeError(f"strings only, not {type(optval)}")
        self.setsockopt(option, optval.encode(encoding))

    def getsockopt_string(self, option: int, encoding: str = "utf-8") -> str:
        if OPTION_TYPES.get(option) != "bytes":
            raise TypeError(f"option {option} will not return a string to be decoded")
        return self.getsockopt(option).decode(encoding)

    set_string = setsockopt_unicode = setsockopt_string
    get_string = getsockopt_unicode = getsockopt_string

    def set_hwm(self, value: int) -> None:
        """SNDHWM and RCVHWM both (libzmq has no HWM option any more)."""
        failed = None
        for option in (SocketOption.SNDHWM, SocketOption.RCVHWM):
            try:
                self.setsockopt(option, value)
            except ZMQError as e:
                failed = e
        if failed is not None:
            raise failed

    def get_hwm(self) -> int:
        return self.getsockopt(SocketOption.SNDHWM)

    hwm = property(get_hwm, set_hwm)

    def subscribe(self, topic: str | bytes) -> None:
        if isinstance(topic, str):
            topic = topic.encode("utf-8")
        self.setsockopt(SocketOption.SUBSCRIBE, topic)

    def unsubscribe(self, topic: str | bytes) -> None:
        if isinstance(topic, str):
            topic = topic.encode("utf-8")
        self.setsockopt(SocketOption.UNSUBSCRIBE, topic)

    # Attribute-style options, as pyzmq's AttributeSetter: any name that is
    # a constant is an option; anything else the class did not declare is an
    # AttributeError (subclasses declare their own attributes in the class).
    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        option = _option_number(name)
        if option is None:
            raise AttributeError(f"{type(self).__name__} has no such option: {name.upper()}")
        try:
            return self.getsockopt(option)
        except ZMQError as e:
            if e.errno in (errno.EINVAL, errno.EFAULT):  # as pyzmq: write-only
                raise AttributeError(f"{name} attribute is write-only") from None
            raise

    def __setattr__(self, name: str, value: Any) -> None:
        if name in self.__dict__ or name.startswith("_"):
            object.__setattr__(self, name, value)
            return
        if name.lower() in ("subscribe", "unsubscribe"):
            # As pyzmq: `sub.subscribe = b"x"` is the option, not the method.
            sub = SocketOption.SUBSCRIBE if name.lower() == "subscribe" else SocketOption.UNSUBSCRIBE
            self.setsockopt(sub, value.encode("utf-8") if isinstance(value, str) else value)
            return
        for cls in type(self).__mro__:
            if name in cls.__dict__ or name in getattr(cls, "__annotations__", {}):
                object.__setattr__(self, name, value)
                return
        option = _option_number(name)
        if option is None:
            raise AttributeError(f"{type(self).__name__} has no such option: {name.upper()}")
        self.setsockopt(option, value)

    # -- sending -------------------------------------------------------------
    def send(self, data: Any, flags: int = 0, copy: bool = True, track: bool = False,
             routing_id: int | None = None, group: str | None = None) -> MessageTracker | None:
        """Send one message part (see pyzmq's Socket.send)."""
        return self._send(data, flags, copy, track, routing_id, group)

    def send_multipart(self, msg_parts: Sequence[Any], flags: int = 0, copy: bool = True,
                       track: bool = False, **kwargs: Any) -> MessageTracker | None:
        tracker = None
        if track:
            parts, tracker = _tracked_parts(msg_parts, copy, self._core.copy_threshold)
        else:
            parts = self._frames(msg_parts, copy)
        if not parts:
            raise IndexError("list index out of range")  # what pyzmq raises too
        if flags and int(flags) & SNDMORE:
            # pyzmq lets SNDMORE on send_multipart leave the message open.
            for part in parts:
                self._send(part, flags, False)
        else:
            self._core.send_parts(parts, flags)
        return tracker

    @staticmethod
    def _frames(msg_parts: Sequence[Any], copy: bool) -> list:
        parts = []
        for i, part in enumerate(msg_parts):
            if part.__class__ is bytes:
                parts.append(part)
                continue
            if isinstance(part, str):
                raise TypeError(f"Frame {i} ({part!r}) does not support the buffer interface.")
            try:
                parts.append(_as_frame(part, copy))
            except TypeError:
                raise TypeError(f"Frame {i} ({part!r}) does not support the buffer interface.") from None
        return parts

    def send_string(self, u: str, flags: int = 0, copy: bool = True, encoding: str = "utf-8",
                    **kwargs: Any) -> MessageTracker | None:
        if not isinstance(u, str):
            raise TypeError("str objects only")
        return self.send(u.encode(encoding), flags, copy, **kwargs)

    send_unicode = send_string

    def send_json(self, obj: Any, flags: int = 0, **kwargs: Any) -> MessageTracker | None:
        send_kwargs = {k: kwargs.pop(k) for k in ("routing_id", "group") if k in kwargs}
        msg = json.dumps(obj, **kwargs).encode("utf-8")  # pyzmq's jsonapi: default separators
        return self.send(msg, flags=flags, **send_kwargs)

    def send_pyobj(self, obj: Any, flags: int = 0, protocol: int = pickle.DEFAULT_PROTOCOL,
                   **kwargs: Any) -> MessageTracker | None:
        return self.send(pickle.dumps(obj, protocol), flags=flags, **kwargs)

    def send_serialized(self, msg: Any, serialize: Callable[[Any], Sequence[Any]], flags: int = 0,
                        copy: bool = True, **kwargs: Any) -> MessageTracker | None:
        return self.send_multipart(serialize(msg), flags=flags, copy=copy, **kwargs)

    # -- receiving -----------------------------------------------------------
    def recv(self, flags: int = 0, copy: bool = True, track: bool = False) -> Any:
        """Receive one message part (see pyzmq's Socket.recv)."""
        return self._recv(flags, copy, track)

    def recv_multipart(self, flags: int = 0, copy: bool = True, track: bool = False) -> list:
        parts = self._core.recv_parts(flags)
        if copy:
            # (inproc hands over what the sender queued: views become bytes)
            return [p if p.__class__ is bytes else bytes(p) for p in parts]
        meta = self._core._last_metadata()
        last = len(parts) - 1
        return [_frame_to(p, i < last, meta) for i, p in enumerate(parts)]

    def _deserialize(self, received: Any, load: Callable[[Any], Any]) -> Any:
        """Apply `load` to what a recv gave (the asyncio socket chains it)."""
        return load(received)

    def recv_string(self, flags: int = 0, encoding: str = "utf-8") -> str:
        return self._deserialize(self.recv(flags), lambda buf: buf.decode(encoding))

    recv_unicode = recv_string

    def recv_json(self, flags: int = 0, **kwargs: Any) -> Any:
        return self._deserialize(self.recv(flags),
                                 lambda buf: json.loads(buf.decode("utf-8"), **kwargs))

    def recv_pyobj(self, flags: int = 0) -> Any:
        return self._deserialize(self.recv(flags), pickle.loads)

    def recv_serialized(self, deserialize: Callable[[list], Any], flags: int = 0,
                        copy: bool = True) -> Any:
        return self._deserialize(self.recv_multipart(flags, copy=copy), deserialize)

    def recv_into(self, buffer: Any, /, *, nbytes: int = 0, flags: int = 0) -> int:
        """zmq_recv: receive one frame into `buffer` (at most nbytes of it, 0:
        all of it); return the frame's full size, which may be larger."""
        view, n = _writable_view(buffer, nbytes)
        return _fill(view, n, self._recv(flags))

    # -- readiness -----------------------------------------------------------
    def poll(self, timeout: int | None = None, flags: int = POLLIN) -> int:
        """Wait up to `timeout` ms for any of `flags`; return the events."""
        from .poll import Poller

        if self.closed:
            raise ZMQError(errno.ENOTSUP)  # pyzmq's answer for a closed socket
        p = Poller()
        p.register(self, flags)
        evts = dict(p.poll(timeout))
        return evts.get(self, 0)


def _writable_view(buffer: Any, nbytes: int) -> tuple:
    """recv_into's checks, as pyzmq's, before anything is received:
    (a byte view of `buffer`, how many bytes of it to fill)."""
    if nbytes < 0:
        raise ValueError(f"nbytes={nbytes!r} must be non-negative")
    view = memoryview(buffer)  # TypeError for what has no buffer
    if view.readonly:
        raise BufferError("Object is not writable.")
    if not view.c_contiguous:
        raise BufferError("memoryview: underlying buffer is not C-contiguous")
    view = view.cast("B")
    if nbytes > len(view):
        raise ValueError(f"nbytes={nbytes!r} too big for memoryview of {len(view)}B")
    return view, (nbytes or len(view))


def _fill(view: memoryview, n: int, data: Any) -> int:
    """Copy what fits of a received frame; its whole size, as zmq_recv."""
    view[:min(n, len(data))] = data[:n]
    return len(data)


def _frame_to(data: Any, more: bool, properties: dict | None = None) -> Frame:
    frame = received_frame(data)
    frame.more = more
    if properties:
        frame._set_props(properties)
    return frame


# The core socket's hooks for what is not plain bytes.
SocketBase.frame_from = staticmethod(_as_frame)
SocketBase.frame_tracked = staticmethod(_tracked_frame)
SocketBase.frame_to = staticmethod(_frame_to)

__all__ = ["Socket", "DONTWAIT", "RCVMORE"]
