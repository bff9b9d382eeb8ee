"""Lost wake-ups under unlucky thread interleavings.

Found through the interop suites: about one purezmq Context.destroy() in a
few hundred hung forever in IOThread.stop().  The I/O thread sleeps in
epoll on a Signaler's fd; a post() from another thread landing while the
I/O thread is inside Signaler.reset() can leave the "already signalled"
flag set with the fd drained, after which every later signal() skips the
write and the loop never wakes (not even for the stop request).

These tests force that interleaving deterministically instead of waiting
for the scheduler to produce it.
"""

from __future__ import annotations

import os
import select
import threading

import pytest

from purezmq.reactor import signaler as signaler_module
from purezmq.reactor.io_thread import IOThread
from purezmq.reactor.signaler import Signaler


class _SignalDuringRead:
    """Stands in for the os module inside signaler.py: another thread's
    signal() happens just before reset() drains the fd."""

    def __init__(self, target: Signaler) -> None:
        self.target = target
        self.fired = False

    def __getattr__(self, name):
        return getattr(os, name)

    def read(self, fd, n):
        if not self.fired and fd == self.target.fileno():
            self.fired = True
            self.target.signal()
        return os.read(fd, n)


def _readable(fd: int, timeout_ms: int) -> bool:
    p = select.poll()
    p.register(fd, select.POLLIN)
    return bool(p.poll(timeout_ms))


def test_signal_after_interrupted_reset_makes_fd_readable(monkeypatch):
    s = Signaler()
    try:
        s.signal()
        hook = _SignalDuringRead(s)
        monkeypatch.setattr(signaler_module, "os", hook)
        s.reset()
        monkeypatch.undo()
        assert hook.fired, "reset() no longer drains through os.read: test needs updating"
        # The waiter re-checked its condition after reset(); a later signal
        # (new work) must make the fd readable, or an epoll sleeper never wakes.
        s.signal()
        assert _readable(s.fileno(), 200), (
            "signal() after an interrupted reset() did not make the fd readable "
            "(flag left set with the fd drained: a lost wake-up)")
    finally:
        s.close()


def test_io_thread_stop_after_interrupted_reset(monkeypatch):
    io = IOThread("wakeup-test")
    done = threading.Event()
    try:
        hook = _SignalDuringRead(io._wake)
        monkeypatch.setattr(signaler_module, "os", hook)
        io.post(lambda: None)     # the loop wakes and resets: the hook fires inside
        assert _wait(lambda: hook.fired, 2.0)
        monkeypatch.undo()
        threading.Thread(target=lambda: (io.stop(), done.set()), daemon=True).start()
        assert done.wait(2.0), "IOThread.stop() hung: the stop request was never noticed"
    finally:
        if not done.is_set():  # unstick the loop so the thread does not leak
            io.post(io._do_stop)
            os.write(io._wake.fileno(), (1).to_bytes(8, "little"))
            done.wait(2.0)


def _wait(predicate, timeout: float) -> bool:
    import time

    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.005)
    return True


if __name__ == "__main__":  # pragma: no cover
    pytest.main([__file__, "-q"])
