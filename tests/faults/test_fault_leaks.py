"""No leaks: file descriptors, threads, live purezmq objects and memory
return to their starting level after thousands of connect/disconnect
cycles (clean closes, abrupt resets, libzmq peers) and after many context
lifetimes.  Baselines are taken after a warm-up, so one-time allocations
(I/O thread, caches) do not count."""

from __future__ import annotations

import gc
import threading
import time

import pytest

import purezmq as pz
from fault_tools import Raw, open_fds, pipes, port_of, purezmq_objects, rss_bytes, wait_until

zmq = pytest.importorskip("zmq")
MB = 1 << 20


class Baseline:
    def __init__(self) -> None:
        gc.collect()
        self.fds = open_fds()
        self.threads = threading.active_count()
        self.objects = purezmq_objects()
        self.rss = rss_bytes()

    def check(self, what: str, rss_slack: int = 8 * MB) -> None:
        gc.collect()
        assert wait_until(lambda: open_fds() <= self.fds, 5.0), \
            f"{what}: {open_fds() - self.fds} fds leaked"
        assert wait_until(lambda: threading.active_count() <= self.threads, 5.0), \
            f"{what}: {threading.active_count() - self.threads} threads leaked " \
            f"{[t.name for t in threading.enumerate()]}"

        def grown() -> dict:
            now = purezmq_objects()
            return {k: now[k] - self.objects[k] for k in now if now[k] > self.objects[k] + 2}

        assert wait_until(lambda: not grown(), 5.0, 0.1), f"{what}: purezmq objects leaked {grown()}"
        grew = rss_bytes() - self.rss
        assert grew < rss_slack, f"{what}: RSS grew {grew / MB:.1f} MB"


def _sock(ctx, kind, **opts):
    s = ctx.socket(kind)
    s.linger = 0
    s.rcvtimeo = 3000
    s.sndtimeo = 3000
    for k, v in opts.items():
        setattr(s, k, v)
    return s


def test_3000_connect_disconnect_cycles_purezmq_both_ends(ctx):
    server = _sock(ctx, pz.ROUTER)
    server.bind("tcp://127.0.0.1:*")
    ep = server.last_endpoint.decode()

    def cycle(i: int) -> None:
        d = _sock(ctx, pz.DEALER)
        d.connect(ep)
        d.send(b"%d" % i)
        ident, body = server.recv_multipart()
        assert body == b"%d" % i
        server.send_multipart([ident, b"r"])
        assert d.recv() == b"r"
        if i % 3:
            d.close()
        else:
            d.disconnect(ep)   # disconnect first, then close
            d.close()

    for i in range(200):
        cycle(i)
    assert wait_until(lambda: pipes(server) == 0, 3.0)
    base = Baseline()
    for i in range(3000):
        cycle(i)
    assert wait_until(lambda: pipes(server) == 0, 5.0), f"{pipes(server)} server pipes remain"
    base.check("3000 tcp cycles")


def test_2000_libzmq_peers_connect_and_vanish(ctx, zctx):
    """The serving side: libzmq peers come and go (clean close)."""
    server = _sock(ctx, pz.ROUTER)
    server.bind("tcp://127.0.0.1:*")
    ep = server.last_endpoint.decode()

    def cycle(i: int) -> None:
        d = zctx.socket(zmq.DEALER)
        d.linger = 0
        d.connect(ep)
        d.send(b"x")
        assert server.recv_multipart()[1] == b"x"
        d.close()

    for i in range(100):
        cycle(i)
    assert wait_until(lambda: pipes(server) == 0, 3.0)
    base = Baseline()
    for i in range(2000):
        cycle(i)
    assert wait_until(lambda: pipes(server) == 0, 5.0), f"{pipes(server)} server pipes remain"
    base.check("2000 libzmq peers")


def test_2000_abrupt_resets_after_handshake(ctx):
    """Raw peers that complete the handshake, send half a multipart, then
    reset the connection (RST): nothing stays behind."""
    server = _sock(ctx, pz.ROUTER)
    server.bind("tcp://127.0.0.1:*")
    port = port_of(server)

    def cycle(i: int) -> None:
        r = Raw.connect(port)
        r.handshake(b"DEALER")
        r.send(b"\x01\x03abc")   # a MORE frame: half a message
        r.close(reset=True)

    for i in range(100):
        cycle(i)
    assert wait_until(lambda: pipes(server) == 0, 3.0)
    base = Baseline()
    for i in range(2000):
        cycle(i)
    assert wait_until(lambda: pipes(server) == 0, 5.0), f"{pipes(server)} server pipes remain"
    assert not server.poll(0), "a partial message was delivered"
    base.check("2000 resets")


def test_connecter_redialling_a_dead_endpoint_does_not_grow(ctx):
    """A DEALER redialling a port nobody listens on every 1 ms for 2 s
    (thousands of failed attempts) does not accumulate fds or objects."""
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    d = _sock(ctx, pz.DEALER, reconnect_ivl=1)
    d.connect(f"tcp://127.0.0.1:{port}")
    time.sleep(0.5)
    base = Baseline()
    time.sleep(2.0)
    d.send(b"queued", pz.DONTWAIT)
    base_fds = base.fds + 1  # one attempt may be in flight at any moment
    assert open_fds() <= base_fds, f"{open_fds() - base.fds} fds accumulated"
    d.close()
    base.check("redialling", rss_slack=4 * MB)


def test_300_context_lifetimes_return_everything():
    def life(i: int) -> None:
        c = pz.Context()
        a = c.socket(pz.PULL)
        a.linger = 0
        a.rcvtimeo = 2000
        a.bind("tcp://127.0.0.1:*")
        b = c.socket(pz.PUSH)
        b.linger = 0
        b.connect(a.last_endpoint.decode())
        b.send(b"%d" % i)
        assert a.recv() == b"%d" % i
        if i % 2:
            a.close()
            b.close()
            c.term()
        else:
            c.destroy(linger=0)   # sockets still open: destroy closes them

    for i in range(20):
        life(i)
    base = Baseline()
    t0 = time.monotonic()
    for i in range(300):
        life(i)
    assert time.monotonic() - t0 < 60
    base.check("300 contexts")
