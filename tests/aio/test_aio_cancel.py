"""Cancellation and timeouts in purezmq.asyncio leave nothing behind.

* cancelling a pending recv loses no message: the next recv gets it;
* cancelling a pending send sends all of the message or none of it;
* asyncio.wait_for timeouts and RCVTIMEO/SNDTIMEO leave no stale waiter
  that would swallow a later message: later recvs get later messages, in
  order.
"""

from __future__ import annotations

import asyncio

import pytest

import purezmq as zmq
import purezmq.asyncio as zaio
from aio_util import LOOPS, TRANSPORTS, apair, arecv, destroy_in_thread, run


@pytest.fixture
def actx():
    c = zaio.Context()
    yield c
    destroy_in_thread(c)


async def fill(push, payload: bytes = b"fill", timeout: float = 3.0) -> int:
    """Send with DONTWAIT until POLLOUT stays off (HWM and buffers full)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    sent = 0
    while await push.poll(100, zmq.POLLOUT):
        assert loop.time() < deadline, f"never filled after {sent}"
        try:
            await push.send(payload, zmq.DONTWAIT)
            sent += 1
        except zmq.Again:
            pass
    return sent


async def drain(pull, quiet_ms: int = 150) -> list:
    out = []
    while await pull.poll(quiet_ms):
        out.append(await pull.recv_multipart())
    return out


# ----------------------------------------------------------------------------
# Cancelling recv
# ----------------------------------------------------------------------------
@pytest.mark.parametrize("loop", LOOPS)
@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize("method", ["recv", "recv_multipart", "recv_string", "recv_json"])
def test_cancelled_pending_recv_loses_nothing(actx, bind_endpoint, loop, transport, method):
    async def main():
        pull, push = apair(actx, bind_endpoint(transport), zmq.PULL, zmq.PUSH)
        fut = getattr(pull, method)()
        task = asyncio.ensure_future(fut)
        await asyncio.sleep(0.02)
        assert not task.done()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await push.send(b'"first"')
        await push.send(b'"second"')
        assert await arecv(pull) == [b'"first"']
        assert await arecv(pull) == [b'"second"']
        pull.close()
        push.close()

    run(main, loop)


@pytest.mark.parametrize("loop", LOOPS)
def test_cancel_middle_of_three_pending_recvs(actx, bind_endpoint, loop):
    async def main():
        pull, push = apair(actx, bind_endpoint("tcp"), zmq.PULL, zmq.PUSH)
        f1, f2, f3 = pull.recv(), pull.recv(), pull.recv()
        await asyncio.sleep(0.01)
        f2.cancel()
        for i in range(3):
            await push.send(b"%d" % i)
        assert await asyncio.wait_for(f1, 2) == b"0"
        assert await asyncio.wait_for(f3, 2) == b"1"
        assert await asyncio.wait_for(pull.recv(), 2) == b"2"
        assert f2.cancelled()
        pull.close()
        push.close()

    run(main, loop)


@pytest.mark.parametrize("loop", LOOPS)
@pytest.mark.parametrize("sender", ["sync_same_loop", "async"])
def test_task_cancelled_as_its_recv_completes_loses_nothing(bind_endpoint, loop, sender):
    """A task awaiting recv is cancelled in the same loop iteration in which
    the message reaches its future (the task has not resumed yet).  The task
    ends cancelled, so the message must still be there for the next recv."""
    sync_ctx = zmq.Context()
    actx = zaio.Context(sync_ctx)

    async def main():
        ep = bind_endpoint("inproc")
        pull = actx.socket(zmq.PULL)
        pull.linger = 0
        pull.bind(ep)
        push = (sync_ctx if sender.startswith("sync") else actx).socket(zmq.PUSH)
        push.linger = 0
        push.connect(ep)
        lp = asyncio.get_running_loop()

        async def receiver():
            return await pull.recv()

        lost = []
        for i in range(3):
            task = asyncio.create_task(receiver())
            await asyncio.sleep(0.01)  # the task is now waiting in recv
            push.send(b"m%d" % i)  # wakes the recv future via call_soon
            lp.call_soon(task.cancel)  # ... and the task is cancelled right after
            try:
                got = [await task]
            except asyncio.CancelledError:
                got = []
            try:
                got.append(await asyncio.wait_for(pull.recv(), 0.2))
            except asyncio.TimeoutError:
                pass
            if got != [b"m%d" % i]:
                lost.append((i, got))
        pull.close()
        push.close()
        assert not lost, f"message lost or duplicated when the task was cancelled: {lost}"

    try:
        run(main, loop)
    finally:
        destroy_in_thread(sync_ctx)


async def _recv_wait_for(sock, timeout):
    return await asyncio.wait_for(sock.recv(), timeout)


async def _recv_timeout_cm(sock, timeout):
    # asyncio.timeout() cancels the task itself (as any outer cancel would).
    async with asyncio.timeout(timeout):
        return await sock.recv()


async def _recv_in_task_wait_for(sock, timeout):
    # wait_for on a task wrapping the recv: the task is what gets cancelled.
    async def inner():
        return await sock.recv()

    return await asyncio.wait_for(inner(), timeout)


@pytest.mark.parametrize("loop", LOOPS)
@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize("how", ["wait_for", "timeout_cm", "task_wait_for"])
def test_recv_timeouts_under_traffic_lose_nothing(actx, bind_endpoint, loop, transport, how):
    """A consumer receiving with short timeouts while a producer sends at its
    own pace: every message exactly once, in order."""
    n = 300
    recv_with_timeout = {"wait_for": _recv_wait_for, "timeout_cm": _recv_timeout_cm,
                         "task_wait_for": _recv_in_task_wait_for}[how]

    async def main():
        pull, push = apair(actx, bind_endpoint(transport), zmq.PULL, zmq.PUSH)

        async def producer():
            for i in range(n):
                await push.send(b"%d" % i)
                if i % 5 == 0:
                    await asyncio.sleep(0.002)

        prod = asyncio.create_task(producer())
        got, timeouts = [], 0
        lp = asyncio.get_running_loop()
        deadline = lp.time() + 1.5
        while len(got) < n and lp.time() < deadline:
            try:
                got.append(int(await recv_with_timeout(pull, 0.001)))
            except asyncio.TimeoutError:
                timeouts += 1
        await prod
        missing = sorted(set(range(n)) - set(got))
        assert got == list(range(n)), (
            f"{len(missing)} messages lost (e.g. {missing[:5]}) over {timeouts} timeouts")
        assert timeouts > 0  # the timeouts did race the traffic
        pull.close()
        push.close()

    run(main, loop)


@pytest.mark.parametrize("loop", LOOPS)
def test_wait_for_timeout_then_messages_in_order(actx, bind_endpoint, loop):
    async def main():
        pull, push = apair(actx, bind_endpoint("tcp"), zmq.PULL, zmq.PUSH)
        for method in ("recv", "recv_multipart", "recv_string", "recv_json"):
            with pytest.raises(asyncio.TimeoutError):
                await asyncio.wait_for(getattr(pull, method)(), 0.05)
        for i in range(10):
            await push.send(b"%d" % i)
        assert [int(await asyncio.wait_for(pull.recv(), 2)) for _ in range(10)] == list(range(10))
        assert await pull.poll(50) == 0
        pull.close()
        push.close()

    run(main, loop)


# ----------------------------------------------------------------------------
# RCVTIMEO / SNDTIMEO
# ----------------------------------------------------------------------------
@pytest.mark.parametrize("loop", LOOPS)
@pytest.mark.parametrize("transport", TRANSPORTS)
def test_rcvtimeo_raises_again_and_leaves_nothing_behind(actx, bind_endpoint, loop, transport):
    async def main():
        pull, push = apair(actx, bind_endpoint(transport), zmq.PULL, zmq.PUSH,
                           bopts={"rcvtimeo": 80})
        lp = asyncio.get_running_loop()
        t0 = lp.time()
        with pytest.raises(zmq.Again):
            await pull.recv()
        assert 0.07 <= lp.time() - t0 < 1.0
        # Several timed-out recvs at once, of every kind.
        results = await asyncio.gather(pull.recv(), pull.recv_multipart(), pull.recv_string(),
                                       pull.recv_json(), return_exceptions=True)
        assert all(isinstance(r, zmq.Again) for r in results), results
        for i in range(20):
            await push.send(b"%d" % i)
        got = [int(await pull.recv()) for _ in range(20)]
        assert got == list(range(20))
        with pytest.raises(zmq.Again):
            await pull.recv()
        pull.close()
        push.close()

    run(main, loop)


@pytest.mark.parametrize("loop", LOOPS)
@pytest.mark.parametrize("transport", TRANSPORTS)
def test_sndtimeo_at_hwm_sends_nothing(actx, bind_endpoint, loop, transport):
    async def main():
        payload = b"p" * (8192 if transport != "inproc" else 4)
        pull, push = apair(actx, bind_endpoint(transport), zmq.PULL, zmq.PUSH,
                           bopts={"rcvhwm": 1}, copts={"sndhwm": 1})
        assert await push.poll(2000, zmq.POLLOUT)
        filled = await fill(push, payload)
        push.sndtimeo = 80
        lp = asyncio.get_running_loop()
        t0 = lp.time()
        with pytest.raises(zmq.Again):
            await push.send_multipart([b"timed", b"out"])
        assert 0.07 <= lp.time() - t0 < 1.0
        with pytest.raises(zmq.Again):
            await push.send(b"timed-out-too")
        got = await drain(pull)
        assert got == [[payload]] * filled
        push.sndtimeo = 2000
        await push.send_multipart([b"later", b"ok"])
        assert await arecv(pull) == [b"later", b"ok"]
        pull.close()
        push.close()

    run(main, loop)


# ----------------------------------------------------------------------------
# Cancelling send: all or nothing
# ----------------------------------------------------------------------------
@pytest.mark.parametrize("loop", LOOPS)
@pytest.mark.parametrize("transport", TRANSPORTS)
def test_cancelled_multipart_send_at_hwm_delivers_nothing(actx, bind_endpoint, loop, transport):
    async def main():
        payload = b"p" * (8192 if transport != "inproc" else 4)
        pull, push = apair(actx, bind_endpoint(transport), zmq.PULL, zmq.PUSH,
                           bopts={"rcvhwm": 1}, copts={"sndhwm": 1})
        assert await push.poll(2000, zmq.POLLOUT)
        filled = await fill(push, payload)
        blocked = asyncio.ensure_future(push.send_multipart([b"part1", b"part2", b"part3"]))
        blocked_send = asyncio.ensure_future(push.send(b"single"))
        await asyncio.sleep(0.05)
        assert not blocked.done() and not blocked_send.done()
        blocked.cancel()
        blocked_send.cancel()
        with pytest.raises(asyncio.CancelledError):
            await blocked
        got = await drain(pull)
        assert got == [[payload]] * filled, "a cancelled send delivered (part of) its message"
        # A multipart send that completes delivers every part.
        await asyncio.wait_for(push.send_multipart([b"a", b"b", b"c"]), 2)
        assert await arecv(pull) == [b"a", b"b", b"c"]
        assert await pull.poll(50) == 0
        pull.close()
        push.close()

    run(main, loop)


@pytest.mark.parametrize("loop", LOOPS)
def test_multipart_send_blocked_then_completed_delivers_all_parts(actx, bind_endpoint, loop):
    async def main():
        pull, push = apair(actx, bind_endpoint("tcp"), zmq.PULL, zmq.PUSH,
                           bopts={"rcvhwm": 1}, copts={"sndhwm": 1})
        payload = b"p" * 8192
        assert await push.poll(2000, zmq.POLLOUT)
        filled = await fill(push, payload)
        pending = asyncio.ensure_future(push.send_multipart([b"x1", b"x2", b"x3", b"x4"]))
        await asyncio.sleep(0.03)
        assert not pending.done()
        got = []
        while len(got) < filled + 1:
            got.append(await arecv(pull))
        await asyncio.wait_for(pending, 2)
        assert got == [[payload]] * filled + [[b"x1", b"x2", b"x3", b"x4"]]
        pull.close()
        push.close()

    run(main, loop)


@pytest.mark.parametrize("loop", LOOPS)
@pytest.mark.parametrize("transport", ["tcp", "inproc"])
def test_sends_cancelled_at_random_moments_are_all_or_nothing(actx, bind_endpoint, loop, transport):
    """Many multipart sends through a tiny HWM, each given a short
    wait_for: every message the receiver gets is whole, every send that
    completed was delivered, and none arrives twice."""
    n = 200

    async def main():
        pull, push = apair(actx, bind_endpoint(transport), zmq.PULL, zmq.PUSH,
                           bopts={"rcvhwm": 1}, copts={"sndhwm": 1})
        assert await push.poll(2000, zmq.POLLOUT)
        completed = []
        received = []

        async def slow_reader():
            while True:
                msg = await pull.recv_multipart()
                if msg == [b"end"]:
                    return
                received.append(msg)
                await asyncio.sleep(0.0005)

        reader = asyncio.create_task(slow_reader())
        for i in range(n):
            try:
                await asyncio.wait_for(push.send_multipart([b"%d" % i, b"-", b"%d" % i]), 0.001)
                completed.append(i)
            except asyncio.TimeoutError:
                pass
        await asyncio.wait_for(push.send(b"end"), 2)
        await asyncio.wait_for(reader, 3)
        for m in received:
            assert len(m) == 3 and m[0] == m[2] and m[1] == b"-", m
        nums = [int(m[0]) for m in received]
        assert len(nums) == len(set(nums)), "a message arrived twice"
        assert nums == sorted(nums)
        assert set(completed) <= set(nums), sorted(set(completed) - set(nums))[:5]
        pull.close()
        push.close()

    run(main, loop)


# ----------------------------------------------------------------------------
# close() with pending futures
# ----------------------------------------------------------------------------
@pytest.mark.parametrize("loop", LOOPS)
def test_close_with_pending_recv_and_poll(actx, bind_endpoint, loop):
    async def main():
        pull, push = apair(actx, bind_endpoint("tcp"), zmq.PULL, zmq.PUSH)
        r = asyncio.ensure_future(pull.recv())
        p = asyncio.ensure_future(pull.poll(5000))
        await asyncio.sleep(0.02)
        pull.close()
        done, _ = await asyncio.wait([r, p], timeout=1)
        assert done == {r, p}, "pending futures not resolved by close()"
        for f in (r, p):
            assert f.cancelled() or isinstance(f.exception(), zmq.ZMQError)
        push.close()

    run(main, loop)
