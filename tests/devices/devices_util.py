"""Helpers for the device/proxy tests: sockets with timeouts, proxies run
in threads that always stop, and waits that never hang."""

from __future__ import annotations

import struct
import threading
import time
from typing import Any

import purezmq

TIMEOUT_MS = 3000
JOIN_S = 10.0


# Every socket `sock` made, closed after each test (conftest): a socket
# dropped by a test while still open would be closed by the GC instead,
# with a ResourceWarning.
OPEN_SOCKETS: list = []


def sock(ctx: Any, kind: int, **options: Any) -> Any:
    """A socket (purezmq or pyzmq, after ctx) with LINGER 0 and timeouts."""
    s = ctx.socket(kind)
    OPEN_SOCKETS.append(s)
    s.linger = 0
    s.rcvtimeo = TIMEOUT_MS
    s.sndtimeo = TIMEOUT_MS
    for name, value in options.items():
        s.setsockopt(getattr(purezmq, name.upper()), value)
    return s


def bound(ctx: Any, kind: int, endpoint: str, **options: Any) -> tuple:
    """A socket bound to `endpoint`, and the endpoint peers connect to."""
    s = sock(ctx, kind, **options)
    s.bind(endpoint)
    ep = s.last_endpoint
    return s, ep.decode() if isinstance(ep, bytes) else ep


class Runner(threading.Thread):
    """Runs fn(*args) in a daemon thread; keeps what it returned or raised."""

    def __init__(self, fn: Any, *args: Any, after: Any = None) -> None:
        super().__init__(daemon=True)
        self.fn, self.args, self.after = fn, args, after
        self.result: Any = None
        self.error: BaseException | None = None
        self.start()

    def run(self) -> None:
        try:
            self.result = self.fn(*self.args)
        except BaseException as e:  # noqa: BLE001 - reported to the test
            self.error = e
        finally:
            if self.after is not None:
                self.after()

    def finish(self, timeout: float = JOIN_S) -> Any:
        self.join(timeout)
        assert not self.is_alive(), f"{self.fn.__name__} still running after {timeout} s"
        return self


def recv_or_none(s: Any, timeout_ms: int = 200) -> Any:
    if not s.poll(timeout_ms):
        return None
    return s.recv_multipart()


def assert_silent(s: Any, timeout_ms: int = 200) -> None:
    got = recv_or_none(s, timeout_ms)
    assert got is None, f"unexpected message {got!r}"


def decode_stats(frames: list) -> list:
    assert len(frames) == 8, frames
    assert all(len(f) == 8 for f in frames), frames
    return [struct.unpack("=Q", f)[0] for f in frames]


def wait_for(predicate: Any, timeout: float = 5.0, interval: float = 0.01) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


def subscribe_through(pub: Any, sub: Any, topic: bytes, timeout: float = 5.0) -> None:
    """Publish probes on `topic` until `sub` gets one (the subscription made
    it to the publisher), then drain what is left of them."""
    deadline = time.monotonic() + timeout
    while True:
        pub.send(topic + b"-probe")
        if sub.poll(50):
            break
        assert time.monotonic() < deadline, "subscription never reached the publisher"
    while sub.poll(100):
        sub.recv_multipart()
