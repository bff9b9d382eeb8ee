"""DEALER: round-robin out, fair-queue in, blocking without peers
(after libzmq's tests/test_spec_dealer.cpp)."""

from __future__ import annotations

import time

import pytest

import purezmq as zmq
from tests.conftest import TRANSPORTS

from .helpers import SETTLE, assert_nothing, endpoint, sock

SERVICES = 5


@pytest.mark.parametrize("peer", ["REP", "ROUTER", "DEALER"])
@pytest.mark.parametrize("transport", TRANSPORTS)
def test_dealer_round_robin_out_bound(ctx, bind_endpoint, transport, peer):
    dealer = sock(ctx, zmq.DEALER)
    dealer.bind(bind_endpoint(transport))
    peers = [sock(ctx, getattr(zmq, peer)) for _ in range(SERVICES)]
    for p in peers:
        p.connect(endpoint(dealer))
    time.sleep(2 * SETTLE)
    head = [b""] if peer == "REP" else []
    for _ in peers:
        dealer.send_multipart(head + [b"ABC"])
    for _ in peers:
        dealer.send_multipart(head + [b"DEF"])
    for p in peers:  # every peer got exactly ABC then DEF
        first = p.recv_multipart()
        if peer == "REP":  # a REP must answer before it reads on
            p.send(b"ok")
        second = p.recv_multipart()
        if peer == "ROUTER":
            first, second = first[1:], second[1:]
        assert (first, second) == ([b"ABC"], [b"DEF"])
        if peer != "REP":
            assert_nothing(p, 10)


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_dealer_round_robin_out_connecting(ctx, bind_endpoint, transport):
    routers = [sock(ctx, zmq.ROUTER) for _ in range(SERVICES)]
    dealer = sock(ctx, zmq.DEALER, routing_id=b"D")
    for r in routers:
        r.bind(bind_endpoint(transport))
        dealer.connect(endpoint(r))
    for i in range(2 * SERVICES):
        dealer.send_multipart([b"%d" % i, b"tail"])
    for k, r in enumerate(routers):
        assert r.recv_multipart() == [b"D", b"%d" % k, b"tail"]
        assert r.recv_multipart() == [b"D", b"%d" % (k + SERVICES), b"tail"]
        assert_nothing(r, 10)


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_dealer_fair_queue_in(ctx, bind_endpoint, transport):
    receiver = sock(ctx, zmq.DEALER)
    receiver.bind(bind_endpoint(transport))
    senders = [sock(ctx, zmq.DEALER) for _ in range(SERVICES)]
    for s in senders:
        s.connect(endpoint(receiver))
    time.sleep(SETTLE)
    for k, s in enumerate(senders):
        s.send_multipart([b"1-%d" % k, b"more"])
        s.send_multipart([b"2-%d" % k, b"more"])
    time.sleep(SETTLE)
    first = {tuple(receiver.recv_multipart()) for _ in senders}
    second = {tuple(receiver.recv_multipart()) for _ in senders}
    assert first == {(b"1-%d" % k, b"more") for k in range(SERVICES)}
    assert second == {(b"2-%d" % k, b"more") for k in range(SERVICES)}


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_dealer_fair_queue_in_connecting(ctx, bind_endpoint, transport):
    senders = [sock(ctx, zmq.DEALER) for _ in range(SERVICES)]
    receiver = sock(ctx, zmq.DEALER)
    for s in senders:
        s.bind(bind_endpoint(transport))
        receiver.connect(endpoint(s))
    time.sleep(SETTLE)
    for k, s in enumerate(senders):
        for j in range(2):
            s.send(b"%d-%d" % (j, k))
    time.sleep(SETTLE)
    for j in range(2):
        assert {receiver.recv() for _ in senders} == {b"%d-%d" % (j, k) for k in range(SERVICES)}


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_dealer_block_on_send_no_peers(ctx, bind_endpoint, transport):
    dealer = sock(ctx, zmq.DEALER, timeout=250)
    with pytest.raises(zmq.Again):
        dealer.send(b"", zmq.DONTWAIT)
    t0 = time.monotonic()
    with pytest.raises(zmq.Again):
        dealer.send(b"")
    assert 0.2 <= time.monotonic() - t0 < 2.0
    dealer.bind(bind_endpoint(transport))
    with pytest.raises(zmq.Again):
        dealer.send(b"", zmq.DONTWAIT)


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_dealer_to_rep_replies_route_back(ctx, bind_endpoint, transport):
    """A DEALER talking to several REPs gets each reply back on its own."""
    reps = [sock(ctx, zmq.REP) for _ in range(3)]
    dealer = sock(ctx, zmq.DEALER)
    for r in reps:
        r.bind(bind_endpoint(transport))
        dealer.connect(endpoint(r))
    for k in range(3):
        dealer.send_multipart([b"", b"q%d" % k])
    for k, r in enumerate(reps):
        assert r.recv() == b"q%d" % k
        r.send(b"a%d" % k)
    assert sorted(tuple(dealer.recv_multipart()) for _ in reps) == [
        (b"", b"a%d" % k) for k in range(3)]


def test_dealer_fair_queue_keeps_senders_order(ctx, bind_endpoint):
    """Whatever the interleaving, each sender's messages stay in order and
    whole."""
    receiver = sock(ctx, zmq.DEALER)
    receiver.bind(bind_endpoint("inproc"))
    senders = [sock(ctx, zmq.DEALER) for _ in range(3)]
    for s in senders:
        s.connect(endpoint(receiver))
    for i in range(20):
        for k, s in enumerate(senders):
            s.send_multipart([b"%d" % k, b"%d" % i])
    seen = {0: [], 1: [], 2: []}
    for _ in range(60):
        k, i = receiver.recv_multipart()
        seen[int(k)].append(int(i))
    assert all(v == list(range(20)) for v in seen.values())
