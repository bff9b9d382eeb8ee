"""pyzmq's asyncio surface details, checked on purezmq.asyncio and on
zmq.asyncio (the reference) alike: recv_into is awaitable, one socket
serves a new loop after its first loop has ended, cancelled polls leave
no pending future behind."""

from __future__ import annotations

import asyncio

import pytest

import purezmq
import purezmq.asyncio

zmq = pytest.importorskip("zmq")
import zmq.asyncio  # noqa: E402


@pytest.fixture(params=["purezmq", "pyzmq"])
def lib(request):
    mod, aio = (purezmq, purezmq.asyncio) if request.param == "purezmq" else (zmq, zmq.asyncio)
    ctx = aio.Context()
    yield mod, ctx
    ctx.destroy(0)


def pair(mod, ctx, name):
    a, b = ctx.socket(mod.PAIR), ctx.socket(mod.PAIR)
    a.bind(f"inproc://{name}")
    b.connect(f"inproc://{name}")
    return a, b


def test_recv_into_awaits_and_checks_first(lib):
    mod, ctx = lib
    a, b = pair(mod, ctx, "aio-into")

    async def main():
        if mod is purezmq:  # pyzmq 27.3 raises too, but its socket then hangs
            with pytest.raises(BufferError):
                await b.recv_into(memoryview(b"readonly"))
        await a.send_multipart([b"hello", b"xy"])
        buf = bytearray(4)
        assert await asyncio.wait_for(b.recv_into(buf), 2) == 5  # the whole frame's size
        assert buf == b"hell"
        assert await asyncio.wait_for(b.recv_into(buf), 2) == 2
        assert buf == b"xyll"

    asyncio.run(main())
    a.close()
    b.close()


def test_a_socket_follows_a_new_loop(lib):
    mod, ctx = lib
    a, b = pair(mod, ctx, "aio-loops")

    async def round_trip(i):
        await a.send(b"%d" % i)
        return await asyncio.wait_for(b.recv(), 2)

    for i in range(3):
        loop = asyncio.new_event_loop()
        try:
            assert loop.run_until_complete(round_trip(i)) == b"%d" % i
        finally:
            loop.close()
    a.close()
    b.close()


def test_cancelled_polls_leave_nothing_pending(lib):
    mod, ctx = lib

    async def main():
        with ctx.socket(mod.PULL) as s:
            for _ in range(10):
                f = asyncio.ensure_future(s.poll(timeout=1000, flags=mod.POLLIN))
                await asyncio.sleep(0)
                f.cancel()
                await asyncio.sleep(0)
            await asyncio.sleep(0.05)
            assert len(s._recv_futures) == 0

    asyncio.run(main())
