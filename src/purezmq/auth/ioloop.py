"""`IOLoopAuthenticator` (deprecated, as in pyzmq): tornado runs on asyncio,
so `purezmq.auth.asyncio.AsyncioAuthenticator` serves tornado programs."""

from __future__ import annotations

import warnings
from typing import Any

from ..dropin import warn_at_importer
from .asyncio import AsyncioAuthenticator

warn_at_importer("purezmq.auth.ioloop.IOLoopAuthenticator is deprecated. "
                 "Use purezmq.auth.asyncio.AsyncioAuthenticator",
                 DeprecationWarning, stacklevel=2)


class IOLoopAuthenticator(AsyncioAuthenticator):
    """`AsyncioAuthenticator` under its old tornado name."""

    def __init__(self, context: Any = None, encoding: str = "utf-8", log: Any = None,
                 io_loop: Any = None) -> None:
        if io_loop is not None:
            warnings.warn(f"{type(self).__name__}(io_loop) is deprecated and ignored",
                          DeprecationWarning, stacklevel=2)
        super().__init__(context=context, encoding=encoding, log=log)


__all__ = ["IOLoopAuthenticator"]
