"""Exceptions, and the mapping from libzmq error numbers to messages and exceptions.

This module owns the exception classes of pyzmq's ``zmq.error`` (same names,
hierarchy, constructor signatures, ``errno``/``strerror`` attributes, str and
repr), ``strerror()`` with libzmq's wording, the per-thread "last error"
behind ``zmq_errno()``, and the helpers the rest of purezmq uses to fail with
an errno: ``error_for()`` builds the right exception subclass for a number and
``raise_errno()`` raises it.

It does not own the error numbers (``purezmq.constants.Errno``), nor the
decision of which errno an operation fails with (the socket code).
"""

from __future__ import annotations

import os as _os
import sys as _sys
import threading as _threading
from errno import EINTR
from typing import NoReturn

from .constants import VERSION_MAJOR, VERSION_MINOR, VERSION_PATCH, Errno

# ---------------------------------------------------------------------------
# Messages
# ---------------------------------------------------------------------------

# Numbers libzmq describes itself; everything else goes to the C library's
# strerror, as libzmq's zmq_strerror does.
_LIBZMQ_MESSAGES: dict[int, str] = {
    Errno.EFSM: "Operation cannot be accomplished in current state",
    Errno.ENOCOMPATPROTO: "The protocol is not compatible with the socket type",
    Errno.ETERM: "Context was terminated",
    Errno.EMTHREAD: "No thread available",
    Errno.EHOSTUNREACH: "Host unreachable",
}
if _sys.platform.startswith("win"):
    # The C runtime has no text for its network errno values.
    _LIBZMQ_MESSAGES.update(
        {
            Errno.ENOTSUP: "Not supported",
            Errno.EPROTONOSUPPORT: "Protocol not supported",
            Errno.ENOBUFS: "No buffer space available",
            Errno.ENETDOWN: "Network is down",
            Errno.EADDRINUSE: "Address in use",
            Errno.EADDRNOTAVAIL: "Address not available",
            Errno.ECONNREFUSED: "Connection refused",
            Errno.EINPROGRESS: "Operation in progress",
        }
    )


def strerror(errnum: int) -> str:
    """The message libzmq gives for error number ``errnum`` (``zmq_strerror``)."""
    message = _LIBZMQ_MESSAGES.get(errnum)
    if message is not None:
        return message
    try:
        return _os.strerror(errnum)
    except (ValueError, OverflowError):
        return f"Unknown error {errnum}"


# ---------------------------------------------------------------------------
# Last error of the calling thread
# ---------------------------------------------------------------------------

_thread_state = _threading.local()


def zmq_errno() -> int:
    """The errno of the last error purezmq reported in this thread, else 0.

    The counterpart of libzmq's per-thread ``zmq_errno()``: it is set by
    ``error_for()`` / ``raise_errno()``, and ``ZMQError()`` without an errno
    uses it.
    """
    return getattr(_thread_state, "errno", 0)


# ---------------------------------------------------------------------------
# Exceptions
# ---------------------------------------------------------------------------


class DraftFDWarning(RuntimeWarning):
    """Warning for using the experimental FD option on thread-safe sockets."""

    def __init__(self, msg: str = "") -> None:
        if not msg:
            msg = (
                "socket.FD on thread-safe (draft) sockets is experimental"
                " and may be removed. Silence it with"
                " warnings.simplefilter('ignore', zmq.error.DraftFDWarning)"
            )
        super().__init__(msg)


class ZMQBaseError(Exception):
    """Base class of every error raised by purezmq."""


class ZMQError(ZMQBaseError):
    """An error described by a ZeroMQ errno.

    ``ZMQError(errno=None, msg=None)``: ``errno`` defaults to ``zmq_errno()``;
    ``msg`` defaults to ``strerror(errno)``. ``str()`` is the message. A
    non-int ``errno`` is taken as the message itself and leaves ``.errno``
    None.

    ``ZMQError(EAGAIN)`` stays a plain ZMQError, as in pyzmq; use
    ``error_for()`` to get the ``Again`` / ``ContextTerminated`` /
    ``InterruptedSystemCall`` subclass.
    """

    errno: int | None = None
    strerror: str

    def __init__(self, errno: int | None = None, msg: str | None = None) -> None:
        if errno is None:
            errno = zmq_errno()
        if isinstance(errno, int):
            self.errno = errno
            _thread_state.errno = int(errno)  # what zmq_errno() tells next
            self.strerror = strerror(errno) if msg is None else msg
        else:
            self.strerror = str(errno) if msg is None else msg

    def __str__(self) -> str:
        return self.strerror

    def __repr__(self) -> str:
        return f"{type(self).__name__}('{self}')"


class ZMQBindError(ZMQBaseError):
    """``Socket.bind_to_random_port()`` found no free port."""


class NotDone(ZMQBaseError):
    """A timeout expired while waiting for a message to be sent (``MessageTracker.wait``)."""


class ContextTerminated(ZMQError):
    """ETERM: the socket's context was terminated. Arguments are ignored."""

    def __init__(self, errno: int | str = "ignored", msg: str = "ignored") -> None:
        super().__init__(Errno.ETERM)


class Again(ZMQError):
    """EAGAIN: the operation would block (or timed out). Arguments are ignored."""

    def __init__(self, errno: int | str = "ignored", msg: str = "ignored") -> None:
        super().__init__(Errno.EAGAIN)


class InterruptedSystemCall(ZMQError, InterruptedError):
    """EINTR: a blocking call was interrupted by a signal.

    purezmq retries such calls itself, so this should never reach user code.
    Arguments are ignored.
    """

    errno = EINTR
    strerror: str

    def __init__(self, errno: int | str = "ignored", msg: str = "ignored") -> None:
        super().__init__(EINTR)

    def __str__(self) -> str:
        return (
            f"{super().__str__()}: This call should have been retried."
            " Please report this to purezmq."
        )


_LIBZMQ_VERSION = f"{VERSION_MAJOR}.{VERSION_MINOR}.{VERSION_PATCH}"


class ZMQVersionError(NotImplementedError):
    """A feature needs a newer libzmq than the version purezmq implements."""

    msg: str
    min_version: str
    version: str

    def __init__(self, min_version: str, msg: str = "Feature") -> None:
        self.msg = msg
        self.min_version = min_version
        self.version = _LIBZMQ_VERSION

    def __str__(self) -> str:
        return f"{self.msg} requires libzmq >= {self.min_version}, have {self.version}"

    def __repr__(self) -> str:
        return f"ZMQVersionError('{self}')"


def _check_version(min_version_info: tuple[int, ...], msg: str = "Feature") -> None:
    """Raise ZMQVersionError if our libzmq level is below ``min_version_info``."""
    if (VERSION_MAJOR, VERSION_MINOR, VERSION_PATCH) < tuple(min_version_info):
        min_version = ".".join(str(part) for part in min_version_info)
        raise ZMQVersionError(min_version, msg)


# ---------------------------------------------------------------------------
# errno -> exception
# ---------------------------------------------------------------------------

_SUBCLASS_FOR_ERRNO: dict[int, type[ZMQError]] = {
    Errno.EAGAIN: Again,
    Errno.ETERM: ContextTerminated,
    EINTR: InterruptedSystemCall,
}


def error_for(errnum: int, msg: str | None = None) -> ZMQError:
    """The exception pyzmq raises when a libzmq call fails with ``errnum``.

    ``Again`` for EAGAIN, ``ContextTerminated`` for ETERM,
    ``InterruptedSystemCall`` for EINTR (these carry their fixed message and
    ignore ``msg``), a plain ``ZMQError`` otherwise. Also records ``errnum``
    as this thread's ``zmq_errno()``.
    """
    _thread_state.errno = errnum
    subclass = _SUBCLASS_FOR_ERRNO.get(errnum)
    if subclass is not None:
        return subclass()
    return ZMQError(errnum, msg)


def raise_errno(errnum: int, msg: str | None = None) -> NoReturn:
    """Raise ``error_for(errnum, msg)``."""
    raise error_for(errnum, msg)


# pyzmq's zmq.error exports, plus strerror and zmq_errno (top-level in pyzmq).
# error_for / raise_errno are purezmq's internal helpers: import them by name.
__all__ = [
    "DraftFDWarning",
    "ZMQBaseError",
    "ZMQBindError",
    "ZMQError",
    "NotDone",
    "ContextTerminated",
    "InterruptedSystemCall",
    "Again",
    "ZMQVersionError",
    "strerror",
    "zmq_errno",
]
