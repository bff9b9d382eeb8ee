"""`AsyncioAuthenticator`: the ZAP handler served by a task on the running
asyncio event loop (any loop: the ZAP socket wakes the task itself, no
file descriptor is watched)."""

from __future__ import annotations

import asyncio
import warnings
from typing import Any

import purezmq.asyncio as _zaio

from .base import Authenticator


class AsyncioAuthenticator(Authenticator):
    """An `Authenticator` answering from a task on the current event loop:
    call `start` from a coroutine (or with the loop that will run set as
    current), `stop` when done."""

    def __init__(self, context: Any = None, loop: Any = None, encoding: str = "utf-8",
                 log: Any = None) -> None:
        super().__init__(context, encoding, log)
        if loop is not None:
            warnings.warn(f"{type(self).__name__}(loop) is deprecated and ignored",
                          DeprecationWarning, stacklevel=2)
        self._zap_view: Any = None
        self._task: Any = None

    async def _serve(self, zap_view: Any) -> None:
        while self._zap_view is zap_view:
            msg = await zap_view.recv_multipart()
            await self._serve_request(msg)

    def start(self) -> None:
        """Bind the ZAP socket and start the task answering it."""
        super().start()
        self._zap_view = _zaio.Socket.from_socket(self.zap_socket)
        self._task = asyncio.ensure_future(self._serve(self._zap_view))

    def stop(self) -> None:
        """Cancel the task and close the ZAP socket."""
        task, self._task = self._task, None
        self._zap_view = None
        if task is not None:
            task.cancel()
        super().stop()


__all__ = ["AsyncioAuthenticator"]
