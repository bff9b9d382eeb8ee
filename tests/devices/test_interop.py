"""A purezmq proxy among libzmq (pyzmq) peers, and STATISTICS as libzmq sends it."""

from __future__ import annotations

import threading

import pytest

import purezmq
from purezmq.proxy import proxy_steerable

from devices_util import Runner, bound, decode_stats, sock

zmq = pytest.importorskip("zmq")


def _lz(zctx, kind, **options):
    s = sock(zctx, getattr(zmq, kind))
    for name, value in options.items():
        s.setsockopt(getattr(zmq, name.upper()), value)
    return s


@pytest.mark.parametrize("transport", ["tcp", "ipc"])
def test_purezmq_broker_between_libzmq_clients_and_workers(ctx, zctx, run_proxy, bind_endpoint,
                                                           transport):
    frontend, fe_addr = bound(ctx, purezmq.ROUTER, bind_endpoint(transport))
    backend, be_addr = bound(ctx, purezmq.DEALER, bind_endpoint(transport))
    capture, cap_addr = bound(ctx, purezmq.PUSH, bind_endpoint(transport))
    tap = _lz(zctx, "PULL")
    tap.connect(cap_addr)
    runner = run_proxy(frontend, backend, capture)

    workers = [_lz(zctx, "REP") for _ in range(2)]
    for w in workers:
        w.connect(be_addr)
    stop = threading.Event()

    def serve(n, w):
        while not stop.is_set():
            if w.poll(50):
                w.send_multipart([b"w%d" % n] + w.recv_multipart())

    threads = [threading.Thread(target=serve, args=(n, w), daemon=True)
               for n, w in enumerate(workers)]
    for t in threads:
        t.start()
    try:
        clients = [_lz(zctx, "REQ", routing_id=b"c%d" % k) for k in range(3)]
        for c in clients:
            c.connect(fe_addr)
        for i in range(10):
            for k, c in enumerate(clients):
                c.send_multipart([b"%d" % k, b"%d" % i])
            for k, c in enumerate(clients):
                reply = c.recv_multipart()
                assert reply[0] in (b"w0", b"w1") and reply[1:] == [b"%d" % k, b"%d" % i]
    finally:
        stop.set()
        for t in threads:
            t.join(5)
    copies = [tap.recv_multipart() for _ in range(60)]
    requests = [m for m in copies if len(m) == 4]
    replies = [m for m in copies if len(m) == 5]
    assert len(requests) == len(replies) == 30
    assert all(m[0] in (b"c0", b"c1", b"c2") and m[1] == b"" for m in requests)

    runner.control.send(b"STATISTICS")
    stats = decode_stats(runner.control.recv_multipart())
    # REQ -> ROUTER: id, delimiter, 2 body frames; the reply adds the worker name.
    assert stats[0::2] == [120, 150, 150, 120]


def test_purezmq_forwarder_between_libzmq_pub_and_sub(ctx, zctx, run_proxy, bind_endpoint):
    frontend, fe_addr = bound(ctx, purezmq.XSUB, bind_endpoint("tcp"))
    backend, be_addr = bound(ctx, purezmq.XPUB, bind_endpoint("tcp"))
    run_proxy(frontend, backend)
    upstream = _lz(zctx, "XPUB")
    upstream.connect(fe_addr)
    sub = _lz(zctx, "SUB")
    sub.connect(be_addr)
    sub.subscribe(b"t")
    assert upstream.recv() == b"\x01t"
    upstream.send(b"nope")
    upstream.send_multipart([b"topic", b"body"])
    assert sub.recv_multipart() == [b"topic", b"body"]
    assert not sub.poll(100)


def _traffic(lib, c, bind_endpoint, steer):
    """The same exchange through a proxy of either library; the replies
    its REP control socket gave."""
    frontend = sock(c, lib.PAIR)
    frontend.bind(bind_endpoint("tcp"))
    backend = sock(c, lib.PAIR)
    backend.bind(bind_endpoint("tcp"))
    control = sock(c, lib.REP)
    control.bind(bind_endpoint("tcp"))
    runner = Runner(steer, frontend, backend, None, control)
    left, right, ctl = sock(c, lib.PAIR), sock(c, lib.PAIR), sock(c, lib.REQ)
    left.connect(frontend.last_endpoint.decode())
    right.connect(backend.last_endpoint.decode())
    ctl.connect(control.last_endpoint.decode())
    replies = []
    try:
        ctl.send(b"STATISTICS")
        replies.append(ctl.recv_multipart())
        left.send(b"hello")
        left.send_multipart([b"a", b"", b"b" * 300])
        right.send_multipart([b"x" * 70000, b"yz"])
        assert right.recv_multipart() == [b"hello"]
        assert right.recv_multipart() == [b"a", b"", b"b" * 300]
        assert left.recv_multipart() == [b"x" * 70000, b"yz"]
        ctl.send(b"STATISTICS")
        replies.append(ctl.recv_multipart())
        ctl.send(b"NO SUCH COMMAND")
        replies.append(ctl.recv_multipart())
        ctl.send(b"TERMINATE")
        replies.append(ctl.recv_multipart())
        runner.finish()
        assert runner.error is None and runner.result == 0
    finally:
        for s in (frontend, backend, control, left, right, ctl):
            s.close(linger=0)
    return replies


def test_statistics_and_replies_match_libzmq(ctx, zctx, bind_endpoint):
    ours = _traffic(purezmq, ctx, bind_endpoint, proxy_steerable)
    theirs = _traffic(zmq, zctx, bind_endpoint, zmq.proxy_steerable)
    assert ours == theirs
    assert decode_stats(ours[1]) == [4, 306, 2, 70002, 2, 70002, 4, 306]
    assert ours[2] == ours[3] == [b""]
