"""purezmq.green: sockets, Poller and device that block only their greenlet
(pyzmq's zmq.green).  Each behaviour is checked on purezmq.green and on
pyzmq's zmq.green alike, where pyzmq has it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

gevent = pytest.importorskip("gevent")
import purezmq.green as pzg  # noqa: E402

SRC = Path(__file__).resolve().parents[2] / "src"


def _pyzmq_green():
    pytest.importorskip("zmq")
    import zmq.green
    return zmq.green


@pytest.fixture(params=["purezmq", "pyzmq"])
def green(request):
    mod = pzg if request.param == "purezmq" else _pyzmq_green()
    ctx = mod.Context()
    yield mod, ctx
    ctx.destroy(0)


class Ticker:
    """A greenlet counting while others wait: proof that the hub runs."""

    def __init__(self) -> None:
        self.count = 0
        self.greenlet = gevent.spawn(self._run)

    def _run(self) -> None:
        while True:
            gevent.sleep(0.005)
            self.count += 1

    def stop(self) -> None:
        self.greenlet.kill()


def _pair(mod, ctx, server_type, client_type):
    server = ctx.socket(server_type)
    port = server.bind_to_random_port("tcp://127.0.0.1")
    client = ctx.socket(client_type)
    client.connect(f"tcp://127.0.0.1:{port}")
    return server, client


@pytest.mark.timeout(30)
def test_blocking_calls_let_other_greenlets_run(green):
    mod, ctx = green
    rep, req = _pair(mod, ctx, mod.REP, mod.REQ)
    ticker = Ticker()
    try:
        def serve():
            for _ in range(50):
                rep.send_multipart(rep.recv_multipart())
        server = gevent.spawn(serve)
        for i in range(50):
            req.send_string(f"ping {i}")
            assert req.recv_string() == f"ping {i}"
        server.join(5)
        assert server.successful()

        pull, push = _pair(mod, ctx, mod.PULL, mod.PUSH)
        gevent.spawn_later(0.3, push.send, b"late")
        before, start = ticker.count, time.monotonic()
        assert pull.recv() == b"late"
        assert time.monotonic() - start >= 0.25
        assert ticker.count - before >= 20  # the hub ran while recv waited
    finally:
        ticker.stop()


@pytest.mark.timeout(30)
def test_green_poller_mixes_sockets_and_fds(green):
    mod, ctx = green
    pull, push = _pair(mod, ctx, mod.PULL, mod.PUSH)
    r, w = os.pipe()
    ticker = Ticker()
    try:
        poller = mod.Poller()
        poller.register(pull, mod.POLLIN)
        poller.register(r, mod.POLLIN)
        before, start = ticker.count, time.monotonic()
        assert poller.poll(200) == []
        assert time.monotonic() - start >= 0.18
        assert ticker.count - before >= 10
        gevent.spawn_later(0.1, os.write, w, b"!")
        assert poller.poll(5000) == [(r, mod.POLLIN)]
        os.read(r, 1)
        gevent.spawn_later(0.1, push.send, b"m")
        assert poller.poll(5000) == [(pull, mod.POLLIN)]
        assert pull.poll(0) == mod.POLLIN and pull.recv() == b"m"
        assert pull.poll(100) == 0
    finally:
        ticker.stop()
        os.close(r)
        os.close(w)


@pytest.mark.timeout(30)
def test_helpers_and_multipart_go_through_the_green_path(green):
    mod, ctx = green
    router, dealer = _pair(mod, ctx, mod.ROUTER, mod.DEALER)

    def echo():
        ident, *parts = router.recv_multipart()
        router.send_multipart([ident, *parts])
        ident, body = router.recv_multipart()
        router.send_multipart([ident, body])
    server = gevent.spawn(echo)
    dealer.send_multipart([b"a", b"b", b"c"])
    assert dealer.recv_multipart() == [b"a", b"b", b"c"]
    dealer.send_json({"k": [1, 2]})
    buf = bytearray(64)
    n = dealer.recv_into(buf)
    assert json.loads(bytes(buf[:n])) == {"k": [1, 2]}
    server.join(5)
    assert server.successful()


@pytest.mark.timeout(30)
def test_green_device_forwards_both_ways(green):
    mod, ctx = green
    frontend = ctx.socket(mod.ROUTER)
    fport = frontend.bind_to_random_port("tcp://127.0.0.1")
    backend = ctx.socket(mod.DEALER)
    bport = backend.bind_to_random_port("tcp://127.0.0.1")
    dev = gevent.spawn(mod.device, mod.QUEUE, frontend, backend)
    try:
        client = ctx.socket(mod.REQ)
        client.connect(f"tcp://127.0.0.1:{fport}")
        worker = ctx.socket(mod.REP)
        worker.connect(f"tcp://127.0.0.1:{bport}")
        def work():
            for _ in range(3):
                worker.send(worker.recv().upper())
        w = gevent.spawn(work)
        for word in (b"one", b"two", b"three"):
            client.send(word)
            assert client.recv() == word.upper()
        w.join(5)
    finally:
        dev.kill()


# pyzmq's green sockets ignore RCVTIMEO/SNDTIMEO (with a warning); purezmq's
# honour them, as a blocking socket would.
@pytest.mark.timeout(30)
def test_purezmq_green_honours_timeouts():
    ctx = pzg.Context()
    try:
        pull = ctx.socket(pzg.PULL)
        pull.bind("inproc://green-timeo")
        with pytest.warns(UserWarning, match="honours RCVTIMEO"):
            pull.rcvtimeo = 200  # (pyzmq warns here too: its green sockets ignore it)
        ticker = Ticker()
        start = time.monotonic()
        with pytest.raises(pzg.Again):
            pull.recv()
        assert 0.18 <= time.monotonic() - start < 2
        assert ticker.count >= 10
        ticker.stop()
        push = ctx.socket(pzg.PUSH)
        push.sndhwm = 1
        with pytest.warns(UserWarning):
            push.setsockopt(pzg.SNDTIMEO, 100)
        push.connect("inproc://nobody-there")
        with pytest.raises(pzg.Again):
            for _ in range(10):
                push.send(b"x")
    finally:
        ctx.destroy(0)


@pytest.mark.timeout(30)
def test_green_socket_talks_to_libzmq_in_a_thread():
    zmq = pytest.importorskip("zmq")
    ctx = pzg.Context()
    lctx = zmq.Context()
    try:
        pull = ctx.socket(pzg.PULL)
        port = pull.bind_to_random_port("tcp://127.0.0.1")

        def sender():
            push = lctx.socket(zmq.PUSH)
            push.connect(f"tcp://127.0.0.1:{port}")
            for i in range(100):
                push.send_multipart([b"n", b"%d" % i])
            push.close(linger=2000)
        t = threading.Thread(target=sender)
        t.start()
        ticker = Ticker()
        got = [pull.recv_multipart()[1] for _ in range(100)]
        ticker.stop()
        t.join(10)
        assert got == [b"%d" % i for i in range(100)]
    finally:
        ctx.destroy(0)
        lctx.destroy(0)


@pytest.mark.timeout(60)
def test_under_gevent_monkey_patching_with_install_as_zmq():
    code = textwrap.dedent("""
        from gevent import monkey; monkey.patch_all()
        import purezmq; purezmq.install_as_zmq()
        import gevent
        import zmq.green as zmq
        print(zmq.Context.__module__)
        ctx = zmq.Context()
        router = ctx.socket(zmq.ROUTER)
        port = router.bind_to_random_port("tcp://127.0.0.1")
        done = []
        def client(i):
            s = ctx.socket(zmq.DEALER)
            s.connect("tcp://127.0.0.1:%d" % port)
            for j in range(20):
                s.send_multipart([b"%d" % i, b"%d" % j])
                assert s.recv_multipart() == [b"%d" % i, b"%d" % j]
            s.close(0)
            done.append(i)
        def serve():
            while True:
                ident, *m = router.recv_multipart()
                router.send_multipart([ident] + m)
        server = gevent.spawn(serve)
        gevent.joinall([gevent.spawn(client, i) for i in range(10)], timeout=20)
        print(sorted(done) == list(range(10)))
        server.kill()
        router.close(0)
        ctx.term()
        print("terminated")
    """)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")]))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=50, env=env)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["purezmq.green.core", "True", "terminated"], out.stderr


@pytest.mark.timeout(30)
def test_closing_a_socket_wakes_its_waiting_greenlet(green):
    mod, ctx = green
    pull = ctx.socket(mod.PULL)
    pull.bind("inproc://green-close")
    gevent.spawn_later(0.2, pull.close)
    start = time.monotonic()
    with gevent.Timeout(5):
        with pytest.raises(mod.ZMQError) as e:
            pull.recv()
    assert e.value.errno == mod.ENOTSOCK
    assert time.monotonic() - start < 2


# pyzmq's green term() blocks the thread in libzmq, so a greenlet blocked in
# recv never gets to close its socket: it deadlocks.  purezmq's waits in the hub.
@pytest.mark.timeout(30)
def test_term_lets_blocked_greenlets_see_it_and_close():
    ctx = pzg.Context()
    pull = ctx.socket(pzg.PULL)
    pull.bind("inproc://green-term")
    seen = []

    def consumer():
        try:
            pull.recv()
        except pzg.ContextTerminated:
            seen.append("terminated")
        pull.close()
    g = gevent.spawn(consumer)
    gevent.sleep(0.1)
    with gevent.Timeout(5):
        ctx.term()
    g.join(1)
    assert seen == ["terminated"] and pull.closed
