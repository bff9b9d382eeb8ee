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
from .curve_keys import curve_keypair, curve_public
from .dropin import install_as_zmq
from .proxy import device, proxy, proxy_steerable
from .error import DraftFDWarning, zmq_errno
from .sugar import (
    _FINISHED_TRACKER, Context, Frame, Message, MessageTracker, Poller, Socket, Stopwatch,
    __revision__, __version__, purezmq_version, pyzmq_version, pyzmq_version_info, select,
    zmq_poll, zmq_version, zmq_version_info,
)

# pyzmq's names for the classes that are not the asyncio ones.
SyncContext = Context
SyncSocket = Socket

# What purezmq can do, as zmq_has() answers: transports and mechanisms
# that work end to end, nothing merely planned.
_CAPABILITIES = {"ipc": True, "pgm": False, "tipc": False, "norm": False,
                 "gssapi": False, "draft": False}


def has(capability: str) -> bool:
    """Whether purezmq supports a libzmq capability (zmq_has); CURVE works
    when PyNaCl is installed."""
    if capability == "curve":
        from .zmtp.mechanisms.curve import curve_available
        return curve_available()
    return _CAPABILITIES.get(capability, False)


def get_includes() -> list:
    return []


def get_library_dirs() -> list:
    return []


__all__ = [
    "Context", "Socket", "Frame", "Message", "MessageTracker", "Poller", "select",
    "ZMQError", "ZMQBaseError", "Again", "ContextTerminated", "NotDone", "ZMQBindError",
    "ZMQVersionError", "InterruptedSystemCall", "strerror", "zmq_version",
    "zmq_version_info", "pyzmq_version", "pyzmq_version_info", "has", "zmq_poll", "zmq_errno",
    "curve_keypair", "curve_public", "install_as_zmq", "Stopwatch", "SyncContext", "SyncSocket",
    "DraftFDWarning", "purezmq_version", "proxy", "proxy_steerable", "device",
] + list(constants.__all__)  # type: ignore[attr-defined]  # hidden from mypy: see constants.py

from . import backend, devices, utils  # noqa: E402 - pyzmq has these at hand
