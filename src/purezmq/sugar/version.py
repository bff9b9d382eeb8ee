"""Versions: which pyzmq API and which libzmq behaviour purezmq provides.

`zmq_version()` names the libzmq release whose behaviour and wire protocol
purezmq implements; `pyzmq_version()` the pyzmq release whose API it
mirrors (programs gate features on both).  `purezmq_version()` is
purezmq's own release.
"""

from __future__ import annotations

__version__ = "27.0.0"  # the pyzmq API purezmq mirrors (zmq.__version__)
purezmq_version_info = (0, 1, 0)
_LIBZMQ = (4, 3, 5)

VERSION_MAJOR, VERSION_MINOR, VERSION_PATCH = (int(x) for x in __version__.split("."))
VERSION_EXTRA = ""
version_info = (VERSION_MAJOR, VERSION_MINOR, VERSION_PATCH)
__revision__ = ""


def pyzmq_version() -> str:
    return __version__


def pyzmq_version_info() -> tuple:
    return version_info


def zmq_version_info() -> tuple[int, int, int]:
    return _LIBZMQ


def zmq_version() -> str:
    return "%i.%i.%i" % _LIBZMQ


def purezmq_version() -> str:
    return "%i.%i.%i" % purezmq_version_info


__all__ = ["zmq_version", "zmq_version_info", "pyzmq_version", "pyzmq_version_info",
           "__version__", "__revision__", "purezmq_version"]
