"""pyzmq's zmq.eventloop.future: sockets whose methods return Futures, for
tornado coroutines.

Tornado (5 and later) runs on asyncio and its Future is asyncio's, so these
are purezmq.asyncio's sockets and pollers under the names pyzmq gives them;
the Context keeps its own `instance()`.
"""

from __future__ import annotations

import warnings
from typing import Any

from . import _require_tornado
from .. import asyncio as _aio

_require_tornado()  # as pyzmq: this module is tornado's, and says so

__all__ = ["Context", "Socket", "Poller", "CancelledError"]


class CancelledError(Exception):
    """pyzmq's name; a cancelled Future here raises asyncio.CancelledError."""


class Socket(_aio.Socket):
    """A socket whose send/recv/poll return Futures (pyzmq's future.Socket)."""


class Poller(_aio.Poller):
    """A Poller whose poll() returns a Future."""


class Context(_aio.Context):
    """A context making future.Socket sockets."""

    _instance = None  # its own Context.instance(), apart from zmq.Context's
    _socket_class = Socket
    io_loop = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if kwargs.pop("io_loop", None) is not None:
            warnings.warn(f"{type(self).__name__}(io_loop) argument is deprecated in pyzmq 22.2."
                          " The currently active loop will always be used.",
                          DeprecationWarning, stacklevel=2)
        super().__init__(*args, **kwargs)
