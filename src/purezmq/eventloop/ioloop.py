"""Deprecated: tornado's IOLoop under pyzmq's old `zmq.eventloop.ioloop` name.

pyzmq keeps this module only for old code; sockets need no special loop
integration, so use `tornado.ioloop.IOLoop` directly.  Importing it warns.
"""

from __future__ import annotations

from ..dropin import warn_at_importer
from . import _require_tornado

_require_tornado()


def _warn_deprecated(stacklevel: int = 3) -> None:
    warn_at_importer(
        "purezmq.eventloop.ioloop is deprecated (as zmq.eventloop.ioloop is since "
        "pyzmq 17): use tornado.ioloop.IOLoop directly",
        DeprecationWarning,
        stacklevel,
    )


_warn_deprecated()

from tornado.ioloop import *  # noqa: E402,F401,F403 - the shim re-exports tornado's names
from tornado.ioloop import IOLoop  # noqa: E402

ZMQIOLoop = IOLoop


def install() -> None:
    """Deprecated no-op: tornado's default IOLoop already works with purezmq."""
    _warn_deprecated()
