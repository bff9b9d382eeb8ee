"""purezmq: ØMQ in pure Python, wire-compatible with libzmq, shaped like pyzmq.

`import purezmq as zmq` gives the names an ordinary pyzmq program uses:
Context, Socket, Poller, Frame, the constants and the errors.
"""

from __future__ import annotations

from . import constants, error
from .constants import *  # noqa: F401,F403 - pyzmq exposes every constant at top level
from .error import (
    Again, ContextTerminated, InterruptedSystemCall, NotDone, ZMQBaseError,
    ZMQBindError, ZMQError, ZMQVersionError, strerror,
)
from .sugar import Context, Frame, Message, MessageTracker, Poller, Socket, select

__version__ = "0.1.0"
__revision__ = ""

_LIBZMQ_VERSION = (4, 3, 5)  # the libzmq behaviour and wire protocol we implement


def zmq_version_info() -> tuple[int, int, int]:
    """The libzmq version whose behaviour purezmq implements."""
    return _LIBZMQ_VERSION


def zmq_version() -> str:
    return "%i.%i.%i" % _LIBZMQ_VERSION


def pyzmq_version_info() -> tuple[int, ...]:
    return tuple(int(x) for x in __version__.split("."))


def pyzmq_version() -> str:
    return __version__


_CAPABILITIES = {"ipc": True, "pgm": False, "tipc": False, "norm": False,
                 "curve": False, "gssapi": False, "draft": False}


def has(capability: str) -> bool:
    """Whether purezmq supports a libzmq capability (zmq_has)."""
    return _CAPABILITIES.get(capability, False)


def get_includes() -> list:
    return []


def get_library_dirs() -> list:
    return []


__all__ = [
    "Context", "Socket", "Frame", "Message", "MessageTracker", "Poller", "select",
    "ZMQError", "ZMQBaseError", "Again", "ContextTerminated", "NotDone", "ZMQBindError",
    "ZMQVersionError", "InterruptedSystemCall", "strerror", "zmq_version",
    "zmq_version_info", "pyzmq_version", "pyzmq_version_info", "has",
] + list(constants.__all__)
