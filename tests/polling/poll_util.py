"""Helpers for the polling tests: connected socket pairs and bounded waits."""

from __future__ import annotations

import threading
import time

import purezmq as zmq

TIMEOUT_MS = 2000


def sock(ctx, socket_type, **options):
    """A socket with linger 0 and bounded send/recv, plus `options`."""
    s = ctx.socket(socket_type)
    s.linger = 0
    s.rcvtimeo = TIMEOUT_MS
    s.sndtimeo = TIMEOUT_MS
    for name, value in options.items():
        setattr(s, name, value)
    return s


def bound_pair(ctx, endpoint, bind_type=zmq.PAIR, connect_type=zmq.PAIR,
               bind_opts=None, connect_opts=None):
    """(bound socket, connected socket) over `endpoint`, connection made."""
    a = sock(ctx, bind_type, **(bind_opts or {}))
    a.bind(endpoint)
    b = sock(ctx, connect_type, **(connect_opts or {}))
    b.connect(a.last_endpoint.decode())
    return a, b


def wait_connected(sender, timeout: float = 2.0) -> None:
    """Wait until `sender` may send (its peer pipe exists)."""
    assert sender.poll(int(timeout * 1000), zmq.POLLOUT) & zmq.POLLOUT, "never connected"


def later(delay: float, fn, *args) -> threading.Thread:
    """Run fn(*args) in a thread after `delay` seconds (join it afterwards)."""

    def run() -> None:
        time.sleep(delay)
        fn(*args)

    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t


class Elapsed:
    """with Elapsed() as e: ...; e.seconds"""

    def __enter__(self) -> "Elapsed":
        self.t0 = time.monotonic()
        return self

    def __exit__(self, *exc) -> None:
        self.seconds = time.monotonic() - self.t0


def call_bounded(fn, timeout: float, unblock):
    """fn() in a thread; if it has not returned after `timeout` s, call
    unblock() (which must make fn return) and fail.  For calls that take no
    timeout of their own (poll(None), blocking recv)."""
    result: list = []

    def run() -> None:
        try:
            result.append(("ok", fn()))
        except BaseException as e:  # noqa: BLE001 - reported below
            result.append(("err", e))

    t = threading.Thread(target=run, daemon=True)
    t.start()
    t.join(timeout)
    if t.is_alive():
        unblock()
        t.join(5)
        raise AssertionError(f"call did not return within {timeout} s")
    kind, value = result[0]
    if kind == "err":
        raise value
    return value
