"""High-water marks: per pipe; blocking patterns block (EAGAIN with DONTWAIT,
SNDTIMEO), PUB/XPUB/ROUTER drop (after libzmq's test_hwm.cpp,
test_hwm_pubsub.cpp, test_xpub_nodrop.cpp)."""

from __future__ import annotations

import time

import pytest

import purezmq as zmq

from .helpers import SETTLE, assert_nothing, endpoint, recv_nowait_all, sock, sync_pub_sub

BLOCKING_PAIRS = [("PUSH", "PULL"), ("DEALER", "DEALER"), ("PAIR", "PAIR"), ("DEALER", "ROUTER")]


def _fill(s, parts, limit=100000):
    """Send with DONTWAIT until EAGAIN; the number of messages sent."""
    n = 0
    while n < limit:
        try:
            s.send_multipart(parts, zmq.DONTWAIT)
        except zmq.Again:
            return n
        n += 1
    return n


def _drain(s) -> int:
    return len(recv_nowait_all(s))


@pytest.mark.parametrize("order", ["bind-first", "connect-first"])
@pytest.mark.parametrize("pair", BLOCKING_PAIRS, ids=["-".join(p) for p in BLOCKING_PAIRS])
def test_inproc_hwm_is_sndhwm_plus_rcvhwm(ctx, bind_endpoint, pair, order):
    """Over inproc the pipe holds exactly SNDHWM + the peer's RCVHWM."""
    ep = bind_endpoint("inproc")
    sender = sock(ctx, getattr(zmq, pair[0]), sndhwm=3)
    receiver = sock(ctx, getattr(zmq, pair[1]), rcvhwm=2)
    if order == "bind-first":
        receiver.bind(ep)
        sender.connect(ep)
    else:
        sender.connect(ep)
        receiver.bind(ep)
    assert _fill(sender, [b"m"]) == 5
    assert _drain(receiver) == 5
    sender.send(b"again")  # room again
    assert receiver.recv_multipart()[-1] == b"again"


def test_inproc_default_hwm(ctx, bind_endpoint):
    ep = bind_endpoint("inproc")
    pull = sock(ctx, zmq.PULL)
    pull.bind(ep)
    push = sock(ctx, zmq.PUSH)
    push.connect(ep)
    assert push.sndhwm == 1000 and pull.rcvhwm == 1000
    assert _fill(push, [b""], 10000) == 2000
    assert _drain(pull) == 2000


@pytest.mark.parametrize("hwms", [(0, 0), (1, 0), (0, 1)])
def test_inproc_zero_hwm_means_unlimited(ctx, bind_endpoint, hwms):
    ep = bind_endpoint("inproc")
    pull = sock(ctx, zmq.PULL, rcvhwm=hwms[1])
    pull.bind(ep)
    push = sock(ctx, zmq.PUSH, sndhwm=hwms[0])
    push.connect(ep)
    assert _fill(push, [b""], 5000) == 5000
    assert _drain(pull) == 5000


def test_inproc_connect_and_close_first(ctx, bind_endpoint):
    """Messages queued by a closed (lingering) connecter before the bind are
    delivered; the queue was limited by its SNDHWM alone."""
    ep = bind_endpoint("inproc")
    push = sock(ctx, zmq.PUSH, sndhwm=1)
    push.linger = -1
    push.connect(ep)
    assert _fill(push, [b"x"]) == 1
    push.close()
    pull = sock(ctx, zmq.PULL, rcvhwm=0)
    pull.bind(ep)
    assert pull.recv() == b"x"
    assert_nothing(pull, 20)


WIRE_CASES = [(("PUSH", "PULL"), "tcp"), (("DEALER", "ROUTER"), "tcp"),
              (("DEALER", "DEALER"), "ipc"), (("PAIR", "PAIR"), "ipc")]


@pytest.mark.parametrize("pair,transport", WIRE_CASES,
                         ids=["-".join(p) + "-" + t for p, t in WIRE_CASES])
def test_blocking_at_hwm_over_the_wire(ctx, bind_endpoint, transport, pair):
    """A reader that does not read: the sender eventually fills up (with big
    messages and HWMs of 1 the kernel buffers hold only a few); then
    DONTWAIT gives EAGAIN and a blocking send EAGAIN after SNDTIMEO; once
    the reader catches up, everything arrives in order."""
    # small kernel buffers keep the number of messages in flight low
    receiver = sock(ctx, getattr(zmq, pair[1]), rcvhwm=1, rcvbuf=65536)
    receiver.bind(bind_endpoint(transport))
    sender = sock(ctx, getattr(zmq, pair[0]), timeout=200, sndhwm=1, sndbuf=65536)
    sender.connect(endpoint(receiver))
    big = b"x" * (256 * 1024)
    sender.send(b"first")
    assert receiver.recv_multipart()[-1] == b"first"  # connected
    sent = 0
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            sender.send_multipart([b"%d" % sent, big], zmq.DONTWAIT)
        except zmq.Again:
            time.sleep(0.05)  # let the I/O threads move what they can
            try:
                sender.send_multipart([b"%d" % sent, big], zmq.DONTWAIT)
            except zmq.Again:
                break
        sent += 1
    else:
        pytest.fail("never reached the high-water mark")
    assert sent < 500
    assert not sender.getsockopt(zmq.EVENTS) & zmq.POLLOUT
    t0 = time.monotonic()
    with pytest.raises(zmq.Again):
        sender.send_multipart([b"late", big])
    assert 0.15 <= time.monotonic() - t0 < 2.0
    for i in range(sent):
        msg = receiver.recv_multipart()
        assert msg[-2:] == [b"%d" % i, big]
    sender.send(b"last")
    assert receiver.recv_multipart()[-1] == b"last"


def test_blocking_send_resumes_when_reader_catches_up(ctx, bind_endpoint):
    """A send blocked at the HWM completes as soon as the peer reads."""
    import threading

    ep = bind_endpoint("inproc")
    pull = sock(ctx, zmq.PULL, rcvhwm=1)
    pull.bind(ep)
    push = sock(ctx, zmq.PUSH, timeout=3000, sndhwm=1)
    push.connect(ep)
    assert _fill(push, [b"m"]) == 2
    t = threading.Timer(0.2, pull.recv)
    t.start()
    t0 = time.monotonic()
    push.send(b"unblocked")
    assert 0.1 <= time.monotonic() - t0 < 2.5
    t.join()
    assert pull.recv() == b"m"
    assert pull.recv() == b"unblocked"


@pytest.mark.parametrize("binder", ["pub-binds", "sub-binds"])
def test_pub_drops_at_hwm_inproc(ctx, bind_endpoint, binder):
    ep = bind_endpoint("inproc")
    pub = sock(ctx, zmq.PUB, sndhwm=3)
    sub = sock(ctx, zmq.SUB, rcvhwm=2)
    sub.subscribe(b"")
    if binder == "pub-binds":
        pub.bind(ep)
        sub.connect(ep)
    else:
        sub.bind(ep)
        pub.connect(ep)
        sub.getsockopt(zmq.EVENTS)  # the bound SUB attaches the new peer
    # No probes: over inproc the subscription is in place by the next send,
    # and a fresh pipe's capacity is exact.
    time.sleep(SETTLE)
    for i in range(100):  # never blocks, never fails
        pub.send(b"%d" % i, zmq.DONTWAIT)
    assert pub.getsockopt(zmq.EVENTS) & zmq.POLLOUT
    got = [m[0] for m in recv_nowait_all(sub)]
    assert got == [b"0", b"1", b"2", b"3", b"4"]  # the first 5; the rest dropped


@pytest.mark.parametrize("transport", ["tcp", "ipc"])
def test_pub_drops_at_hwm_over_the_wire(ctx, bind_endpoint, transport):
    """test_hwm_pubsub.cpp: a SUB that does not read loses messages, the
    PUB never blocks, and what arrives is an in-order prefix... with gaps only
    where drops happened (never reordered, never duplicated)."""
    pub = sock(ctx, zmq.PUB, sndhwm=1)
    pub.bind(bind_endpoint(transport))
    sub = sock(ctx, zmq.SUB, rcvhwm=1)
    sub.subscribe(b"")
    sub.connect(endpoint(pub))
    sync_pub_sub(pub, sub)
    big = b"y" * (64 * 1024)
    n = 2000
    t0 = time.monotonic()
    for i in range(n):
        pub.send_multipart([b"%d" % i, big], zmq.DONTWAIT)
    assert time.monotonic() - t0 < 20
    time.sleep(SETTLE)
    got = [int(m[0]) for m in recv_nowait_all(sub)]
    time.sleep(SETTLE)
    got += [int(m[0]) for m in recv_nowait_all(sub)]
    assert 0 < len(got) < n
    assert got == sorted(set(got))


def test_xpub_drops_at_hwm(ctx, bind_endpoint):
    ep = bind_endpoint("inproc")
    xpub = sock(ctx, zmq.XPUB, sndhwm=3)
    xpub.bind(ep)
    sub = sock(ctx, zmq.SUB, rcvhwm=2)
    sub.connect(ep)
    sub.subscribe(b"")
    assert xpub.recv() == b"\x01"
    for i in range(100):
        xpub.send(b"%d" % i, zmq.DONTWAIT)
    assert [m[0] for m in recv_nowait_all(sub)] == [b"%d" % i for i in range(5)]


def test_xpub_nodrop_raises_again_at_hwm(ctx, bind_endpoint):
    ep = bind_endpoint("inproc")
    xpub = sock(ctx, zmq.XPUB, timeout=200, sndhwm=3, xpub_nodrop=1)
    xpub.bind(ep)
    sub = sock(ctx, zmq.SUB, rcvhwm=2)
    sub.connect(ep)
    sub.subscribe(b"")
    assert xpub.recv() == b"\x01"
    assert _fill(xpub, [b"m"]) == 5
    t0 = time.monotonic()
    with pytest.raises(zmq.Again):
        xpub.send(b"m")
    assert 0.15 <= time.monotonic() - t0 < 2.0
    assert _drain(sub) == 5


def test_hwm_is_per_pipe(ctx, bind_endpoint):
    """A full peer does not stop a PUB from feeding the others."""
    ep = bind_endpoint("inproc")
    pub = sock(ctx, zmq.PUB, sndhwm=2)
    pub.bind(ep)
    slow = sock(ctx, zmq.SUB, rcvhwm=2)
    roomy = sock(ctx, zmq.SUB, rcvhwm=100)
    for s in (slow, roomy):
        s.subscribe(b"")
        s.connect(ep)
    time.sleep(SETTLE)
    for i in range(50):
        pub.send(b"%d" % i)
    assert [m[0] for m in recv_nowait_all(roomy)] == [b"%d" % i for i in range(50)]
    assert [m[0] for m in recv_nowait_all(slow)] == [b"%d" % i for i in range(4)]


def test_push_skips_full_peer(ctx, bind_endpoint):
    """PUSH load-balances over the peers that have room."""
    ep1, ep2 = bind_endpoint("inproc"), bind_endpoint("inproc")
    stuck = sock(ctx, zmq.PULL, rcvhwm=1)
    stuck.bind(ep1)
    free = sock(ctx, zmq.PULL, rcvhwm=1)
    free.bind(ep2)
    push = sock(ctx, zmq.PUSH, sndhwm=1)
    push.connect(ep1)
    push.connect(ep2)
    push.send(b"s0")
    push.send(b"f0")
    push.send(b"s1")  # stuck now holds 2 = its whole pipe
    push.send(b"f1")
    assert [free.recv(), free.recv()] == [b"f0", b"f1"]
    for i in range(10):  # only `free` can take these
        push.send(b"x%d" % i)
        assert free.recv() == b"x%d" % i
    assert [stuck.recv(), stuck.recv()] == [b"s0", b"s1"]
    assert_nothing(stuck, 20)
