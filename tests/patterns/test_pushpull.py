"""PUSH/PULL: PUSH round-robins over its peers, PULL fair-queues from them
(after libzmq's tests/test_spec_pushpull.cpp)."""

from __future__ import annotations

import time

import pytest

import purezmq as zmq
from tests.conftest import TRANSPORTS

from .helpers import SETTLE, assert_nothing, endpoint, sock

SERVICES = 5


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_push_round_robin_out_bound_push(ctx, bind_endpoint, transport):
    push = sock(ctx, zmq.PUSH)
    push.bind(bind_endpoint(transport))
    pulls = [sock(ctx, zmq.PULL) for _ in range(SERVICES)]
    for p in pulls:
        p.connect(endpoint(push))
    time.sleep(2 * SETTLE)  # let every peer connect
    for _ in pulls:
        push.send(b"ABC")
    for _ in pulls:
        push.send(b"DEF")
    for p in pulls:  # exactly one each, in the same order
        assert p.recv() == b"ABC"
        assert p.recv() == b"DEF"
    for p in pulls:
        assert_nothing(p, 20)


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_push_round_robin_out_connecting_push(ctx, bind_endpoint, transport):
    """A connecting PUSH has one pipe per connect() at once: the order of the
    round-robin is the order of the connect() calls."""
    pulls = [sock(ctx, zmq.PULL) for _ in range(SERVICES)]
    push = sock(ctx, zmq.PUSH)
    for p in pulls:
        p.bind(bind_endpoint(transport))
        push.connect(endpoint(p))
    for i in range(3 * SERVICES):
        push.send(b"%d" % i)
    for k, p in enumerate(pulls):
        assert [p.recv() for _ in range(3)] == [b"%d" % (k + j * SERVICES) for j in range(3)]
    for p in pulls:
        assert_nothing(p, 20)


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_push_round_robin_multipart_stays_whole(ctx, bind_endpoint, transport):
    """Round-robin is per message, never per frame."""
    pulls = [sock(ctx, zmq.PULL) for _ in range(3)]
    push = sock(ctx, zmq.PUSH)
    for p in pulls:
        p.bind(bind_endpoint(transport))
        push.connect(endpoint(p))
    for i in range(6):
        push.send_multipart([b"%d" % i, b"a", b"b"])
    for k, p in enumerate(pulls):
        assert p.recv_multipart() == [b"%d" % k, b"a", b"b"]
        assert p.recv_multipart() == [b"%d" % (k + 3), b"a", b"b"]


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_pull_fair_queue_in(ctx, bind_endpoint, transport):
    pull = sock(ctx, zmq.PULL)
    pull.bind(bind_endpoint(transport))
    pushes = [sock(ctx, zmq.PUSH) for _ in range(SERVICES)]
    for p in pushes:
        p.connect(endpoint(pull))
    time.sleep(SETTLE)
    for k, p in enumerate(pushes):
        p.send(b"A%d" % k)
        p.send(b"B%d" % k)
    time.sleep(SETTLE)  # everything has arrived at the PULL's queues
    first = {pull.recv() for _ in pushes}
    second = {pull.recv() for _ in pushes}
    assert first == {b"A%d" % k for k in range(SERVICES)}
    assert second == {b"B%d" % k for k in range(SERVICES)}
    assert_nothing(pull, 20)


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_pull_fair_queue_in_connecting_pull(ctx, bind_endpoint, transport):
    pushes = [sock(ctx, zmq.PUSH) for _ in range(SERVICES)]
    pull = sock(ctx, zmq.PULL)
    for p in pushes:
        p.bind(bind_endpoint(transport))
        pull.connect(endpoint(p))
    time.sleep(SETTLE)
    for k, p in enumerate(pushes):
        for j in range(3):
            p.send(b"%d-%d" % (j, k))
    time.sleep(SETTLE)
    for j in range(3):  # one from every peer before a second from any
        got = {pull.recv() for _ in pushes}
        assert got == {b"%d-%d" % (j, k) for k in range(SERVICES)}


def test_pull_fair_queue_does_not_starve(ctx, bind_endpoint):
    """A chatty peer does not starve a quiet one."""
    pull = sock(ctx, zmq.PULL)
    pull.bind(bind_endpoint("inproc"))
    chatty, quiet = sock(ctx, zmq.PUSH), sock(ctx, zmq.PUSH)
    chatty.connect(endpoint(pull))
    quiet.connect(endpoint(pull))
    for i in range(100):
        chatty.send(b"chatty")
    quiet.send(b"quiet")
    got = [pull.recv() for _ in range(3)]
    assert b"quiet" in got


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_push_block_on_send_no_peers(ctx, transport, bind_endpoint):
    push = sock(ctx, zmq.PUSH, timeout=250)
    with pytest.raises(zmq.Again):
        push.send(b"", zmq.DONTWAIT)
    t0 = time.monotonic()
    with pytest.raises(zmq.Again):
        push.send(b"")
    assert 0.2 <= time.monotonic() - t0 < 2.0
    # A bound PUSH without peers has nowhere to queue either.
    push.bind(bind_endpoint(transport))
    with pytest.raises(zmq.Again):
        push.send(b"x", zmq.DONTWAIT)


def test_push_cannot_recv_pull_cannot_send(ctx):
    push, pull = sock(ctx, zmq.PUSH), sock(ctx, zmq.PULL)
    with pytest.raises(zmq.ZMQError) as e:
        push.recv(zmq.DONTWAIT)
    assert e.value.errno == zmq.ENOTSUP
    with pytest.raises(zmq.ZMQError) as e:
        pull.send(b"x", zmq.DONTWAIT)
    assert e.value.errno == zmq.ENOTSUP


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_push_skips_peer_that_went_away(ctx, bind_endpoint, transport):
    """When a PULL closes, PUSH load-balances over the remaining ones."""
    push = sock(ctx, zmq.PUSH)
    push.bind(bind_endpoint(transport))
    a, b = sock(ctx, zmq.PULL), sock(ctx, zmq.PULL)
    a.connect(endpoint(push))
    b.connect(endpoint(push))
    time.sleep(SETTLE)
    push.send(b"1")
    push.send(b"2")
    assert {a.recv(), b.recv()} == {b"1", b"2"}
    b.close()
    time.sleep(2 * SETTLE)
    for i in range(4):
        push.send(b"%d" % i)
    assert [a.recv() for _ in range(4)] == [b"0", b"1", b"2", b"3"]


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_disconnect_discards_unread_messages(ctx, bind_endpoint, transport):
    """disconnect() terminates the pipe: what the PULL had received from
    that peer but not yet read is gone with it."""
    push = sock(ctx, zmq.PUSH)
    push.bind(bind_endpoint(transport))
    ep = endpoint(push)
    pull = sock(ctx, zmq.PULL)
    pull.connect(ep)
    push.send(b"first")
    assert pull.recv() == b"first"
    push.send(b"unread")
    assert pull.poll(2000)  # it has arrived
    pull.disconnect(ep)
    with pytest.raises(zmq.Again):
        pull.recv(zmq.DONTWAIT)
    assert_nothing(pull, 100)
