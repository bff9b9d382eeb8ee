"""Reconnection after the peer goes away and binds again on the same
endpoint, RECONNECT_IVL -1, and IMMEDIATE (after libzmq's
test_reconnect_ivl.cpp and test_immediate.cpp)."""

from __future__ import annotations

import time

import pytest

import purezmq as zmq

from .helpers import (
    SETTLE, assert_nothing, bind_retrying, endpoint, free_endpoint, router_send_when_routable, sock,
    sync_pub_sub,
)

WIRE = ["tcp", "ipc"]


def _send_until_received(sender, receiver, probe=b"probe", timeout=5.0):
    """Send probes until one arrives (the link is up again); drain."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            sender.send(probe, zmq.DONTWAIT)
        except zmq.Again:
            pass
        if receiver.poll(50):
            break
    else:
        raise AssertionError("the connection never came back")
    time.sleep(0.05)
    while receiver.poll(0):
        assert receiver.recv_multipart()[-1] == probe


def _rebind(ctx, old, socket_type, ep, **opts):
    old.close()
    time.sleep(SETTLE)  # the connecter notices the disconnection
    new = sock(ctx, socket_type, **opts)
    bind_retrying(new, ep)
    assert endpoint(new) == ep  # the very same port / path
    return new


@pytest.mark.parametrize("transport", WIRE)
def test_push_reconnects_to_rebound_pull(ctx, bind_endpoint, transport):
    pull = sock(ctx, zmq.PULL)
    pull.bind(bind_endpoint(transport))
    ep = endpoint(pull)
    push = sock(ctx, zmq.PUSH)
    push.connect(ep)
    push.send(b"before")
    assert pull.recv() == b"before"
    pull = _rebind(ctx, pull, zmq.PULL, ep)
    _send_until_received(push, pull)
    for i in range(5):
        push.send(b"after %d" % i)
    assert [pull.recv() for _ in range(5)] == [b"after %d" % i for i in range(5)]


@pytest.mark.parametrize("transport", WIRE)
def test_messages_sent_during_outage_are_delivered(ctx, bind_endpoint, transport):
    """The connecting side keeps its queue while the peer is away."""
    pull = sock(ctx, zmq.PULL)
    pull.bind(bind_endpoint(transport))
    ep = endpoint(pull)
    push = sock(ctx, zmq.PUSH)
    push.connect(ep)
    push.send(b"before")
    assert pull.recv() == b"before"
    pull.close()
    time.sleep(3 * SETTLE)
    for i in range(3):
        push.send(b"queued %d" % i)
    pull = sock(ctx, zmq.PULL)
    bind_retrying(pull, ep)
    assert [pull.recv() for _ in range(3)] == [b"queued %d" % i for i in range(3)]


@pytest.mark.parametrize("transport", WIRE)
def test_req_reconnects_to_rebound_rep(ctx, bind_endpoint, transport):
    rep = sock(ctx, zmq.REP)
    rep.bind(bind_endpoint(transport))
    ep = endpoint(rep)
    req = sock(ctx, zmq.REQ)
    req.connect(ep)
    req.send(b"one")
    assert rep.recv() == b"one"
    rep.send(b"1")
    assert req.recv() == b"1"
    rep = _rebind(ctx, rep, zmq.REP, ep)
    time.sleep(SETTLE)
    req.send(b"two")
    assert rep.recv() == b"two"
    rep.send(b"2")
    assert req.recv() == b"2"


@pytest.mark.parametrize("transport", WIRE)
def test_sub_resubscribes_to_rebound_pub(ctx, bind_endpoint, transport):
    pub = sock(ctx, zmq.PUB)
    pub.bind(bind_endpoint(transport))
    ep = endpoint(pub)
    sub = sock(ctx, zmq.SUB)
    sub.subscribe(b"news")
    sub.connect(ep)
    sync_pub_sub(pub, sub, probe=b"news")
    pub = _rebind(ctx, pub, zmq.PUB, ep)
    sync_pub_sub(pub, sub, probe=b"news")  # subscription sent again
    pub.send(b"sports")
    pub.send(b"news: back")
    assert sub.recv() == b"news: back"
    assert_nothing(sub, 20)


@pytest.mark.parametrize("transport", WIRE)
def test_dealer_reconnects_to_rebound_router(ctx, bind_endpoint, transport):
    router = sock(ctx, zmq.ROUTER, router_mandatory=1)
    router.bind(bind_endpoint(transport))
    ep = endpoint(router)
    dealer = sock(ctx, zmq.DEALER, routing_id=b"dealer")
    dealer.connect(ep)
    dealer.send(b"hi")
    assert router.recv_multipart() == [b"dealer", b"hi"]
    router = _rebind(ctx, router, zmq.ROUTER, ep, router_mandatory=1)
    router_send_when_routable(router, [b"dealer", b"welcome back"])
    assert dealer.recv() == b"welcome back"
    dealer.send(b"thanks")
    assert router.recv_multipart() == [b"dealer", b"thanks"]


@pytest.mark.parametrize("transport", WIRE)
def test_pair_reconnects_to_rebound_pair(ctx, bind_endpoint, transport):
    a = sock(ctx, zmq.PAIR)
    a.bind(bind_endpoint(transport))
    ep = endpoint(a)
    b = sock(ctx, zmq.PAIR)
    b.connect(ep)
    b.send(b"x")
    assert a.recv() == b"x"
    a = _rebind(ctx, a, zmq.PAIR, ep)
    _send_until_received(b, a)
    a.send(b"y")
    assert b.recv() == b"y"


def _bounce(a, b):
    a.send(b"ping")
    assert b.recv() == b"ping"
    b.send(b"pong")
    assert a.recv() == b"pong"


def _expect_bounce_fail(server, client):
    """As libzmq's expect_bounce_fail: nothing crosses in either direction."""
    for s in (server, client):
        s.sndtimeo = 150
        s.rcvtimeo = 150
    try:
        client.send(b"lost")
    except zmq.Again:
        pass
    with pytest.raises(zmq.Again):
        server.recv()
    try:
        server.send(b"lost")
    except zmq.Again:
        pass
    with pytest.raises(zmq.Again):
        client.recv()
    for s in (server, client):
        s.sndtimeo = 2000
        s.rcvtimeo = 2000


@pytest.mark.parametrize("transport", WIRE)
def test_reconnect_ivl_minus_one_disables_reconnection(ctx, bind_endpoint, transport):
    sb = sock(ctx, zmq.PAIR)
    sb.bind(bind_endpoint(transport))
    ep = endpoint(sb)
    sc = sock(ctx, zmq.PAIR, reconnect_ivl=-1)
    sc.connect(ep)
    _bounce(sb, sc)
    sb.unbind(ep)  # also drops the connections accepted there
    _expect_bounce_fail(sb, sc)
    bind_retrying(sb, ep)
    time.sleep(SETTLE)
    _expect_bounce_fail(sb, sc)
    sc.connect(ep)
    _bounce(sb, sc)


# -- IMMEDIATE ------------------------------------------------------------------

def test_without_immediate_messages_queue_for_absent_peer(ctx, bind_endpoint):
    """test_immediate_1: half the round-robin goes to the pipe of a peer that
    is not there."""
    to = sock(ctx, zmq.PULL, timeout=250)
    to.bind(bind_endpoint("tcp"))
    frm = sock(ctx, zmq.PUSH)
    frm.connect(free_endpoint(bind_endpoint, "tcp"))
    frm.connect(endpoint(to))
    time.sleep(SETTLE)
    for _ in range(10):
        frm.send(b"Hello")
    seen = 0
    while to.poll(250):
        to.recv()
        seen += 1
    assert seen == 5


def test_immediate_sends_only_to_connected_peers(ctx, bind_endpoint):
    """test_immediate_2."""
    to = sock(ctx, zmq.PULL, timeout=250)
    to.bind(bind_endpoint("tcp"))
    frm = sock(ctx, zmq.PUSH, immediate=1)
    frm.connect(free_endpoint(bind_endpoint, "tcp"))
    frm.connect(endpoint(to))
    for _ in range(10):
        frm.send(b"Hello")  # blocks (SNDTIMEO) until the real peer is up
    seen = 0
    while to.poll(250):
        to.recv()
        seen += 1
    assert seen == 10


@pytest.mark.parametrize("transport", WIRE)
def test_immediate_no_queueing_to_absent_peer(ctx, bind_endpoint, transport):
    push = sock(ctx, zmq.PUSH, timeout=200, immediate=1)
    push.connect(free_endpoint(bind_endpoint, transport))
    assert not push.getsockopt(zmq.EVENTS) & zmq.POLLOUT
    with pytest.raises(zmq.Again):
        push.send(b"x", zmq.DONTWAIT)
    with pytest.raises(zmq.Again):
        push.send(b"x")
    # without IMMEDIATE the same socket queues up to SNDHWM
    plain = sock(ctx, zmq.PUSH, sndhwm=4)
    plain.connect(free_endpoint(bind_endpoint, transport))
    assert plain.getsockopt(zmq.EVENTS) & zmq.POLLOUT
    for i in range(4):
        plain.send(b"%d" % i, zmq.DONTWAIT)
    with pytest.raises(zmq.Again):
        plain.send(b"x", zmq.DONTWAIT)


@pytest.mark.parametrize("transport", WIRE)
def test_immediate_after_peer_leaves_and_returns(ctx, bind_endpoint, transport):
    """test_immediate_3: once the peer has gone an IMMEDIATE socket refuses
    to queue; when it binds again the link works again."""
    backend = sock(ctx, zmq.DEALER)
    backend.bind(bind_endpoint(transport))
    ep = endpoint(backend)
    frontend = sock(ctx, zmq.DEALER, immediate=1)
    frontend.connect(ep)
    backend.send(b"Hello")
    assert frontend.recv() == b"Hello"
    frontend.send(b"Hello", zmq.DONTWAIT)
    backend.close()

    def refused():
        try:
            frontend.send(b"Hello", zmq.DONTWAIT)
        except zmq.Again:
            return True
        return False

    deadline = time.monotonic() + 3
    while not refused():
        assert time.monotonic() < deadline, "still queueing to a departed peer"
        time.sleep(0.02)
    backend = sock(ctx, zmq.DEALER)
    bind_retrying(backend, ep)
    backend.send(b"Hello")
    assert frontend.recv() == b"Hello"
    frontend.send(b"Hello", zmq.DONTWAIT)
    assert backend.recv() == b"Hello"
