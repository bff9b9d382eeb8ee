"""Helpers for the purezmq.asyncio tests: event loops of every kind, a
bounded runner, and async socket plumbing."""

from __future__ import annotations

import asyncio
import sys
import threading

import pytest

import purezmq as zmq
import purezmq.asyncio as zaio

RUN_TIMEOUT = 5.0  # seconds: a coroutine still running after this has hung


def _caller_is_asyncio(depth: int = 2) -> bool:
    caller = sys._getframe(depth).f_globals.get("__name__", "")
    return caller == "asyncio" or caller.startswith("asyncio.")


class NoAddReaderLoop(asyncio.SelectorEventLoop):
    """A loop whose public fd-watching API is gone (as on Windows' Proactor):
    add_reader/add_writer/remove_reader/remove_writer raise
    NotImplementedError for everyone but asyncio's own code (Python 3.11's
    sock_accept/sock_connect clean up through the public remove_*), so
    only transports and sock_* coroutines remain usable.  Refused calls
    are recorded in `refused`."""

    refused: list = []

    def _refuse(self, name: str, args: tuple):
        type(self).refused.append((name, args))
        raise NotImplementedError(f"{name} disabled on this loop")

    def add_reader(self, fd, callback, *args):
        if _caller_is_asyncio():
            return super().add_reader(fd, callback, *args)
        self._refuse("add_reader", (fd,))

    def add_writer(self, fd, callback, *args):
        if _caller_is_asyncio():
            return super().add_writer(fd, callback, *args)
        self._refuse("add_writer", (fd,))

    def remove_reader(self, fd):
        if _caller_is_asyncio():
            return super().remove_reader(fd)
        self._refuse("remove_reader", (fd,))

    def remove_writer(self, fd):
        if _caller_is_asyncio():
            return super().remove_writer(fd)
        self._refuse("remove_writer", (fd,))


def _uvloop_factory():
    uvloop = pytest.importorskip("uvloop")
    return uvloop.new_event_loop()


LOOP_FACTORIES = {
    "asyncio": asyncio.new_event_loop,
    "uvloop": _uvloop_factory,
    "no_add_reader": NoAddReaderLoop,
}
LOOPS = list(LOOP_FACTORIES)
TRANSPORTS = ["tcp", "ipc", "inproc"]


def run(main, loop: str = "asyncio", timeout: float = RUN_TIMEOUT):
    """Run main() on a fresh loop of kind `loop`, failing after `timeout` s."""
    factory = LOOP_FACTORIES[loop]

    async def guarded():
        try:
            return await asyncio.wait_for(main(), timeout)
        except asyncio.TimeoutError:
            pytest.fail(f"coroutine still running after {timeout} s (hung)")

    with asyncio.Runner(loop_factory=factory) as runner:
        return runner.run(guarded())


def destroy_in_thread(c) -> None:
    done = threading.Event()

    def go() -> None:
        c.destroy(linger=0)
        done.set()

    threading.Thread(target=go, daemon=True).start()
    assert done.wait(10), "Context.destroy() hung"


def asock(ctx, socket_type, **options):
    s = ctx.socket(socket_type)
    s.linger = 0
    for name, value in options.items():
        setattr(s, name, value)
    return s


def apair(ctx, endpoint: str, btype, ctype, bopts=None, copts=None):
    """(bound, connected) sockets of `ctx`; call inside the running loop so
    the connection runs on it."""
    a = asock(ctx, btype, **(bopts or {}))
    a.bind(endpoint)
    b = asock(ctx, ctype, **(copts or {}))
    b.connect(a.last_endpoint.decode())
    return a, b


async def arecv(s, timeout: float = 2.0):
    """recv_multipart bounded by `timeout` seconds."""
    return await asyncio.wait_for(s.recv_multipart(), timeout)


async def subscribed(pub, sub, timeout: float = 2.0) -> None:
    """Publish probes until the subscriber gets one, then drain probes."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        await pub.send(b"\x00probe")
        if await sub.poll(20):
            break
        assert loop.time() < deadline, "subscription never arrived"
    while await sub.poll(30):
        await sub.recv()


def is_async(s) -> bool:
    return isinstance(s, zaio.Socket)


__all__ = ["zmq", "zaio"]
