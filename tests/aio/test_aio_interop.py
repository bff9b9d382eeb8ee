"""purezmq.asyncio against other peers: libzmq (pyzmq sync sockets in a
thread, and zmq.asyncio on the same loop), and purezmq's own sync sockets in
the same program over inproc, tcp and ipc."""

from __future__ import annotations

import asyncio
import threading

import pytest

import purezmq as zmq
import purezmq.asyncio as zaio
from aio_util import LOOPS, apair, arecv, asock, destroy_in_thread, run, subscribed

lz = pytest.importorskip("zmq")
import zmq.asyncio as lz_asyncio  # noqa: E402

WIRE = ["tcp", "ipc"]


@pytest.fixture
def actx():
    c = zaio.Context()
    yield c
    destroy_in_thread(c)


class Peer(threading.Thread):
    """A libzmq (pyzmq) socket served by a plain thread."""

    def __init__(self, zctx, socket_type, fn, bind=None, connect=None, **opts) -> None:
        super().__init__(daemon=True)
        self.sock = zctx.socket(socket_type)
        self.sock.linger = 0
        self.sock.rcvtimeo = 3000
        self.sock.sndtimeo = 3000
        for k, v in opts.items():
            self.sock.setsockopt(getattr(lz, k.upper()), v)
        if bind:
            self.sock.bind(bind)
        if connect:
            self.sock.connect(connect)
        self.fn = fn
        self.error = None
        self.result = None

    @property
    def endpoint(self) -> str:
        return self.sock.last_endpoint.decode()

    def run(self) -> None:
        try:
            self.result = self.fn(self.sock)
        except BaseException as e:  # noqa: BLE001
            self.error = e
        finally:
            self.sock.close()

    def finish(self, timeout: float = 5.0):
        self.join(timeout)
        assert not self.is_alive(), "libzmq peer thread hung"
        if self.error:
            raise self.error
        return self.result


def wire_endpoint(bind_endpoint, transport: str) -> str:
    return bind_endpoint(transport)


# ----------------------------------------------------------------------------
# A libzmq peer in a thread
# ----------------------------------------------------------------------------
@pytest.mark.parametrize("loop", LOOPS)
@pytest.mark.parametrize("transport", WIRE)
def test_async_req_to_libzmq_rep(actx, zctx, bind_endpoint, loop, transport):
    n = 30

    def rep(s):
        for _ in range(n):
            s.send_multipart([b"re:" + p for p in s.recv_multipart()])

    peer = Peer(zctx, lz.REP, rep, bind=bind_endpoint(transport))
    peer.start()

    async def main():
        req = asock(actx, zmq.REQ)
        req.connect(peer.endpoint)
        for i in range(n):
            await req.send_multipart([b"q", b"%d" % i])
            assert await arecv(req) == [b"re:q", b"re:%d" % i]
        req.close()

    run(main, loop)
    peer.finish()


@pytest.mark.parametrize("loop", LOOPS)
@pytest.mark.parametrize("transport", WIRE)
def test_libzmq_req_to_async_rep(actx, zctx, bind_endpoint, loop, transport):
    n = 30
    ready = threading.Event()
    ep = {}

    def req(s):
        assert ready.wait(3)
        s.connect(ep["addr"])
        out = []
        for i in range(n):
            s.send_json({"i": i})
            out.append(s.recv_json())
        return out

    peer = Peer(zctx, lz.REQ, req)
    peer.start()

    async def main():
        rep = asock(actx, zmq.REP)
        rep.bind(bind_endpoint(transport))
        ep["addr"] = rep.last_endpoint.decode()
        ready.set()
        for _ in range(n):
            obj = await asyncio.wait_for(rep.recv_json(), 3)
            await rep.send_json({"got": obj["i"]})
        rep.close()

    run(main, loop)
    assert peer.finish() == [{"got": i} for i in range(n)]


@pytest.mark.parametrize("loop", LOOPS)
@pytest.mark.parametrize("transport", WIRE)
def test_libzmq_pub_to_async_sub(actx, zctx, bind_endpoint, loop, transport):
    stop = threading.Event()

    def pub(s):
        i = 0
        while not stop.is_set():  # publish until the subscriber has had enough
            s.send_multipart([b"t.%d" % i, b"x"])
            s.send_multipart([b"other", b"y"])
            i += 1
            stop.wait(0.001)

    peer = Peer(zctx, lz.PUB, pub, bind=bind_endpoint(transport))
    peer.start()

    async def main():
        sub = asock(actx, zmq.SUB)
        sub.subscribe(b"t.")
        sub.connect(peer.endpoint)
        nums = []
        for _ in range(50):
            topic, body = await arecv(sub)
            assert topic.startswith(b"t.") and body == b"x"
            nums.append(int(topic[2:]))
        assert nums == list(range(nums[0], nums[0] + 50))  # in order, no gaps
        sub.close()

    try:
        run(main, loop)
    finally:
        stop.set()
    peer.finish()


@pytest.mark.parametrize("loop", LOOPS)
@pytest.mark.parametrize("transport", WIRE)
def test_async_push_to_libzmq_pull_and_back(actx, zctx, bind_endpoint, loop, transport):
    """async PUSH -> libzmq PULL ... libzmq PUSH -> async PULL (a relay)."""
    n = 200
    ready = threading.Event()
    ep = {}

    def relay(pull):
        assert ready.wait(3)
        push = zctx.socket(lz.PUSH)
        push.linger = 3000  # close() must not drop what is still queued
        push.sndtimeo = 3000
        push.connect(ep["sink"])
        try:
            for _ in range(n):
                push.send_multipart(pull.recv_multipart())
        finally:
            push.close()

    peer = Peer(zctx, lz.PULL, relay, bind=bind_endpoint(transport))
    peer.start()

    async def main():
        sink = asock(actx, zmq.PULL)
        sink.bind(bind_endpoint(transport))
        ep["sink"] = sink.last_endpoint.decode()
        ready.set()
        push = asock(actx, zmq.PUSH)
        push.connect(peer.endpoint)
        for i in range(n):
            await push.send_multipart([b"%d" % i, b"body"])
        got = [await arecv(sink, 3) for _ in range(n)]
        assert got == [[b"%d" % i, b"body"] for i in range(n)]
        push.close()
        sink.close()

    run(main, loop)
    peer.finish()


@pytest.mark.parametrize("loop", LOOPS)
@pytest.mark.parametrize("transport", WIRE)
def test_libzmq_dealers_to_async_router(actx, zctx, bind_endpoint, loop, transport):
    clients = 3
    per = 30
    ready = threading.Event()
    ep = {}

    def dealer_fn(k):
        def fn(s):
            assert ready.wait(3)
            s.connect(ep["addr"])
            for i in range(per):
                s.send_multipart([b"%d" % i])
            return [s.recv_multipart() for _ in range(per)]
        return fn

    peers = [Peer(zctx, lz.DEALER, dealer_fn(k), routing_id=b"lz-%d" % k) for k in range(clients)]
    for p in peers:
        p.start()

    async def main():
        router = asock(actx, zmq.ROUTER)
        router.bind(bind_endpoint(transport))
        ep["addr"] = router.last_endpoint.decode()
        ready.set()
        for _ in range(clients * per):
            rid, num = await arecv(router, 3)
            await router.send_multipart([rid, rid, num])
        router.close()

    run(main, loop)
    for k, p in enumerate(peers):
        assert p.finish() == [[b"lz-%d" % k, b"%d" % i] for i in range(per)]


# ----------------------------------------------------------------------------
# zmq.asyncio on the same loop (it needs add_reader: not the no_add_reader loop)
# ----------------------------------------------------------------------------
@pytest.mark.parametrize("loop", ["asyncio", "uvloop"])
@pytest.mark.parametrize("transport", WIRE)
def test_with_zmq_asyncio_on_the_same_loop(actx, bind_endpoint, loop, transport):
    lctx = lz_asyncio.Context()

    async def main():
        # purezmq ROUTER <-> zmq.asyncio DEALER, and zmq.asyncio PUB -> purezmq SUB.
        router = asock(actx, zmq.ROUTER)
        router.bind(bind_endpoint(transport))
        dealer = lctx.socket(lz.DEALER)
        dealer.linger = 0
        dealer.routing_id = b"lz"
        dealer.connect(router.last_endpoint.decode())
        pub = lctx.socket(lz.PUB)
        pub.linger = 0
        pub.bind(bind_endpoint(transport))
        sub = asock(actx, zmq.SUB)
        sub.subscribe(b"")
        sub.connect(pub.last_endpoint.decode())

        async def echo():
            for _ in range(40):
                rid, *rest = await router.recv_multipart()
                await router.send_multipart([rid] + rest)

        e = asyncio.create_task(echo())
        for i in range(40):
            await dealer.send_multipart([b"m", b"%d" % i])
            assert await asyncio.wait_for(dealer.recv_multipart(), 2) == [b"m", b"%d" % i]
        await asyncio.wait_for(e, 2)

        await subscribed(pub, sub)
        for i in range(30):
            await pub.send(b"%d" % i)
        assert [int((await arecv(sub))[0]) for _ in range(30)] == list(range(30))
        for s in (router, dealer, pub, sub):
            s.close()

    try:
        run(main, loop)
    finally:
        lctx.destroy(linger=0)


# ----------------------------------------------------------------------------
# purezmq sync and async sockets in one program
# ----------------------------------------------------------------------------
@pytest.fixture
def shared():
    sync_ctx = zmq.Context()
    actx = zaio.Context(sync_ctx)
    yield sync_ctx, actx
    destroy_in_thread(sync_ctx)


@pytest.mark.parametrize("loop", LOOPS)
@pytest.mark.parametrize("transport", ["inproc", "tcp", "ipc"])
@pytest.mark.parametrize("async_binds", [True, False])
def test_sync_thread_and_async_coroutine(shared, bind_endpoint, loop, transport, async_binds):
    """A sync REP served by a thread, an async REQ in the loop (or the
    other way round for binding), sharing one context."""
    sync_ctx, actx = shared
    n = 30
    ep = bind_endpoint(transport)
    ready = threading.Event()
    client_done = threading.Event()
    addr = {}

    def sync_server():
        s = sync_ctx.socket(zmq.REP)
        s.linger = 0
        s.rcvtimeo = 3000
        s.sndtimeo = 3000
        if async_binds:
            assert ready.wait(3)
            s.connect(addr["ep"])
        else:
            s.bind(ep)
            addr["ep"] = s.last_endpoint.decode()
            ready.set()
        try:
            for _ in range(n):
                s.send_multipart([b"sync"] + s.recv_multipart())
            # Close only once the last reply is in (a REQ losing a reply whose
            # REP closed at once is tested in tests/polling).
            client_done.wait(3)
        finally:
            s.close()

    t = Peer.__new__(Peer)
    threading.Thread.__init__(t, daemon=True)
    t.fn, t.error, t.result = (lambda _s: sync_server()), None, None
    t.sock = type("NoSock", (), {"close": lambda self: None})()
    t.start()

    async def main():
        req = asock(actx, zmq.REQ)
        if async_binds:
            req.bind(ep)
            addr["ep"] = req.last_endpoint.decode()
            ready.set()
        else:
            assert await asyncio.to_thread(ready.wait, 3)
            req.connect(addr["ep"])
        try:
            for i in range(n):
                await req.send(b"%d" % i)
                assert await arecv(req, 3) == [b"sync", b"%d" % i]
        finally:
            client_done.set()
        req.close()

    run(main, loop)
    t.finish()


@pytest.mark.parametrize("loop", LOOPS)
@pytest.mark.parametrize("transport", ["inproc", "tcp", "ipc"])
def test_sync_socket_used_inside_the_loop(shared, bind_endpoint, loop, transport):
    """A sync PUSH sending from a coroutine (non-blocking) to an async PULL,
    and an async PUSH to a sync PULL read with NOBLOCK + async sleeps."""
    sync_ctx, actx = shared
    n = 100

    async def main():
        apull = asock(actx, zmq.PULL)
        apull.bind(bind_endpoint(transport))
        spush = sync_ctx.socket(zmq.PUSH)
        spush.linger = 0
        spush.connect(apull.last_endpoint.decode())

        spull = sync_ctx.socket(zmq.PULL)
        spull.linger = 0
        spull.bind(bind_endpoint(transport))
        apush = asock(actx, zmq.PUSH)
        apush.connect(spull.last_endpoint.decode())

        for i in range(n):
            spush.send(b"s%d" % i)  # the sync socket, called on the loop's thread
            await apush.send(b"a%d" % i)
        got_async = [await asyncio.wait_for(apull.recv(), 2) for _ in range(n)]
        assert got_async == [b"s%d" % i for i in range(n)]
        got_sync = []
        lp = asyncio.get_running_loop()
        deadline = lp.time() + 3
        while len(got_sync) < n and lp.time() < deadline:
            try:
                got_sync.append(spull.recv(zmq.NOBLOCK))
            except zmq.Again:
                await asyncio.sleep(0.002)
        assert got_sync == [b"a%d" % i for i in range(n)]
        for s in (apull, spush, spull, apush):
            s.close()

    run(main, loop)


@pytest.mark.parametrize("loop", LOOPS)
def test_async_context_shadows_sync_context_over_inproc(shared, loop):
    sync_ctx, actx = shared
    assert actx.underlying is sync_ctx.underlying

    async def main():
        a = asock(actx, zmq.PAIR)
        a.bind("inproc://shadow-pair")
        s = sync_ctx.socket(zmq.PAIR)
        s.linger = 0
        s.connect("inproc://shadow-pair")
        s.send(b"from-sync")
        assert await asyncio.wait_for(a.recv(), 2) == b"from-sync"
        await a.send(b"from-async")
        assert s.poll(2000)
        assert s.recv() == b"from-async"

        # A pending async recv woken by a sync send from another thread.
        f = asyncio.ensure_future(a.recv())
        await asyncio.sleep(0.02)
        t = threading.Thread(target=s.send, args=(b"threaded",))
        t.start()
        assert await asyncio.wait_for(f, 2) == b"threaded"
        t.join(2)
        a.close()
        s.close()

    run(main, loop)
