"""Stopwatch: a microsecond timer (pyzmq's deprecated zmq.Stopwatch)."""

from __future__ import annotations

import time
import warnings


class Stopwatch:
    """start() then stop() gives the elapsed time in whole microseconds."""

    def __init__(self) -> None:
        warnings.warn("zmq.Stopwatch is deprecated: use time.monotonic and friends",
                      DeprecationWarning, stacklevel=2)
        self._start = 0.0

    def start(self) -> None:
        self._start = time.monotonic()

    def stop(self) -> int:
        return int(1e6 * (time.monotonic() - self._start))


__all__ = ["Stopwatch"]
