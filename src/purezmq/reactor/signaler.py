"""A wake-up file descriptor shared between threads.

Owns one OS-level notification object (eventfd on Linux, a pipe elsewhere)
and the "already signalled" flag that keeps writers from issuing a syscall
per event: a writer only touches the fd on the quiet -> signalled
transition. It knows nothing of what the wake-up means.
"""

from __future__ import annotations

import os
import select
import threading

_HAVE_EVENTFD = hasattr(os, "eventfd")


class Signaler:
    """One readable fd that becomes readable when `signal()` is called.

    The flag is read and written under the GIL only; the protocol that makes
    it lossless is: the waiter calls `reset()` *before* re-checking its
    condition, and the signaller changes its condition *before* `signal()`.
    Either the waiter sees the change or the signaller sees the flag cleared
    and writes the fd.
    """

    __slots__ = ("_rfd", "_wfd", "_pending", "_closed", "_poller", "_lock", "on_signal")

    def __init__(self) -> None:
        if _HAVE_EVENTFD:
            fd = os.eventfd(0, os.EFD_NONBLOCK | os.EFD_CLOEXEC)
            self._rfd = self._wfd = fd
        else:  # pragma: no cover - non-Linux fallback
            r, w = os.pipe()
            os.set_blocking(r, False)
            os.set_blocking(w, False)
            self._rfd, self._wfd = r, w
        self._pending = False
        self._closed = False
        # Called (from the signalling thread) on each quiet -> signalled
        # transition: how an event loop learns of a change without watching
        # the fd (asyncio sockets set it).
        self.on_signal = None
        # Taken only on the signal and close paths: a writer must never hit
        # an fd number that close() released and the OS handed out again.
        self._lock = threading.Lock()
        # poll, not select: fds above FD_SETSIZE are normal with many peers.
        self._poller = select.poll()
        self._poller.register(self._rfd, select.POLLIN)

    def fileno(self) -> int:
        return self._rfd

    def signal(self) -> None:
        if self._pending:
            return
        self._pending = True
        if self.on_signal is not None:
            self.on_signal()
        with self._lock:
            if self._closed:
                return
            try:
                os.write(self._wfd, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            except BlockingIOError:
                pass  # counter saturated or pipe full: readable already

    def rearm(self) -> None:
        """Make the fd readable again without telling on_signal.

        For a waiter that consumed a wake-up others may still need, and for
        keeping FD readable while a condition (POLLIN) still holds.
        """
        if self._pending:
            return
        self._pending = True
        with self._lock:
            if not self._closed:
                try:
                    os.write(self._wfd, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                except BlockingIOError:
                    pass

    def reset(self) -> None:
        """Forget past signals: drain the fd and clear the flag."""
        if not self._pending:
            return  # nothing was written since the last reset
        # Drain first, then clear: clearing first would let a concurrent
        # signal() write the fd and this read swallow it, leaving the flag
        # set over an empty fd and every later signal() silent.
        try:
            os.read(self._rfd, 4096)
        except (BlockingIOError, OSError):
            pass
        self._pending = False

    def wait(self, timeout: float | None) -> bool:
        """Block until signalled or `timeout` seconds pass; True if signalled.

        Does not reset: the caller re-checks its condition and resets.
        """
        if self._pending:
            return True
        ms = -1 if timeout is None else max(0, int(timeout * 1000 + 0.999))
        return bool(self._poller.poll(ms))

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
            os.close(self._rfd)
            if self._wfd != self._rfd:
                os.close(self._wfd)

    @property
    def closed(self) -> bool:
        return self._closed

