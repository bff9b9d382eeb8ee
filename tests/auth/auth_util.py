"""Helpers for the purezmq.auth tests: hand-built ZAP requests (RFC 27), a
REQ client on inproc://zeromq.zap.01, and a "twin" that puts each request
to purezmq's authenticator and to pyzmq's (same policy) side by side."""

from __future__ import annotations

import asyncio
import contextlib
import sys
from typing import Any, Callable

import purezmq

ZAP = "inproc://zeromq.zap.01"
TIMEOUT_MS = 5000  # every receive and send on a test socket gives up after this
RUN_TIMEOUT = 10.0  # seconds for a whole asyncio test body


def zap_request(req_id: bytes = b"1", mechanism: bytes = b"NULL", *credentials: bytes,
                domain: bytes = b"", address: bytes = b"127.0.0.1",
                identity: bytes = b"", version: bytes = b"1.0") -> list:
    """The frames of a ZAP request, as a server mechanism sends them."""
    return [version, req_id, domain, address, identity, mechanism, *credentials]


def zap_reply(req_id: bytes, code: bytes, text: bytes, user: bytes = b"") -> list:
    """The frames of the ZAP reply we expect (metadata is always empty)."""
    return [b"1.0", req_id, code, text, user, b""]


class Client:
    """A REQ socket (purezmq or pyzmq) connected to the ZAP endpoint."""

    def __init__(self, lib: Any, ctx: Any) -> None:
        self.sock = ctx.socket(lib.REQ)
        self.sock.linger = 0
        self.sock.rcvtimeo = TIMEOUT_MS
        self.sock.sndtimeo = TIMEOUT_MS
        self.sock.connect(ZAP)

    def ask(self, frames: list) -> list:
        self.sock.send_multipart(frames)
        return [bytes(f) for f in self.sock.recv_multipart()]

    def close(self) -> None:
        self.sock.close(linger=0)


@contextlib.contextmanager
def serving(auth_cls: Any, lib: Any, ctx: Any, configure: Callable[[Any], None]):
    """A started `auth_cls` on `ctx` configured by `configure`, and a
    client talking to it; both stopped/closed on the way out."""
    auth = auth_cls(ctx)
    auth.start()
    client = None
    try:
        configure(auth)
        client = Client(lib, ctx)
        yield auth, client
    finally:
        if client is not None:
            client.close()
        auth.stop()
        thread = getattr(auth, "thread", None)
        assert thread is None or not thread.is_alive()


class Twin:
    """The same policy on purezmq's ThreadAuthenticator and, when pyzmq is
    installed, on pyzmq's; `check` asks both and compares."""

    def __init__(self, pure: Client, ref: Client | None) -> None:
        self.pure = pure
        self.ref = ref

    def check(self, frames: list, code: bytes, text: bytes, user: bytes = b"") -> list:
        got = self.pure.ask(frames)
        assert got == zap_reply(frames[1], code, text, user)
        if self.ref is not None:
            assert self.ref.ask(frames) == got, "pyzmq's authenticator answers otherwise"
        return got


@contextlib.contextmanager
def twin(ctx: Any, zctx: Any, configure: Callable[[Any], None]):
    from purezmq.auth.thread import ThreadAuthenticator

    with contextlib.ExitStack() as stack:
        _, pure = stack.enter_context(serving(ThreadAuthenticator, purezmq, ctx, configure))
        ref = None
        if zctx is not None:
            import zmq
            import zmq.auth.thread

            _, ref = stack.enter_context(
                serving(zmq.auth.thread.ThreadAuthenticator, zmq, zctx, configure))
        yield Twin(pure, ref)


def run(coro: Any, loop_factory: Any = None) -> Any:
    """Run `coro` to completion, failing after RUN_TIMEOUT seconds."""

    async def bounded() -> Any:
        return await asyncio.wait_for(coro, RUN_TIMEOUT)

    if loop_factory is None:
        return asyncio.run(bounded())
    loop = loop_factory()
    try:
        return loop.run_until_complete(bounded())
    finally:
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()


def _called_by_asyncio() -> bool:
    caller = sys._getframe(2).f_globals.get("__name__", "")
    return caller == "asyncio" or caller.startswith("asyncio.")


class NoAddReaderLoop(asyncio.SelectorEventLoop):
    """A loop without the public fd-watching API (as Windows' Proactor):
    add_reader/add_writer raise NotImplementedError for all but asyncio."""

    def add_reader(self, fd, callback, *args):
        if _called_by_asyncio():
            return super().add_reader(fd, callback, *args)
        raise NotImplementedError("add_reader disabled on this loop")

    def add_writer(self, fd, callback, *args):
        if _called_by_asyncio():
            return super().add_writer(fd, callback, *args)
        raise NotImplementedError("add_writer disabled on this loop")
