"""inproc: sockets of one context joined directly by a pipe, no engine.

Owns the context's registry of bound names and of connections waiting for
a binder (libzmq 4: connect may come first).  A message crosses inproc as
the very list object the sender queued: no encoding and no copy of any
payload.  The two queue limits add up (sender's SNDHWM + receiver's
RCVHWM), as libzmq does, and each end learns the other's routing id and
type the way a handshake would have told it.  libzmq checks no socket-type
compatibility on inproc, and neither do we.
"""

from __future__ import annotations

import errno
import threading
from typing import Any

from ..error import ZMQError
from ..pipe import pipe_pair


def _sum_hwm(mine: int, theirs: int) -> int:
    return mine + theirs if mine and theirs else 0


def _metadata(sock: Any) -> dict:
    meta = {"Socket-Type": sock.zmtp_name.encode()}
    if sock.options.routing_id:
        meta["Identity"] = sock.options.routing_id
    return meta


class InprocBinding:
    """What a socket holds for a bound inproc name (unbind/close end it)."""

    is_listener = True

    def __init__(self, registry: "InprocRegistry", name: str, sock: Any) -> None:
        self.registry = registry
        self.name = name
        self.sock = sock

    def terminate(self) -> None:
        self.registry.unbind(self.name, self.sock)


class InprocRegistry:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._bound: dict[str, Any] = {}
        self._pending: dict[str, list] = {}

    def bind(self, name: str, sock: Any) -> InprocBinding:
        with self._lock:
            if name in self._bound:
                raise ZMQError(errno.EADDRINUSE)
            self._bound[name] = sock
            waiting = self._pending.pop(name, [])
        for connector, their_end in waiting:
            mine = their_end.peer
            if mine.terminated:
                # The connector left before we came; what it queued (LINGER
                # permitting) is still ours to read, then the pipe ends.
                their_end.sink = sock
                their_end.metadata = _metadata(connector)
                if their_end.has_input():
                    sock.attach_pipe(their_end)
                    sock.pipe_terminated(their_end)
                continue
            if not connector.conflating:
                mine.outbox.set_hwm(_sum_hwm(connector.options.sndhwm, sock.options.rcvhwm))
                their_end.outbox.set_hwm(_sum_hwm(sock.options.sndhwm, connector.options.rcvhwm))
            their_end.sink = sock
            their_end.metadata = _metadata(connector)
            mine.metadata = _metadata(sock)
            sock.attach_pipe(their_end)
            connector.peer_ready(mine)
        return InprocBinding(self, name, sock)

    def unbind(self, name: str, sock: Any) -> None:
        with self._lock:
            if self._bound.get(name) is sock:
                del self._bound[name]

    def connect(self, name: str, sock: Any, endpoint: str) -> Any:
        """Join sock to the binder of `name` (now or when it binds)."""
        with self._lock:
            binder = self._bound.get(name)
            if binder is not None and binder.closed:
                binder = None
            opts = sock.options
            if binder is None:
                mine, theirs = pipe_pair(opts.sndhwm, opts.rcvhwm, sock.conflating)
                self._pending.setdefault(name, []).append((sock, theirs))
            else:
                mine, theirs = pipe_pair(_sum_hwm(opts.sndhwm, binder.options.rcvhwm),
                                         _sum_hwm(opts.rcvhwm, binder.options.sndhwm),
                                         sock.conflating)
        mine.sink = sock
        mine.endpoint = endpoint
        mine.locally_initiated = True
        theirs.endpoint = None
        theirs.metadata = _metadata(sock)
        if binder is not None:
            mine.metadata = _metadata(binder)
            theirs.sink = binder
            binder.attach_pipe(theirs)
        else:
            theirs.sink = _Unattached()
        return mine


    def zap_pipe(self, sink: Any) -> Any:
        """A pipe from `sink` (a ZAP request) into the ZAP handler's socket,
        or None when no handler is bound (libzmq's session::zap_connect).
        Unbounded both ways: a handshake must never wait on a full queue."""
        with self._lock:
            handler = self._bound.get("zeromq.zap.01")
            if handler is None or handler.closed:
                return None
            mine, theirs = pipe_pair(0, 0, False)
        mine.sink = sink
        mine.endpoint = None
        theirs.endpoint = None
        theirs.metadata = {"Socket-Type": b"DEALER"}
        mine.metadata = _metadata(handler)
        theirs.sink = handler
        handler.attach_pipe(theirs)
        return mine


class _Unattached:
    """The sink of a pending inproc end until a binder adopts it."""

    def read_activated(self, pipe: Any) -> None:
        pass

    def write_activated(self, pipe: Any) -> None:
        pass

    def pipe_terminated(self, pipe: Any) -> None:
        pass
