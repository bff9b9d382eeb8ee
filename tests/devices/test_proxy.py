"""purezmq.proxy.proxy / device: the classic devices over real sockets."""

from __future__ import annotations

import errno
import threading
import time

import pytest

import purezmq
from purezmq.proxy import device, proxy, proxy_steerable

from devices_util import Runner, assert_silent, bound, decode_stats, sock, subscribe_through

TRANSPORTS = ["tcp", "ipc", "inproc"]


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_broker_router_dealer_between_req_clients_and_rep_workers(ctx, run_proxy, bind_endpoint,
                                                                   transport):
    frontend, fe_addr = bound(ctx, purezmq.ROUTER, bind_endpoint(transport))
    backend, be_addr = bound(ctx, purezmq.DEALER, bind_endpoint(transport))
    run_proxy(frontend, backend, steerable=False)

    workers = []
    for n in range(2):
        w = sock(ctx, purezmq.REP)
        w.connect(be_addr)
        workers.append(w)
    stop = threading.Event()
    served = [0, 0]

    def serve(n, w):
        poller = purezmq.Poller()
        poller.register(w, purezmq.POLLIN)
        while not stop.is_set():
            if poller.poll(50):
                msg = w.recv_multipart()
                w.send_multipart([b"w%d" % n] + msg)
                served[n] += 1

    threads = [threading.Thread(target=serve, args=(n, w), daemon=True)
               for n, w in enumerate(workers)]
    for t in threads:
        t.start()
    try:
        clients = []
        for _ in range(3):
            c = sock(ctx, purezmq.REQ)
            c.connect(fe_addr)
            clients.append(c)
        for i in range(20):
            for k, c in enumerate(clients):
                c.send_multipart([b"c%d" % k, b"%d" % i])
            for k, c in enumerate(clients):
                reply = c.recv_multipart()
                assert reply[0] in (b"w0", b"w1")
                assert reply[1:] == [b"c%d" % k, b"%d" % i]
    finally:
        stop.set()
        for t in threads:
            t.join(5)
    assert sum(served) == 60
    assert served[0] and served[1], served  # DEALER load-balanced the workers


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_forwarder_xsub_xpub_carries_subscriptions_upstream(ctx, run_proxy, bind_endpoint,
                                                             transport):
    frontend, fe_addr = bound(ctx, purezmq.XSUB, bind_endpoint(transport))
    backend, be_addr = bound(ctx, purezmq.XPUB, bind_endpoint(transport))
    capture, cap_addr = bound(ctx, purezmq.PUSH, bind_endpoint("inproc"))
    tap = sock(ctx, purezmq.PULL)
    tap.connect(cap_addr)
    run_proxy(frontend, backend, capture)

    # An XPUB upstream sees the subscription that travelled through the proxy.
    upstream = sock(ctx, purezmq.XPUB)
    upstream.connect(fe_addr)
    sub = sock(ctx, purezmq.SUB)
    sub.connect(be_addr)
    sub.subscribe(b"news")
    assert upstream.recv_multipart() == [b"\x01news"]
    assert tap.recv_multipart() == [b"\x01news"]  # the capture saw it go by

    # Publisher-side filtering upstream: only "news" travels at all.
    upstream.send(b"weather: rain")
    upstream.send_multipart([b"news", b"flash"])
    assert sub.recv_multipart() == [b"news", b"flash"]
    assert tap.recv_multipart() == [b"news", b"flash"]
    assert_silent(tap)

    sub.unsubscribe(b"news")
    assert upstream.recv_multipart() == [b"\x00news"]


def test_forwarder_plain_pub_sub(ctx, run_proxy, bind_endpoint):
    frontend, fe_addr = bound(ctx, purezmq.XSUB, bind_endpoint("tcp"))
    backend, be_addr = bound(ctx, purezmq.XPUB, bind_endpoint("tcp"))
    run_proxy(frontend, backend)
    pub = sock(ctx, purezmq.PUB)
    pub.connect(fe_addr)
    subs = []
    for topic in (b"a", b"b"):
        s = sock(ctx, purezmq.SUB)
        s.connect(be_addr)
        s.subscribe(topic)
        subscribe_through(pub, s, topic)
        subs.append(s)
    for i in range(10):
        pub.send(b"a%d" % i)
        pub.send(b"b%d" % i)
        pub.send(b"c%d" % i)
    assert [subs[0].recv() for _ in range(10)] == [b"a%d" % i for i in range(10)]
    assert [subs[1].recv() for _ in range(10)] == [b"b%d" % i for i in range(10)]
    assert_silent(subs[0])
    assert_silent(subs[1])


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_streamer_push_pull(ctx, run_proxy, bind_endpoint, transport):
    frontend, fe_addr = bound(ctx, purezmq.PULL, bind_endpoint(transport))
    backend, be_addr = bound(ctx, purezmq.PUSH, bind_endpoint(transport))
    run_proxy(frontend, backend)
    pullers = []
    for _ in range(2):
        p = sock(ctx, purezmq.PULL)
        p.connect(be_addr)
        pullers.append(p)
    pushers = []
    for _ in range(2):
        p = sock(ctx, purezmq.PUSH)
        p.connect(fe_addr)
        pushers.append(p)
    # Wait until both pullers are attached, so round-robin reaches both.
    reached = set()
    deadline = time.monotonic() + 10
    while len(reached) < 2:
        assert time.monotonic() < deadline, "pullers never attached"
        pushers[0].send(b"warm-up")
        for k, p in enumerate(pullers):
            while p.poll(20):
                p.recv()
                reached.add(k)
    for p in pullers:
        while p.poll(100):
            p.recv()
    n = 100
    for i in range(n):
        for k, p in enumerate(pushers):
            p.send(b"%d:%d" % (k, i))
    got = []
    poller = purezmq.Poller()
    for p in pullers:
        poller.register(p, purezmq.POLLIN)
    deadline = time.monotonic() + 10
    per_puller = [0, 0]
    while len(got) < 2 * n and time.monotonic() < deadline:
        for s, _ in poller.poll(100):
            got.append(s.recv())
            per_puller[pullers.index(s)] += 1
    assert sorted(got) == sorted(b"%d:%d" % (k, i) for k in range(2) for i in range(n))
    assert all(per_puller), per_puller
    # Per sender, order is kept.
    for k in range(2):
        mine = [g for g in got if g.startswith(b"%d:" % k)]
        assert len(mine) == n


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_capture_gets_a_copy_of_every_frame_with_its_more_flag(ctx, run_proxy, bind_endpoint,
                                                                transport):
    frontend, fe_addr = bound(ctx, purezmq.ROUTER, bind_endpoint(transport))
    backend, be_addr = bound(ctx, purezmq.DEALER, bind_endpoint(transport))
    capture, cap_addr = bound(ctx, purezmq.PUSH, bind_endpoint(transport))
    tap = sock(ctx, purezmq.PULL)
    tap.connect(cap_addr)
    run_proxy(frontend, backend, capture)

    client = sock(ctx, purezmq.DEALER, routing_id=b"client-1")
    client.connect(fe_addr)
    worker = sock(ctx, purezmq.DEALER)
    worker.connect(be_addr)

    client.send_multipart([b"one", b"", b"three" * 1000])
    request = worker.recv_multipart()
    assert request == [b"client-1", b"one", b"", b"three" * 1000]
    worker.send_multipart([b"client-1", b"reply"])
    assert client.recv_multipart() == [b"reply"]

    # Frame by frame, the capture socket saw each message as it was.
    assert tap.recv() == b"client-1"
    assert tap.getsockopt(purezmq.RCVMORE)
    assert tap.recv_multipart() == [b"one", b"", b"three" * 1000]
    assert not tap.getsockopt(purezmq.RCVMORE)
    assert tap.recv_multipart() == [b"client-1", b"reply"]
    assert_silent(tap)


def test_multipart_messages_stay_whole_with_concurrent_senders(ctx, run_proxy, bind_endpoint):
    frontend, fe_addr = bound(ctx, purezmq.PULL, bind_endpoint("tcp"))
    backend, be_addr = bound(ctx, purezmq.PUSH, bind_endpoint("inproc"))
    capture, cap_addr = bound(ctx, purezmq.PUSH, bind_endpoint("inproc"))
    tap = sock(ctx, purezmq.PULL)
    tap.connect(cap_addr)
    sink = sock(ctx, purezmq.PULL)
    sink.connect(be_addr)
    run_proxy(frontend, backend, capture)

    senders, count = 4, 50

    def send_all(k):
        s = sock(ctx, purezmq.PUSH)
        s.connect(fe_addr)
        try:
            for i in range(count):
                nparts = 1 + (i % 5)
                # Frame by frame, with pauses between frames: still one message.
                for j in range(nparts):
                    more = purezmq.SNDMORE if j < nparts - 1 else 0
                    s.send(b"%d/%d/%d/%d" % (k, i, j, nparts), more)
                    if i % 10 == 0:
                        time.sleep(0.001)
        finally:
            s.close(linger=2000)

    runners = [Runner(send_all, k) for k in range(senders)]
    seen = {k: [] for k in range(senders)}
    for _ in range(senders * count):
        msg = sink.recv_multipart()
        k, i, _, nparts = (int(x) for x in msg[0].split(b"/"))
        assert msg == [b"%d/%d/%d/%d" % (k, i, j, nparts) for j in range(nparts)]
        seen[k].append(i)
        assert tap.recv_multipart() == msg
    for r in runners:
        assert r.finish().error is None
    for k in range(senders):
        assert seen[k] == list(range(count))  # each sender's order kept


def test_one_socket_relaying_to_itself(ctx, run_proxy, bind_endpoint):
    """proxy(router, router): every message goes back where it came from."""
    hub, addr = bound(ctx, purezmq.ROUTER, bind_endpoint("tcp"))
    runner = run_proxy(hub, hub)
    peers = []
    for k in range(3):
        d = sock(ctx, purezmq.DEALER)
        d.connect(addr)
        peers.append(d)
    for k, d in enumerate(peers):
        d.send_multipart([b"echo", b"%d" % k])
    for k, d in enumerate(peers):
        assert d.recv_multipart() == [b"echo", b"%d" % k]
    runner.control.send(b"STATISTICS")
    stats = decode_stats(runner.control.recv_multipart())
    # (frames: routing id + 2 each way; a relay to itself counts as
    # frontend-received and backend-sent, as libzmq counts it)
    assert stats[0] == 9 and stats[6] == 9
    assert stats[2] == stats[3] == stats[4] == stats[5] == 0
    assert stats[1] == stats[7]


def test_device_is_a_proxy(ctx, bind_endpoint):
    frontend, fe_addr = bound(ctx, purezmq.PULL, bind_endpoint("inproc"))
    backend, be_addr = bound(ctx, purezmq.PUSH, bind_endpoint("inproc"))
    runner = Runner(device, purezmq.STREAMER, frontend, backend)
    src = sock(ctx, purezmq.PUSH)
    src.connect(fe_addr)
    dst = sock(ctx, purezmq.PULL)
    dst.connect(be_addr)
    src.send_multipart([b"a", b"b"])
    assert dst.recv_multipart() == [b"a", b"b"]
    frontend.close()
    backend.close()
    assert runner.finish().error.errno == errno.ENOTSOCK


def test_backpressure_the_proxy_reads_only_what_the_other_side_can_take(ctx, run_proxy,
                                                                      bind_endpoint):
    hwm = 10
    frontend, fe_addr = bound(ctx, purezmq.PULL, bind_endpoint("inproc"), rcvhwm=hwm)
    backend, be_addr = bound(ctx, purezmq.PUSH, bind_endpoint("inproc"), sndhwm=hwm)
    src = sock(ctx, purezmq.PUSH, sndhwm=hwm, sndtimeo=200)
    src.connect(fe_addr)
    dst = sock(ctx, purezmq.PULL, rcvhwm=hwm)
    dst.connect(be_addr)
    run_proxy(frontend, backend)

    sent = 0
    with pytest.raises(purezmq.Again):
        while sent < 10000:
            src.send(b"%d" % sent)
            sent += 1
    # The queues between src and dst hold a bounded number: the proxy did
    # not drain the frontend into an unbounded buffer.
    assert sent <= 8 * hwm, sent

    # Blocked, the proxy does not spin.
    cpu = time.process_time()
    time.sleep(0.5)
    assert time.process_time() - cpu < 0.25

    # Once dst reads, everything arrives, in order, and src can go on.
    got = [int(dst.recv()) for _ in range(sent)]
    assert got == list(range(sent))
    src.send(b"more")
    assert dst.recv() == b"more"


def test_idle_proxy_does_not_spin(ctx, run_proxy, bind_endpoint):
    frontend, fe_addr = bound(ctx, purezmq.ROUTER, bind_endpoint("tcp"))
    backend, be_addr = bound(ctx, purezmq.DEALER, bind_endpoint("tcp"))
    run_proxy(frontend, backend)
    time.sleep(0.1)
    cpu = time.process_time()
    time.sleep(0.5)
    assert time.process_time() - cpu < 0.25


def test_context_term_makes_proxy_raise_context_terminated():
    c = purezmq.Context()
    try:
        frontend = sock(c, purezmq.ROUTER)
        frontend.bind("tcp://127.0.0.1:*")
        backend = sock(c, purezmq.DEALER)
        backend.bind("inproc://term-test")
        capture = sock(c, purezmq.PUB)

        def run():
            try:
                return proxy(frontend, backend, capture)
            finally:
                for s in (frontend, backend, capture):
                    s.close()

        runner = Runner(run)
        time.sleep(0.1)
        assert runner.is_alive()
        term = Runner(c.term)
        runner.finish()
        assert isinstance(runner.error, purezmq.ContextTerminated), runner.error
        assert runner.error.errno == purezmq.ETERM
        assert term.finish().error is None
    finally:
        if not c.closed:
            c.destroy(linger=0)


def test_context_term_ends_a_steerable_proxy_too():
    c = purezmq.Context()
    try:
        socks = [sock(c, t) for t in (purezmq.PULL, purezmq.PUSH, purezmq.PAIR)]
        socks[2].bind("inproc://ctl")

        def run():
            try:
                return proxy_steerable(socks[0], socks[1], None, socks[2])
            finally:
                for s in socks:
                    s.close()

        runner = Runner(run)
        time.sleep(0.05)
        term = Runner(c.term)
        assert isinstance(runner.finish().error, purezmq.ContextTerminated)
        assert term.finish().error is None
    finally:
        if not c.closed:
            c.destroy(linger=0)


def test_closing_a_socket_under_the_proxy_raises_enotsock(ctx, bind_endpoint):
    frontend, _ = bound(ctx, purezmq.PULL, bind_endpoint("inproc"))
    backend, _ = bound(ctx, purezmq.PUSH, bind_endpoint("inproc"))
    runner = Runner(proxy, frontend, backend)
    time.sleep(0.05)
    backend.close()
    runner.finish()
    assert isinstance(runner.error, purezmq.ZMQError)
    assert runner.error.errno == errno.ENOTSOCK
    frontend.close()


def test_bad_arguments(ctx):
    a = sock(ctx, purezmq.PULL)
    b = sock(ctx, purezmq.PUSH)
    with pytest.raises(TypeError):
        proxy(a, "not a socket")
    with pytest.raises(TypeError):
        proxy_steerable(a, b, None, object())
    b.close()
    # as pyzmq: a closed socket is a NULL handle to libzmq (EFAULT)
    with pytest.raises(purezmq.ZMQError) as info:
        proxy(a, b)
    assert info.value.errno == errno.EFAULT
    with pytest.raises(purezmq.ZMQError) as info:
        device(purezmq.QUEUE, b, a)
    assert info.value.errno == errno.EFAULT
