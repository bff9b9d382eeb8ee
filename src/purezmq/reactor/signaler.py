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
import time

_HAVE_EVENTFD = hasattr(os, "eventfd")


class Signaler:
    """One readable fd that becomes readable when `signal()` is called.

    The flag is read and written under the GIL only; the protocol that makes
    it lossless is: the waiter calls `reset()` *before* re-checking its
    condition, and the signaller changes its condition *before* `signal()`.
    Either the waiter sees the change or the signaller sees the flag cleared
    and writes the fd.
    """

    __slots__ = ("_rfd", "_wfd", "_pending", "_closed", "_poller", "_lock", "on_signal",
                 "_fd_watched", "_polling")

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
        # Called (from the signalling thread) on each signal(): how an event loop learns of a change without watching
        # the fd (asyncio sockets set it).
        self.on_signal = None
        # Whether anything may wait on the fd itself.  An asyncio socket is
        # woken through on_signal alone and skips the write (and the read
        # that drains it) until someone asks for its FD.
        self._fd_watched = True
        self._polling = 0  # threads inside wait()
        # Taken only on the signal and close paths: a writer must never hit
        # an fd number that close() released and the OS handed out again.
        self._lock = threading.Lock()
        # poll, not select: fds above FD_SETSIZE are normal with many peers.
        self._poller = select.poll()
        self._poller.register(self._rfd, select.POLLIN)

    def fileno(self) -> int:
        return self._rfd

    def watch_fd(self, on: bool = True) -> None:
        """Say whether the fd itself must become readable on signal()."""
        self._fd_watched = on
        if on and self._pending:
            self._write()

    def _write(self) -> None:
        with self._lock:
            if self._closed:
                return
            try:
                os.write(self._wfd, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            except BlockingIOError:
                pass  # counter saturated or pipe full: readable already

    def _drain(self) -> None:
        try:
            os.read(self._rfd, 4096)
        except (BlockingIOError, OSError):
            pass

    def signal(self) -> None:
        if self._pending:
            # The fd is readable already, but a loop woken through on_signal
            # must still hear of this change: the flag may be up only
            # because POLLIN holds (rearm), with a send waiting for POLLOUT.
            if self.on_signal is not None:
                self.on_signal()
            return
        self._pending = True
        if self.on_signal is not None:
            self.on_signal()
        if self._fd_watched:
            self._write()

    def rearm(self) -> None:
        """Make the fd readable again without telling on_signal.

        For a waiter that consumed a wake-up others may still need, and for
        keeping FD readable while a condition (POLLIN) still holds.
        """
        if self._pending:
            return
        self._pending = True
        if self._fd_watched:
            self._write()

    def reset(self, drain: bool = False) -> None:
        """Forget past signals: drain the fd and clear the flag.

        With `drain`, drain even when no signal is pending (a caller that
        found the fd readable and must not leave a stale write behind).
        """
        if not self._pending:
            if drain and self._fd_watched:
                self._drain()
            return
        # Drain first, then clear: clearing first would let a concurrent
        # signal() write the fd and this read swallow it, leaving the flag
        # set over an empty fd and every later signal() silent.
        if self._fd_watched:
            self._drain()
        self._pending = False

    def stale(self) -> bool:
        """The fd polled readable: was that an old write?  (Then drained.)

        A signal() racing a reset() can write after the reset cleared the
        flag; the waiter that reset saw the change anyway, so the write is
        stale, and left in place it would keep every poll returning.
        """
        if self._pending:
            return False
        self._drain()
        return True

    def wait(self, timeout: float | None) -> bool:
        """Block until signalled or `timeout` seconds pass; True if signalled.

        Does not reset: the caller re-checks its condition and resets.
        """
        if self._pending:
            return True
        deadline = None if timeout is None else time.monotonic() + timeout
        poller = self._poller
        if self._polling:
            # Another thread waits on this fd right now (a shared socket): a
            # poll object serves one thread at a time.
            poller = select.poll()
            poller.register(self._rfd, select.POLLIN)
        self._polling += 1
        try:
            while True:
                ms = -1 if deadline is None else max(
                    0, int((deadline - time.monotonic()) * 1000 + 0.999))
                try:
                    ready = poller.poll(ms)
                except RuntimeError:  # two threads raced for the shared poller
                    poller = select.poll()
                    poller.register(self._rfd, select.POLLIN)
                    ready = poller.poll(ms)
                if not ready:
                    return False
                if not self.stale():
                    return True
                if deadline is not None and time.monotonic() >= deadline:
                    return False
        finally:
            self._polling -= 1

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

