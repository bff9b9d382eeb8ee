"""ZMQStream on a tornado IOLoop, over real sockets.

Most tests run twice: against purezmq's ZMQStream and against pyzmq's (real
libzmq), so the semantics checked are pyzmq's own.  Every test drives a
fresh IOLoop with `run_until`, which stops the loop at a deadline: a test
can fail, never hang.
"""

from __future__ import annotations

import asyncio
import gc
import pickle
import threading
import time
import warnings
from types import SimpleNamespace

import pytest

tornado_ioloop = pytest.importorskip("tornado.ioloop")
IOLoop = tornado_ioloop.IOLoop

import purezmq  # noqa: E402

TRANSPORTS = ["tcp", "ipc", "inproc"]
IMPLS = ["purezmq", "pyzmq"]
DEADLINE = 10.0


def _load(name: str):
    if name == "pyzmq":
        zmq = pytest.importorskip("zmq")
        from zmq.eventloop.zmqstream import ZMQStream
    else:
        zmq = purezmq
        from purezmq.eventloop.zmqstream import ZMQStream
    return zmq, ZMQStream


def _destroy(ctx) -> None:
    done = threading.Event()

    def run() -> None:
        ctx.destroy(linger=0)
        done.set()

    threading.Thread(target=run, daemon=True).start()
    if not done.wait(10):
        pytest.fail("Context.destroy() hung for 10 s")


class Env(SimpleNamespace):
    """One implementation's module, context, a fresh IOLoop, and cleanup."""

    def socket(self, kind: int, **opts):
        s = self.ctx.socket(kind)
        s.linger = 0
        for name, value in opts.items():
            setattr(s, name, value)
        self.sockets.append(s)
        return s

    def stream(self, sock):
        st = self.ZMQStream(sock, self.loop)
        self.streams.append(st)
        return st

    def pair(self, kind_a: int, kind_b: int, transport: str, **opts):
        """(bound, connected) sockets of the given kinds."""
        a = self.socket(kind_a, **opts)
        a.bind(self.endpoint(transport))
        b = self.socket(kind_b, **opts)
        b.connect(a.last_endpoint.decode())
        return a, b

    def run_until(self, cond, timeout: float = DEADLINE) -> None:
        """Run the loop until cond() holds, or stop it at the deadline."""
        loop = self.loop

        def check() -> None:
            if cond():
                loop.stop()
            else:
                loop.call_later(0.002, check)

        deadline = loop.call_later(timeout, loop.stop)
        loop.add_callback(check)
        loop.start()
        loop.remove_timeout(deadline)

    def run_for(self, seconds: float) -> None:
        self.loop.call_later(seconds, self.loop.stop)
        self.loop.start()


def queued(stream) -> int:
    """Messages waiting in a stream's send queue (pyzmq's is a Queue)."""
    q = stream._send_queue
    return q.qsize() if hasattr(q, "qsize") else len(q)


@pytest.fixture(params=IMPLS)
def env(request, bind_endpoint):
    yield from _env(request.param, bind_endpoint)


@pytest.fixture
def penv(bind_endpoint):
    """purezmq only: behaviour pyzmq does not promise (or gets wrong)."""
    yield from _env("purezmq", bind_endpoint)


def _env(name, bind_endpoint):
    zmq, ZMQStream = _load(name)
    loop = IOLoop()
    e = Env(name=name, zmq=zmq, ZMQStream=ZMQStream, ctx=zmq.Context(), loop=loop,
            endpoint=bind_endpoint, sockets=[], streams=[])
    try:
        yield e
    finally:
        for st in e.streams:
            if not st.closed():
                st.close(linger=0)
        for s in e.sockets:
            if not s.closed:
                s.close(linger=0)
        _destroy(e.ctx)
        loop.close(all_fds=False)


# ----------------------------------------------------------------------
# Receiving
# ----------------------------------------------------------------------
@pytest.mark.parametrize("transport", TRANSPORTS)
def test_on_recv_gets_multipart_lists_of_bytes(env, transport):
    a, b = env.pair(env.zmq.PAIR, env.zmq.PAIR, transport)
    sb = env.stream(b)
    got = []
    sb.on_recv(got.append)
    assert sb.receiving()
    a.send_multipart([b"one", b"", b"three"])
    a.send(b"single")
    env.run_until(lambda: len(got) == 2)
    assert got == [[b"one", b"", b"three"], [b"single"]]
    assert all(type(p) is bytes for m in got for p in m)


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_on_recv_copy_false_gives_frames(env, transport):
    a, b = env.pair(env.zmq.PAIR, env.zmq.PAIR, transport)
    sb = env.stream(b)
    got = []
    sb.on_recv(got.append, copy=False)
    big = b"x" * 100_000
    a.send_multipart([b"head", big])
    env.run_until(lambda: got)
    [msg] = got
    assert all(isinstance(f, env.zmq.Frame) for f in msg)
    assert [f.bytes for f in msg] == [b"head", big]


def test_on_recv_stream_passes_the_stream(env):
    a, b = env.pair(env.zmq.PAIR, env.zmq.PAIR, "tcp")
    sb = env.stream(b)
    got = []
    sb.on_recv_stream(lambda stream, msg: got.append((stream, msg)))
    a.send(b"hi")
    env.run_until(lambda: got)
    assert got == [(sb, [b"hi"])]
    sb.on_recv_stream(None)
    assert not sb.receiving()


def test_on_recv_replaces_callback(env):
    a, b = env.pair(env.zmq.PAIR, env.zmq.PAIR, "inproc")
    sb = env.stream(b)
    first, second = [], []
    sb.on_recv(first.append)
    sb.on_recv(second.append)
    a.send(b"m")
    env.run_until(lambda: second)
    assert first == [] and second == [[b"m"]]


def test_message_waiting_before_on_recv_is_delivered(env):
    """A message already queued (its FD edge long gone) when on_recv comes."""
    a, b = env.pair(env.zmq.PAIR, env.zmq.PAIR, "tcp")
    a.send(b"early")
    assert b.poll(5000) == env.zmq.POLLIN  # queued at b, and the edge consumed
    assert b.getsockopt(env.zmq.EVENTS) & env.zmq.POLLIN
    sb = env.stream(b)
    got = []
    env.run_for(0.05)
    sb.on_recv(got.append)
    env.run_until(lambda: got)
    assert got == [[b"early"]]


# ----------------------------------------------------------------------
# Sending
# ----------------------------------------------------------------------
def test_on_send_callback_args(env):
    zmq = env.zmq
    a, b = env.pair(zmq.PAIR, zmq.PAIR, "tcp")
    sa = env.stream(a)
    sent = []
    sa.on_send(lambda msg, status: sent.append((msg, status)))
    parts = [b"a", b"b"]
    sa.send_multipart(parts)
    sa.send(b"c")
    sa.send_string("d\u00e9")
    sa.send_json({"k": [1, 2]})
    sa.send_pyobj({"p": 1})
    env.run_until(lambda: len(sent) == 5)
    assert sent[0][0] is parts
    assert [m for m, _ in sent] == [
        [b"a", b"b"], [b"c"], ["d\u00e9".encode()], [b'{"k": [1, 2]}'],
        [pickle.dumps({"p": 1}, -1)],
    ]
    assert [s for _, s in sent] == [None] * 5
    received = [b.recv_multipart() for _ in range(5)]
    assert received == [[b"a", b"b"], [b"c"], [b"d\xc3\xa9"], [b'{"k": [1, 2]}'],
                        [pickle.dumps({"p": 1}, -1)]]


def test_send_tracked_gives_tracker(env):
    zmq = env.zmq
    a, b = env.pair(zmq.PAIR, zmq.PAIR, "tcp")
    sa = env.stream(a)
    sent = []
    sa.send(b"x" * 1000, copy=False, track=True,
            callback=lambda msg, status: sent.append(status))
    env.run_until(lambda: sent)
    assert isinstance(sent[0], zmq.MessageTracker)
    assert b.recv() == b"x" * 1000


def test_send_callback_argument_becomes_the_send_callback(env):
    """callback= replaces the stream's send callback (for queued sends too)."""
    a, b = env.pair(env.zmq.PAIR, env.zmq.PAIR, "inproc")
    sa = env.stream(a)
    first, second, third = [], [], []
    sa.send(b"1", callback=lambda m, s: first.append(m))
    sa.send(b"2")  # keeps the callback given above
    sa.send(b"3", callback=lambda m, s: second.append(m))
    env.run_until(lambda: len(second) == 3)
    assert first == [] and second == [[b"1"], [b"2"], [b"3"]]
    sa.on_send(third.append and (lambda m, s: third.append(m)))
    sa.send(b"4")
    env.run_until(lambda: third)
    assert third == [[b"4"]] and len(second) == 3


def test_on_send_stream_and_stop_on_send(env):
    a, b = env.pair(env.zmq.PAIR, env.zmq.PAIR, "inproc")
    sa = env.stream(a)
    sent = []
    sa.on_send_stream(lambda stream, msg, status: sent.append((stream, msg)))
    sa.send(b"1")
    env.run_until(lambda: sent)
    sa.stop_on_send()
    sa.send(b"2")  # installs a no-op send callback
    env.run_until(lambda: not sa.sending())
    assert sent == [(sa, [b"1"])]
    assert [b.recv(), b.recv()] == [b"1", b"2"]


def test_sends_are_queued_until_the_loop_runs(env):
    zmq = env.zmq
    a, b = env.pair(zmq.PAIR, zmq.PAIR, "tcp")
    sa = env.stream(a)
    for i in range(3):
        sa.send(b"%d" % i)
    assert sa.sending()
    time.sleep(0.05)
    assert b.poll(0) == 0  # nothing went without the loop
    env.run_until(lambda: not sa.sending())
    assert [b.recv(), b.recv(), b.recv()] == [b"0", b"1", b"2"]


def test_sends_wait_for_a_peer(env):
    """A DEALER with no peer cannot send: the queue waits for POLLOUT."""
    zmq = env.zmq
    d = env.socket(zmq.DEALER)
    sd = env.stream(d)
    for i in range(5):
        sd.send(b"%d" % i)
    env.run_for(0.1)
    assert sd.sending()
    r = env.socket(zmq.ROUTER)
    r.bind(env.endpoint("tcp"))
    d.connect(r.last_endpoint.decode())
    sr = env.stream(r)
    got = []
    sr.on_recv(got.append)
    env.run_until(lambda: len(got) == 5)
    assert [m[1] for m in got] == [b"%d" % i for i in range(5)]
    assert not sd.sending()


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_sends_blocked_by_hwm_resume_when_the_peer_reads(env, transport):
    """The peer's queue fills up: the stream waits (on the FD alone, no
    timer) and resumes when the peer starts reading, losing nothing."""
    zmq = env.zmq
    a, b = env.pair(zmq.PAIR, zmq.PAIR, transport, sndhwm=10, rcvhwm=10)
    sa = env.stream(a)
    n, size = 1000, 10_000  # 10 MB: beyond both HWMs and the kernel's buffers
    for i in range(n):
        sa.send(b"%d" % i + b"." * size)
    env.run_until(lambda: queued(sa) < n)
    cpu = time.process_time()
    env.run_for(0.3)
    spent = time.process_time() - cpu
    assert sa.sending()
    if env.name == "purezmq":
        assert sa._timer is None
    assert spent < 0.15, f"loop spun while blocked ({spent:.2f}s CPU)"
    sb = env.stream(b)
    got = []
    sb.on_recv(got.append)
    env.run_until(lambda: len(got) == n)
    assert got == [[b"%d" % i + b"." * size] for i in range(n)]
    assert not sa.sending()


def test_idle_streams_cost_nothing(env):
    zmq = env.zmq
    pub, sub = env.pair(zmq.PUB, zmq.SUB, "tcp")
    sub.subscribe(b"")
    spub, ssub = env.stream(pub), env.stream(sub)
    got = []
    ssub.on_recv(got.append)
    env.run_for(0.1)
    cpu = time.process_time()
    env.run_for(0.3)
    spent = time.process_time() - cpu
    assert spent < 0.1, f"idle loop busy ({spent:.2f}s CPU)"
    spub.send(b"wake")
    env.run_until(lambda: got)
    assert got == [[b"wake"]]


# ----------------------------------------------------------------------
# flush
# ----------------------------------------------------------------------
def test_flush_sends_queued_messages_now(env):
    zmq = env.zmq
    a, b = env.pair(zmq.PAIR, zmq.PAIR, "inproc")
    sa = env.stream(a)
    sent = []
    sa.on_send(lambda m, s: sent.append(m))
    for i in range(4):
        sa.send(b"%d" % i)
    assert sa.flush(zmq.POLLOUT, limit=3) == 3
    assert sa.sending() and len(sent) == 3
    assert sa.flush() == 1
    assert not sa.sending()
    assert sent == [[b"0"], [b"1"], [b"2"], [b"3"]]
    assert [b.recv() for _ in range(4)] == [b"0", b"1", b"2", b"3"]
    assert sa.flush() == 0


def test_flush_receives_into_callback_and_drops_without_one(env):
    zmq = env.zmq
    a, b = env.pair(zmq.PAIR, zmq.PAIR, "inproc")
    sb = env.stream(b)
    for i in range(3):
        a.send(b"%d" % i)
    assert b.poll(5000)
    got = []
    sb.on_recv(got.append)
    assert sb.flush(zmq.POLLIN, limit=2) == 2
    assert got == [[b"0"], [b"1"]]
    # the loop skips its callbacks in the iteration of a flush
    sb.stop_on_recv()
    assert sb.flush(zmq.POLLIN) == 1  # dropped: no callback
    assert got == [[b"0"], [b"1"]]
    assert b.poll(50) == 0


def test_flush_then_loop_delivers_the_rest(env):
    zmq = env.zmq
    a, b = env.pair(zmq.PAIR, zmq.PAIR, "inproc")
    sb = env.stream(b)
    got = []
    sb.on_recv(got.append)
    for i in range(10):
        a.send(b"%d" % i)
    assert b.poll(5000)
    assert sb.flush(limit=4) == 4
    env.run_until(lambda: len(got) == 10)
    assert got == [[b"%d" % i] for i in range(10)]


# ----------------------------------------------------------------------
# stop_on_recv
# ----------------------------------------------------------------------
def test_stop_on_recv_leaves_messages_in_the_socket(env):
    zmq = env.zmq
    a, b = env.pair(zmq.PAIR, zmq.PAIR, "tcp")
    sb = env.stream(b)
    got = []

    def on(msg):
        got.append(msg)
        sb.stop_on_recv()

    sb.on_recv(on)
    for i in range(3):
        a.send(b"%d" % i)
    env.run_until(lambda: got)
    cpu = time.process_time()
    env.run_for(0.3)  # messages wait, nobody receives: the loop must idle
    spent = time.process_time() - cpu
    assert got == [[b"0"]]
    assert not sb.receiving()
    assert spent < 0.1, f"loop spun while messages waited unreceived ({spent:.2f}s CPU)"
    sb.on_recv(got.append)
    env.run_until(lambda: len(got) == 3)
    assert got == [[b"0"], [b"1"], [b"2"]]


# ----------------------------------------------------------------------
# Closing
# ----------------------------------------------------------------------
def test_close_from_recv_callback(env):
    zmq = env.zmq
    a, b = env.pair(zmq.PAIR, zmq.PAIR, "tcp")
    sb = env.stream(b)
    got, closed = [], []
    sb.set_close_callback(lambda: closed.append(True))

    def on(msg):
        got.append(msg)
        sb.close(linger=0)

    sb.on_recv(on)
    for i in range(5):
        a.send(b"%d" % i)
    env.run_until(lambda: closed)
    env.run_for(0.1)
    assert got == [[b"0"]]
    assert closed == [True]
    assert sb.closed() and b.closed and sb.socket is None
    with pytest.raises(OSError):
        sb.on_recv(got.append)
    with pytest.raises(OSError):
        sb.send(b"late")
    sb.close()  # again: no-op
    assert closed == [True]


def test_close_from_send_callback(env):
    zmq = env.zmq
    a, b = env.pair(zmq.PAIR, zmq.PAIR, "inproc")
    sa = env.stream(a)
    sent = []

    def on_send(msg, status):
        sent.append(msg)
        sa.close(linger=0)

    sa.on_send(on_send)
    sa.send(b"1")
    sa.send(b"2")
    env.run_until(lambda: sa.closed())
    env.run_for(0.05)
    assert sent == [[b"1"]]
    assert b.recv() == b"1"


def test_closed_notices_a_socket_closed_directly(env):
    zmq = env.zmq
    s = env.socket(zmq.PAIR)
    st = env.stream(s)
    closed = []
    st.set_close_callback(lambda: closed.append(True))
    assert not st.closed()
    s.close()
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        assert st.closed()
    assert closed == [True]


def test_close_with_linger_and_close_callback(env):
    s = env.socket(env.zmq.PUB)
    st = env.stream(s)
    closed = []
    st.set_close_callback(lambda: closed.append(True))
    st.close(linger=0)
    assert s.closed and closed == [True] and st.closed()


def test_exception_in_callback_does_not_stall_the_stream(penv, caplog):
    """purezmq only: pyzmq's stream skips re-arming after a callback raised,
    and with libzmq's edge-triggered FD the next message then waits for the
    next edge (seen: [[b"bad"]] only, for 10 s)."""
    env = penv
    zmq = env.zmq
    a, b = env.pair(zmq.PAIR, zmq.PAIR, "inproc")
    sb = env.stream(b)
    got = []

    def on(msg):
        got.append(msg)
        if msg == [b"bad"]:
            raise RuntimeError("boom")

    sb.on_recv(on)
    a.send(b"bad")
    a.send(b"good")
    # asyncio logs the exception the handler re-raises; keep it quiet
    env.loop.asyncio_loop.set_exception_handler(lambda loop, context: None)
    env.run_until(lambda: len(got) == 2)
    assert got == [[b"bad"], [b"good"]]
    assert "Uncaught exception in ZMQStream callback" in caplog.text


def test_coroutine_callbacks(env):
    a, b = env.pair(env.zmq.PAIR, env.zmq.PAIR, "inproc")
    sb = env.stream(b)
    got = []

    async def on(msg):
        await asyncio.sleep(0)
        got.append(msg)

    sb.on_recv(on)
    a.send(b"x")
    env.run_until(lambda: got)
    assert got == [[b"x"]]


# ----------------------------------------------------------------------
# Bursts
# ----------------------------------------------------------------------
@pytest.mark.parametrize("transport", TRANSPORTS)
def test_burst_from_stream_to_stream_loses_nothing(env, transport):
    zmq = env.zmq
    n = 3000
    a, b = env.pair(zmq.PUSH, zmq.PULL, transport)
    sa, sb = env.stream(a), env.stream(b)
    got, sent = [], []
    sb.on_recv(got.append)
    sa.on_send(lambda m, s: sent.append(1))
    for i in range(n):
        sa.send_multipart([b"%d" % i, b"payload"])
    env.run_until(lambda: len(got) == n)
    assert len(sent) == n
    assert got == [[b"%d" % i, b"payload"] for i in range(n)]


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_burst_from_a_thread_loses_nothing(env, transport):
    """Messages arriving while the loop is busy, in spurts, from a thread."""
    zmq = env.zmq
    n = 5000
    a, b = env.pair(zmq.PUSH, zmq.PULL, transport)
    sb = env.stream(b)
    got = []
    sb.on_recv(got.append)

    def produce():
        for i in range(n):
            a.send(b"%d" % i)
            if i % 500 == 0:
                time.sleep(0.01)

    t = threading.Thread(target=produce, daemon=True)
    env.loop.add_callback(t.start)
    env.run_until(lambda: len(got) == n)
    t.join(5)
    assert got == [[b"%d" % i] for i in range(n)]


def test_send_from_another_thread(env):
    zmq = env.zmq
    a, b = env.pair(zmq.PAIR, zmq.PAIR, "inproc")
    sa, sb = env.stream(a), env.stream(b)
    got = []
    sb.on_recv(got.append)

    def worker():
        for i in range(50):
            sa.send(b"%d" % i)

    env.loop.add_callback(lambda: threading.Thread(target=worker, daemon=True).start())
    env.run_until(lambda: len(got) == 50)
    assert got == [[b"%d" % i] for i in range(50)]


# ----------------------------------------------------------------------
# Patterns driven entirely from the loop
# ----------------------------------------------------------------------
@pytest.mark.parametrize("transport", TRANSPORTS)
def test_req_rep_from_the_loop(env, transport):
    zmq = env.zmq
    rep, req = env.pair(zmq.REP, zmq.REQ, transport)
    srep, sreq = env.stream(rep), env.stream(req)
    rounds = 100
    replies = []

    srep.on_recv(lambda msg: srep.send_multipart([b"re:" + msg[0]]))

    def on_reply(msg):
        replies.append(msg)
        if len(replies) < rounds:
            sreq.send(b"%d" % len(replies))

    sreq.on_recv(on_reply)
    sreq.send(b"0")
    env.run_until(lambda: len(replies) == rounds)
    assert replies == [[b"re:%d" % i] for i in range(rounds)]


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_router_dealer_from_the_loop(env, transport):
    zmq = env.zmq
    router = env.socket(zmq.ROUTER)
    router.bind(env.endpoint(transport))
    srouter = env.stream(router)
    srouter.on_recv(lambda msg: srouter.send_multipart([msg[0], b"ack"] + msg[1:]))
    dealers = []
    got: dict = {}
    per = 200
    for k in range(4):
        d = env.socket(zmq.DEALER, routing_id=b"d%d" % k)
        d.connect(router.last_endpoint.decode())
        sd = env.stream(d)
        got[k] = []
        sd.on_recv(got[k].append)
        for i in range(per):
            sd.send_multipart([b"%d" % k, b"%d" % i])
        dealers.append(sd)
    env.run_until(lambda: all(len(v) == per for v in got.values()))
    for k, msgs in got.items():
        assert msgs == [[b"ack", b"%d" % k, b"%d" % i] for i in range(per)]


# ----------------------------------------------------------------------
# purezmq only
# ----------------------------------------------------------------------
@pytest.mark.parametrize("transport", ["tcp", "ipc"])
def test_libzmq_peer(penv, zctx, transport):
    """purezmq ROUTER stream and a pyzmq DEALER stream on one IOLoop."""
    import zmq as libzmq
    from zmq.eventloop.zmqstream import ZMQStream as LibStream

    zmq = penv.zmq
    router = penv.socket(zmq.ROUTER)
    router.bind(penv.endpoint(transport))
    srouter = penv.stream(router)
    srouter.on_recv(lambda msg: srouter.send_multipart(msg[:1] + [b"ok"] + msg[1:]))

    d = zctx.socket(libzmq.DEALER)
    d.linger = 0
    d.connect(router.last_endpoint.decode())
    sd = LibStream(d, penv.loop)
    got = []
    sd.on_recv(got.append)
    n = 500
    try:
        for i in range(n):
            sd.send_multipart([b"%d" % i, b"z" * (i % 7)])
        penv.run_until(lambda: len(got) == n)
    finally:
        sd.close(linger=0)
    assert got == [[b"ok", b"%d" % i, b"z" * (i % 7)] for i in range(n)]


def test_blocked_sends_with_unread_messages_resume_without_spinning(penv):
    """Sending-only stream, a message waiting unread (FD stays readable),
    and the peer's queue full: the stream must neither spin nor stall."""
    zmq = penv.zmq
    a, b = penv.pair(zmq.PAIR, zmq.PAIR, "inproc", sndhwm=5, rcvhwm=5)
    b.send(b"unread")  # a never receives it
    sa = penv.stream(a)
    n = 100
    for i in range(n):
        sa.send(b"%d" % i)
    penv.run_until(lambda: queued(sa) < n)
    cpu = time.process_time()
    penv.run_for(0.4)
    spent = time.process_time() - cpu
    assert sa.sending()
    assert spent < 0.15, f"loop spun while blocked ({spent:.2f}s CPU)"
    sb = penv.stream(b)
    got = []
    sb.on_recv(got.append)
    penv.run_until(lambda: len(got) == n)
    assert got == [[b"%d" % i] for i in range(n)]


def test_asyncio_socket_is_driven_through_a_plain_socket(penv):
    import purezmq.asyncio as zaio

    actx = zaio.Context(penv.ctx)
    got = []

    async def setup():
        a = actx.socket(purezmq.PAIR)
        b = actx.socket(purezmq.PAIR)
        a.linger = b.linger = 0
        a.bind("tcp://127.0.0.1:*")  # inside the loop: runs on the loop
        b.connect(a.last_endpoint.decode())
        with pytest.warns(RuntimeWarning):
            sa = penv.stream(a)
        with pytest.warns(RuntimeWarning):
            sb = penv.stream(b)
        assert type(sa.socket) is purezmq.Socket
        sb.on_recv(got.append)
        for i in range(200):
            sa.send_multipart([b"%d" % i, b"x"])

    penv.loop.add_callback(setup)
    penv.run_until(lambda: len(got) == 200)
    assert got == [[b"%d" % i, b"x"] for i in range(200)]


def test_pyzmq_asyncio_socket_warns_too(zctx):
    """What pyzmq does with an asyncio socket (the behaviour mirrored above)."""
    import zmq
    import zmq.asyncio
    from zmq.eventloop.zmqstream import ZMQStream

    loop = IOLoop()
    actx = zmq.asyncio.Context(zctx)
    s = actx.socket(zmq.PAIR)
    try:
        with pytest.warns(RuntimeWarning):
            st = ZMQStream(s, loop)
        assert type(st.socket) is zmq.Socket
        st.close(linger=0)
    finally:
        s.close(linger=0)
        loop.close(all_fds=False)


def test_stream_attributes(penv):
    s = penv.socket(purezmq.DEALER)
    st = penv.stream(s)
    assert st.socket is s and st.io_loop is penv.loop
    assert st.getsockopt(purezmq.TYPE) == purezmq.DEALER
    st.setsockopt(purezmq.LINGER, 0)
    port = st.bind_to_random_port("tcp://127.0.0.1")
    assert port > 0
    assert not st.receiving() and not st.sending()
    st.on_err(None)  # deprecated no-ops
    st.stop_on_err()


def test_streams_are_collected(penv):
    a, b = penv.pair(purezmq.PAIR, purezmq.PAIR, "inproc")
    st = penv.ZMQStream(b, penv.loop)
    st.on_recv(lambda m: None)
    st.close(linger=0)
    del st
    gc.collect()


# ----------------------------------------------------------------------
# pyzmq's exact reactions to misuse
# ----------------------------------------------------------------------
def test_non_callable_callback_is_refused(env):
    st = env.stream(env.socket(env.zmq.PULL))
    st.on_recv(lambda msg: None)
    for bad in (1, env.zmq):
        with pytest.raises(AssertionError):  # pyzmq asserts; purezmq's is a TypeError too
            st.on_recv(bad)
        with pytest.raises(AssertionError):
            st.on_send(bad)


def test_closing_the_socket_under_a_stream_warns(env):
    push, pull = env.pair(env.zmq.PUSH, env.zmq.PULL, "tcp")
    st = env.stream(pull)
    push.send(b"x")
    st.on_recv(lambda msg: None)
    pull.close()
    with warnings.catch_warnings(record=True) as records:
        warnings.simplefilter("always")
        env.run_for(0.1)
        st.close()
    assert any("after closing socket" in str(r.message) for r in records), records
