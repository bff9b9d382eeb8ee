"""purezmq.asyncio on every kind of loop, and how it gets there.

uvloop via its own runner, asyncio.Runner(loop_factory=...) and an
installed policy; a loop with no public add_reader/add_writer; sockets
made before any loop runs (their connections run on purezmq's I/O
threads and wake the loop across threads); an idle loop burns no CPU.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time

import pytest

import purezmq as zmq
import purezmq.asyncio as zaio
from aio_util import LOOPS, NoAddReaderLoop, TRANSPORTS, apair, arecv, destroy_in_thread, run

uvloop = pytest.importorskip("uvloop")


@pytest.fixture
def actx():
    c = zaio.Context()
    yield c
    destroy_in_thread(c)


async def _ping_pong(actx, endpoint: str, n: int = 20) -> None:
    rep, req = apair(actx, endpoint, zmq.REP, zmq.REQ)

    async def server():
        for _ in range(n):
            await rep.send_multipart(await rep.recv_multipart())

    srv = asyncio.create_task(server())
    for i in range(n):
        await req.send_multipart([b"ping", b"%d" % i])
        assert await arecv(req) == [b"ping", b"%d" % i]
    await asyncio.wait_for(srv, 2)
    rep.close()
    req.close()


# ----------------------------------------------------------------------------
# uvloop, three ways
# ----------------------------------------------------------------------------
@pytest.mark.parametrize("transport", TRANSPORTS)
def test_uvloop_run(actx, bind_endpoint, transport):
    async def main():
        assert isinstance(asyncio.get_running_loop(), uvloop.Loop)
        await asyncio.wait_for(_ping_pong(actx, bind_endpoint(transport)), 4)

    uvloop.run(main())


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_uvloop_runner_loop_factory(actx, bind_endpoint, transport):
    async def main():
        assert isinstance(asyncio.get_running_loop(), uvloop.Loop)
        await asyncio.wait_for(_ping_pong(actx, bind_endpoint(transport)), 4)

    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        runner.run(main())


def test_uvloop_installed_policy(actx, bind_endpoint):
    old = asyncio.get_event_loop_policy()
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    try:
        async def main():
            assert isinstance(asyncio.get_running_loop(), uvloop.Loop)
            await asyncio.wait_for(_ping_pong(actx, bind_endpoint("tcp")), 4)

        asyncio.run(main())
    finally:
        asyncio.set_event_loop_policy(old)


# ----------------------------------------------------------------------------
# A loop without add_reader
# ----------------------------------------------------------------------------
def test_no_add_reader_loop_really_has_none():
    async def main():
        lp = asyncio.get_running_loop()
        a, b = socket.socketpair()
        a.setblocking(False)
        b.setblocking(False)
        try:
            for fn in (lp.add_reader, lp.add_writer):
                with pytest.raises(NotImplementedError):
                    fn(a.fileno(), lambda: None)
            for fn in (lp.remove_reader, lp.remove_writer):
                with pytest.raises(NotImplementedError):
                    fn(a.fileno())
            # What remains: the sock_* coroutines and transports.
            await lp.sock_sendall(b, b"x")
            assert await lp.sock_recv(a, 1) == b"x"
        finally:
            a.close()
            b.close()

    NoAddReaderLoop.refused.clear()
    run(main, "no_add_reader")
    NoAddReaderLoop.refused.clear()


def test_no_add_reader_loop_is_never_asked_for_readers(actx, bind_endpoint):
    """purezmq.asyncio itself never calls the public fd-watching API."""
    NoAddReaderLoop.refused.clear()

    async def main():
        for t in TRANSPORTS:
            await _ping_pong(actx, bind_endpoint(t), n=5)
        pull, push = apair(actx, bind_endpoint("tcp"), zmq.PULL, zmq.PUSH)
        poller = zaio.Poller()
        poller.register(pull, zmq.POLLIN)
        await push.send(b"x")
        assert await asyncio.wait_for(poller.poll(2000), 2.5) == [(pull, zmq.POLLIN)]
        assert await pull.poll(100) == zmq.POLLIN
        pull.close()
        push.close()

    run(main, "no_add_reader")
    assert NoAddReaderLoop.refused == []


# ----------------------------------------------------------------------------
# Sockets made before the loop runs
# ----------------------------------------------------------------------------
@pytest.mark.parametrize("loop", LOOPS)
@pytest.mark.parametrize("transport", TRANSPORTS)
def test_sockets_bound_outside_the_loop(actx, bind_endpoint, loop, transport):
    """Bound/connected with no loop running: connections on I/O threads,
    futures woken across threads."""
    rep = actx.socket(zmq.REP)
    rep.linger = 0
    rep.bind(bind_endpoint(transport))
    req = actx.socket(zmq.REQ)
    req.linger = 0
    req.connect(rep.last_endpoint.decode())

    async def main():
        async def server():
            for _ in range(30):
                await rep.send(await rep.recv())

        srv = asyncio.create_task(server())
        for i in range(30):
            await req.send(b"%d" % i)
            assert await asyncio.wait_for(req.recv(), 2) == b"%d" % i
        await asyncio.wait_for(srv, 2)

    try:
        run(main, loop)
    finally:
        rep.close()
        req.close()


@pytest.mark.parametrize("loop", LOOPS)
def test_two_loops_in_two_threads(bind_endpoint, loop):
    """Each thread runs its own loop with its own sockets; they talk over tcp."""
    c = zaio.Context()
    ep = {}
    ready = threading.Event()
    errors = []

    async def server():
        rep = c.socket(zmq.REP)
        rep.linger = 0
        rep.bind(bind_endpoint("tcp"))
        ep["addr"] = rep.last_endpoint.decode()
        ready.set()
        for _ in range(50):
            await rep.send(await asyncio.wait_for(rep.recv(), 3))
        rep.close()

    def thread_main():
        try:
            run(server, loop)
        except BaseException as e:  # noqa: BLE001
            errors.append(e)

    t = threading.Thread(target=thread_main, daemon=True)
    t.start()
    try:
        assert ready.wait(3)

        async def client():
            req = c.socket(zmq.REQ)
            req.linger = 0
            req.connect(ep["addr"])
            for i in range(50):
                await req.send(b"%d" % i)
                assert await asyncio.wait_for(req.recv(), 2) == b"%d" % i
            req.close()

        run(client, loop)
        t.join(5)
        assert not t.is_alive()
        assert not errors, errors
    finally:
        destroy_in_thread(c)


# ----------------------------------------------------------------------------
# Idle CPU
# ----------------------------------------------------------------------------
@pytest.mark.parametrize("loop", ["asyncio", "uvloop"])
def test_idle_async_recv_and_poll_use_no_cpu(actx, bind_endpoint, loop):
    async def main():
        pull, push = apair(actx, bind_endpoint("tcp"), zmq.PULL, zmq.PUSH)
        for i in range(5):
            await push.send(b"%d" % i)
            assert await arecv(pull) == [b"%d" % i]
        c0, t0 = time.process_time(), time.monotonic()
        results = await asyncio.gather(
            asyncio.wait_for(pull.recv(), 0.5), pull.poll(500), return_exceptions=True)
        cpu, wall = time.process_time() - c0, time.monotonic() - t0
        assert isinstance(results[0], asyncio.TimeoutError) and results[1] == 0, results
        assert wall >= 0.45
        assert cpu < 0.05, f"idle async recv/poll used {cpu:.3f} s CPU"
        pull.close()
        push.close()

    run(main, loop)
