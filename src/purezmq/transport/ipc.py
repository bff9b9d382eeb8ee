"""IPC: Unix domain stream sockets, filesystem paths and Linux abstract names.

Owns AF_UNIX setup and the file-system side effects libzmq has: a stale
socket file is removed before binding, and a wildcard (`ipc://*`) bind
gets a fresh private directory that is removed again on close.
"""

from __future__ import annotations

import errno
import os
import socket
from typing import Any

from ..error import ZMQError
from .tcp import connect_outcome
from .address import format_ipc_endpoint, is_ipc_wildcard, new_ipc_wildcard_path, resolve_ipc


def listen(address: str, options: Any) -> tuple[socket.socket, str, Any]:
    """Bind and listen now: (socket, endpoint, cleanup callable or None)."""
    wildcard = is_ipc_wildcard(address)
    if wildcard:
        address = new_ipc_wildcard_path()
    addr = resolve_ipc(address)
    if isinstance(addr, str):
        try:
            os.unlink(addr)  # libzmq removes a stale socket file first
        except OSError:
            pass
    try:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    except OSError as e:
        raise ZMQError(e.errno or errno.EMFILE) from None
    try:
        s.bind(addr)
        s.listen(options.backlog)
        s.setblocking(False)
    except OSError as e:
        failure = ZMQError(e.errno or errno.EINVAL)
        failure.closed_fd = s.fileno()  # type: ignore[attr-defined]  # for the monitor
        s.close()
        raise failure from None

    cleanup = None
    if wildcard and isinstance(addr, str):
        def cleanup(path: str = addr) -> None:
            for fn in (os.unlink, os.rmdir):
                try:
                    fn(path)
                except OSError:
                    pass
                path = os.path.dirname(path)
    return s, format_ipc_endpoint(addr), cleanup


def prepare(address: str, options: Any) -> tuple[socket.socket, Any]:
    """A non-blocking Unix socket and the address to connect it to."""
    addr = resolve_ipc(address)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.setblocking(False)
    return s, addr


def dial(address: str, options: Any) -> tuple[socket.socket, bool]:
    s, addr = prepare(address, options)
    return connect_outcome(s, s.connect_ex(addr))


def tune_connected(s: socket.socket, options: Any) -> None:
    """Nothing to tune on a Unix socket."""
