"""purezmq.asyncio patterns between coroutines, on every kind of loop
(asyncio's default, uvloop, a loop without add_reader) and every transport."""

from __future__ import annotations

import asyncio
import json

import pytest

import purezmq as zmq
import purezmq.asyncio as zaio
from aio_util import LOOPS, TRANSPORTS, apair, arecv, asock, destroy_in_thread, run, subscribed


@pytest.fixture
def actx():
    c = zaio.Context()
    yield c
    destroy_in_thread(c)


def test_api_shape(actx):
    async def main():
        s = actx.socket(zmq.DEALER)
        assert isinstance(s, zaio.Socket) and isinstance(s, zmq.Socket)
        for name in ("send", "recv", "send_multipart", "recv_multipart", "send_string",
                     "recv_string", "send_json", "recv_json", "poll"):
            assert callable(getattr(s, name)), name
        f = s.recv()
        assert isinstance(f, asyncio.Future)
        f.cancel()
        p = s.poll(0)
        assert asyncio.isfuture(p) or asyncio.iscoroutine(p)
        assert await p == 0
        s.close()

    run(main)


@pytest.mark.parametrize("loop", LOOPS)
@pytest.mark.parametrize("transport", TRANSPORTS)
def test_req_rep(actx, bind_endpoint, loop, transport):
    n = 50

    async def main():
        rep, req = apair(actx, bind_endpoint(transport), zmq.REP, zmq.REQ)

        async def server():
            for _ in range(n):
                req_obj = await rep.recv_json()
                await rep.send_json({"echo": req_obj["i"], "sq": req_obj["i"] ** 2})

        srv = asyncio.create_task(server())
        for i in range(n):
            await req.send_json({"i": i})
            reply = await asyncio.wait_for(req.recv_json(), 2)
            assert reply == {"echo": i, "sq": i * i}
        await asyncio.wait_for(srv, 2)
        # Strings too.
        srv2 = asyncio.create_task(_string_echo(rep))
        await req.send_string("héllo")
        assert await asyncio.wait_for(req.recv_string(), 2) == "HÉLLO"
        await asyncio.wait_for(srv2, 2)
        rep.close()
        req.close()

    run(main, loop)


async def _string_echo(rep):
    s = await rep.recv_string()
    await rep.send_string(s.upper())


@pytest.mark.parametrize("loop", LOOPS)
@pytest.mark.parametrize("transport", TRANSPORTS)
def test_pub_sub(actx, bind_endpoint, loop, transport):
    async def main():
        pub, sub = apair(actx, bind_endpoint(transport), zmq.PUB, zmq.SUB)
        sub.subscribe(b"\x00probe")
        sub.subscribe(b"news.")
        await subscribed(pub, sub)
        for i in range(100):
            await pub.send_multipart([b"news.%d" % i, b"body%d" % i])
            await pub.send_multipart([b"sport.%d" % i, b"ignored"])
        got = [await arecv(sub) for _ in range(100)]
        assert got == [[b"news.%d" % i, b"body%d" % i] for i in range(100)]
        assert await sub.poll(50) == 0  # nothing unsubscribed got through
        pub.close()
        sub.close()

    run(main, loop)


@pytest.mark.parametrize("loop", LOOPS)
@pytest.mark.parametrize("transport", TRANSPORTS)
def test_pipeline(actx, bind_endpoint, loop, transport):
    """ventilator PUSH -> 3 worker coroutines (PULL -> PUSH) -> sink PULL."""
    n = 300
    workers = 3

    async def main():
        vent = asock(actx, zmq.PUSH)
        vent.bind(bind_endpoint(transport))
        sink = asock(actx, zmq.PULL)
        sink.bind(bind_endpoint(transport))
        pulls, pushes = [], []
        for _ in range(workers):
            p = asock(actx, zmq.PULL)
            p.connect(vent.last_endpoint.decode())
            q = asock(actx, zmq.PUSH)
            q.connect(sink.last_endpoint.decode())
            pulls.append(p)
            pushes.append(q)

        async def worker(k, p, q):
            while True:
                msg = await p.recv_multipart()
                if msg == [b"stop"]:
                    return
                await q.send_multipart([msg[0], b"w%d" % k])

        tasks = [asyncio.create_task(worker(k, p, q)) for k, (p, q) in enumerate(zip(pulls, pushes))]
        await asyncio.sleep(0.05)  # let every worker connect (PUSH balances over peers)
        for i in range(n):
            await vent.send_multipart([b"%d" % i])
        results = [await arecv(sink) for _ in range(n)]
        assert sorted(int(r[0]) for r in results) == list(range(n))
        for _ in range(workers):
            await vent.send(b"stop")
        await asyncio.wait_for(asyncio.gather(*tasks), 2)
        for s in [vent, sink] + pulls + pushes:
            s.close()

    run(main, loop)


@pytest.mark.parametrize("loop", LOOPS)
@pytest.mark.parametrize("transport", TRANSPORTS)
def test_router_dealer(actx, bind_endpoint, loop, transport):
    clients = 4
    per_client = 40

    async def main():
        router = asock(actx, zmq.ROUTER)
        router.bind(bind_endpoint(transport))
        dealers = []
        for k in range(clients):
            d = asock(actx, zmq.DEALER, routing_id=b"client-%d" % k)
            d.connect(router.last_endpoint.decode())
            dealers.append(d)

        async def server():
            for _ in range(clients * per_client):
                rid, *body = await router.recv_multipart()
                await router.send_multipart([rid, rid] + body)

        async def client(k, d):
            for i in range(per_client):
                await d.send_multipart([b"req", b"%d" % i])
            out = []
            for _ in range(per_client):
                rid, _, num = await arecv(d)
                assert rid == b"client-%d" % k
                out.append(int(num))
            return out

        srv = asyncio.create_task(server())
        results = await asyncio.gather(*(client(k, d) for k, d in enumerate(dealers)))
        assert results == [list(range(per_client))] * clients
        await asyncio.wait_for(srv, 2)
        router.close()
        for d in dealers:
            d.close()

    run(main, loop)


@pytest.mark.parametrize("loop", LOOPS)
@pytest.mark.parametrize("transport", TRANSPORTS)
def test_dealer_pair_both_directions_at_hwm(actx, bind_endpoint, loop, transport):
    """Each socket sends and receives at once through small HWMs (a send
    waiter and a recv waiter on one socket), with bodies big enough for
    transport back-pressure."""
    n = 300
    body = b"b" * (20000 if transport != "inproc" else 10)

    async def main():
        a, b = apair(actx, bind_endpoint(transport), zmq.DEALER, zmq.DEALER,
                     bopts={"sndhwm": 5, "rcvhwm": 5}, copts={"sndhwm": 5, "rcvhwm": 5})
        progress = {}

        async def send_all(s, tag):
            for i in range(n):
                await s.send_multipart([tag, b"%d" % i, body])
                progress["sent " + tag.decode()] = i + 1

        async def recv_all(s, tag):
            for i in range(n):
                try:
                    t, num, data = await asyncio.wait_for(s.recv_multipart(), 1.0)
                except asyncio.TimeoutError:
                    pytest.fail(f"stalled: nothing for 1 s; progress {progress}; "
                                f"a: events={a.getsockopt(zmq.EVENTS)}, "
                                f"b: events={b.getsockopt(zmq.EVENTS)}")
                assert (t, int(num), len(data)) == (tag, i, len(body))
                progress["recv " + tag.decode()] = i + 1

        try:
            await asyncio.gather(send_all(a, b"A"), send_all(b, b"B"),
                                 recv_all(b, b"A"), recv_all(a, b"B"))
        finally:
            a.close()
            b.close()

    run(main, loop)


@pytest.mark.parametrize("loop", LOOPS)
def test_helpers_and_frames(actx, bind_endpoint, loop):
    async def main():
        a, b = apair(actx, bind_endpoint("tcp"), zmq.PAIR, zmq.PAIR)
        await b.send_string("ü")
        assert await a.recv_string() == "ü"
        await b.send_json({"k": [1, 2]})
        assert await a.recv_json() == {"k": [1, 2]}
        await b.send_pyobj({"set": {1}})
        assert await a.recv_pyobj() == {"set": {1}}
        await b.send(b"frame")
        f = await a.recv(copy=False)
        assert f.bytes == b"frame"
        await b.send_multipart([b"x", memoryview(b"yz")])
        frames = await a.recv_multipart(copy=False)
        assert [fr.bytes for fr in frames] == [b"x", b"yz"]
        await b.send(b"a", zmq.SNDMORE)
        await b.send(b"b")
        assert await a.recv() == b"a"
        assert a.rcvmore
        assert await a.recv() == b"b"
        assert not a.rcvmore
        # send_json with a non-serialisable object fails at once, nothing sent.
        with pytest.raises(TypeError):
            await b.send_json({"bad": object()})
        assert await a.poll(50) == 0
        assert json.loads(b'{"ok": 1}') == {"ok": 1}
        a.close()
        b.close()

    run(main, loop)


@pytest.mark.parametrize("loop", LOOPS)
@pytest.mark.parametrize("transport", TRANSPORTS)
def test_socket_poll(actx, bind_endpoint, loop, transport):
    async def main():
        pull, push = apair(actx, bind_endpoint(transport), zmq.PULL, zmq.PUSH)
        lp = asyncio.get_running_loop()
        assert await pull.poll(0) == 0
        t0 = lp.time()
        assert await pull.poll(100) == 0
        assert 0.09 <= lp.time() - t0 < 1.0
        assert await push.poll(2000, zmq.POLLOUT) == zmq.POLLOUT

        async def later():
            await asyncio.sleep(0.05)
            await push.send(b"hi")

        t = asyncio.create_task(later())
        assert await asyncio.wait_for(pull.poll(), 2) == zmq.POLLIN  # None: forever
        await t
        assert await pull.recv() == b"hi"
        assert await pull.poll(0) == 0
        # A second message after the queue was emptied still wakes a poll.
        t = asyncio.create_task(later())
        assert await asyncio.wait_for(pull.poll(2000), 2.5) == zmq.POLLIN
        await t
        assert await pull.recv() == b"hi"
        pull.close()
        push.close()

    run(main, loop)


@pytest.mark.parametrize("loop", LOOPS)
@pytest.mark.parametrize("rtype,stype", [("PAIR", "PAIR"), ("PULL", "PUSH"), ("DEALER", "DEALER")])
def test_socket_poll_after_queue_emptied(actx, bind_endpoint, loop, rtype, stype):
    """poll() for a message sent after the previous one was received (no
    failed recv in between)."""

    async def main():
        r, s = apair(actx, bind_endpoint("inproc"), getattr(zmq, rtype), getattr(zmq, stype))
        for i in range(3):
            await s.send(b"%d" % i)
            assert await asyncio.wait_for(r.recv(), 2) == b"%d" % i
            asyncio.get_running_loop().call_later(0.05, lambda i=i: s.send(b"n%d" % i))
            assert await asyncio.wait_for(r.poll(1000), 2) == zmq.POLLIN, f"round {i}"
            assert await r.recv() == b"n%d" % i
        r.close()
        s.close()

    run(main, loop)


@pytest.mark.parametrize("loop", LOOPS)
def test_async_poller(actx, bind_endpoint, loop):
    async def main():
        pairs = [apair(actx, bind_endpoint(t), zmq.PULL, zmq.PUSH) for t in TRANSPORTS]
        poller = zaio.Poller()
        for pull, _ in pairs:
            poller.register(pull, zmq.POLLIN)
        lp = asyncio.get_running_loop()
        assert await poller.poll(0) == []
        t0 = lp.time()
        assert await poller.poll(100) == []
        assert 0.09 <= lp.time() - t0 < 1.0
        for k, (pull, push) in enumerate(pairs):
            lp.call_later(0.03, lambda push=push, k=k: push.send(b"%d" % k))
            got = await asyncio.wait_for(poller.poll(), 2)  # default: forever
            assert got == [(pull, zmq.POLLIN)], (k, got)
            assert await pull.recv() == b"%d" % k
        assert await poller.poll(0) == []
        # Several ready at once; POLLOUT on a PUSH.
        for k, (_, push) in enumerate(pairs):
            await push.send(b"again")
        poller.register(pairs[0][1], zmq.POLLOUT)
        deadline = lp.time() + 2
        while True:
            got = dict(await poller.poll(500))
            if len(got) == 4 or lp.time() > deadline:
                break
            await asyncio.sleep(0.01)
        assert got == {pairs[0][0]: zmq.POLLIN, pairs[1][0]: zmq.POLLIN,
                       pairs[2][0]: zmq.POLLIN, pairs[0][1]: zmq.POLLOUT}
        # Cancelling a pending poll leaves nothing behind.
        for pull, _ in pairs:
            await pull.recv()
        poller.unregister(pairs[0][1])
        f = asyncio.ensure_future(poller.poll(5000))
        await asyncio.sleep(0.02)
        f.cancel()
        await pairs[1][1].send(b"after-cancel")
        assert await arecv(pairs[1][0]) == [b"after-cancel"]
        for a, b in pairs:
            a.close()
            b.close()

    run(main, loop)


@pytest.mark.parametrize("loop", ["asyncio", "uvloop"])
def test_async_poller_with_plain_fds(actx, bind_endpoint, loop):
    """Loops with add_reader: async sockets and plain sockets in one poller."""
    import socket

    async def main():
        pull, push = apair(actx, bind_endpoint("tcp"), zmq.PULL, zmq.PUSH)
        a, b = socket.socketpair()
        try:
            poller = zaio.Poller()
            poller.register(pull, zmq.POLLIN)
            poller.register(a, zmq.POLLIN)
            assert await poller.poll(0) == []
            asyncio.get_running_loop().call_later(0.03, b.send, b"x")
            # As pyzmq: a plain socket is reported by its fd.
            assert await asyncio.wait_for(poller.poll(2000), 2.5) == [(a.fileno(), zmq.POLLIN)]
            a.recv(10)
            await push.send(b"z")
            assert await asyncio.wait_for(poller.poll(2000), 2.5) == [(pull, zmq.POLLIN)]
            assert await pull.recv() == b"z"
        finally:
            a.close()
            b.close()
            pull.close()
            push.close()

    run(main, loop)


def test_async_poller_plain_fd_on_loop_without_add_reader(actx):
    """Documented: such a loop cannot watch plain fds; async sockets still work."""
    import socket

    async def main():
        a, b = socket.socketpair()
        try:
            poller = zaio.Poller()
            poller.register(a, zmq.POLLIN)
            with pytest.raises(NotImplementedError):
                await poller.poll(100)
        finally:
            a.close()
            b.close()

    run(main, "no_add_reader")
