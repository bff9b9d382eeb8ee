"""pyzmq's zmq.utils.win32: ``allow_interrupt``, a Ctrl-C hook for polling loops.

pyzmq needs it on Windows because a thread blocked inside libzmq's poll never
returns to the interpreter to raise KeyboardInterrupt.  purezmq's blocking
calls wait in Python and wake for signals on every platform, so there is
nothing to fix; the class exists so that programs written for pyzmq run.
On Windows the action is still called on Ctrl-C (before KeyboardInterrupt),
as pyzmq promises; elsewhere, as in pyzmq, the context manager does nothing.
"""

from __future__ import annotations

import os
import signal
import threading
from typing import Any, Callable


class allow_interrupt:
    """``with allow_interrupt(action): ...`` calls ``action()`` on Ctrl-C (Windows)."""

    def __init__(self, action: Callable[[], Any] | None = None) -> None:
        self.action = action if action is not None else (lambda: None)
        self._previous: Any = None

    def __enter__(self) -> None:
        if os.name != "nt" or threading.current_thread() is not threading.main_thread():
            return
        self._previous = signal.getsignal(signal.SIGINT)

        def on_ctrl_c(signum: int, frame: Any) -> None:
            self.action()
            previous = self._previous
            if callable(previous):
                previous(signum, frame)
            else:
                raise KeyboardInterrupt

        signal.signal(signal.SIGINT, on_ctrl_c)

    def __exit__(self, *exc: Any) -> None:
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)
            self._previous = None
