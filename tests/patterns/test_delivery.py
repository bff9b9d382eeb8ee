"""Requirement 1: every valid socket-type pair, over every transport, with
either side binding, carries single-part and multipart messages, empty
frames, a 0-byte message and a 4 MiB message intact and in order."""

from __future__ import annotations

import os

import pytest

import purezmq as zmq

from tests.conftest import TRANSPORTS
from .helpers import SOCKET_NAMES, endpoint, recv_while_poking, router_send_when_routable, sock, sync_pub_sub

BIG = os.urandom(4 * 1024 * 1024)

MESSAGES = [
    [b"single part"],
    [b"multi", b"part", b"message"],
    [b"", b"empty frames around", b""],
    [b""],  # a 0-byte, single-frame message
    [b"", b""],
    [BIG],  # 4 MiB
    [b"after the big one"],
    [b"x" * 255, b"y" * 256, b"z" * 70000],  # around the short/long frame boundary
]

PAIRS = [
    ("PAIR", "PAIR"), ("PUB", "SUB"), ("PUB", "XSUB"), ("XPUB", "SUB"),
    ("XPUB", "XSUB"), ("REQ", "REP"), ("REQ", "ROUTER"), ("DEALER", "REP"),
    ("DEALER", "ROUTER"), ("DEALER", "DEALER"), ("ROUTER", "ROUTER"),
    ("PUSH", "PULL"),
]


def _connect(ctx, bind_endpoint, transport, a_type, b_type, binder, a_opts=None, b_opts=None):
    a = sock(ctx, SOCKET_NAMES[a_type], **(a_opts or {}))
    b = sock(ctx, SOCKET_NAMES[b_type], **(b_opts or {}))
    first, second = (a, b) if binder == "a" else (b, a)
    first.bind(bind_endpoint(transport))
    second.connect(endpoint(first))
    return a, b


def _one_way(sender, receiver, messages=MESSAGES):
    """Send everything, then receive everything: intact and in order."""
    for m in messages:
        sender.send_multipart(m)
    for m in messages:
        assert receiver.recv_multipart() == m


def run_pair_pair(a, b):
    _one_way(a, b)
    _one_way(b, a)


def run_push_pull(push, pull):
    _one_way(push, pull)


def run_pub_sub(pub, sub):
    sub.subscribe(b"")
    sync_pub_sub(pub, sub)
    _one_way(pub, sub)


def run_pub_xsub(pub, xsub):
    xsub.send(b"\x01")  # subscribe to everything
    sync_pub_sub(pub, xsub)
    _one_way(pub, xsub)


def run_xpub_sub(xpub, sub):
    sub.subscribe(b"")
    assert recv_while_poking(xpub, [sub]) == [b"\x01"]
    _one_way(xpub, sub)


def run_xpub_xsub(xpub, xsub):
    xsub.send(b"\x01")
    assert recv_while_poking(xpub, [xsub]) == [b"\x01"]
    _one_way(xpub, xsub)


def run_req_rep(req, rep):
    for m in MESSAGES:
        req.send_multipart(m)
        assert rep.recv_multipart() == m
        rep.send_multipart(m[::-1])
        assert req.recv_multipart() == m[::-1]


def run_req_router(req, router):
    for m in MESSAGES:
        req.send_multipart(m)
        got = router.recv_multipart()
        ident = got[0]
        assert got[1:] == [b""] + m
        router.send_multipart([ident, b""] + m[::-1])
        assert req.recv_multipart() == m[::-1]


def run_dealer_rep(dealer, rep):
    for m in MESSAGES:  # pipelined: DEALER does not alternate
        dealer.send_multipart([b""] + m)
    for m in MESSAGES:
        assert rep.recv_multipart() == m
        rep.send_multipart(m)
    for m in MESSAGES:
        assert dealer.recv_multipart() == [b""] + m


def run_dealer_router(dealer, router):
    for m in MESSAGES:
        dealer.send_multipart(m)
    idents = set()
    for m in MESSAGES:
        got = router.recv_multipart()
        idents.add(got[0])
        assert got[1:] == m
    assert len(idents) == 1
    ident = idents.pop()
    for m in MESSAGES:
        router.send_multipart([ident] + m)
    for m in MESSAGES:
        assert dealer.recv_multipart() == m


def run_dealer_dealer(a, b):
    _one_way(a, b)
    _one_way(b, a)


def run_router_router(a, b):
    # a's and b's ROUTING_IDs are set by the test: "router-a" / "router-b".
    router_send_when_routable(a, [b"router-b", b"hello"])
    assert b.recv_multipart() == [b"router-a", b"hello"]
    for m in MESSAGES:
        a.send_multipart([b"router-b"] + m)
    for m in MESSAGES:
        assert b.recv_multipart() == [b"router-a"] + m
    for m in MESSAGES:
        b.send_multipart([b"router-a"] + m)
    for m in MESSAGES:
        assert a.recv_multipart() == [b"router-b"] + m


RUNNERS = {
    ("PAIR", "PAIR"): run_pair_pair,
    ("PUB", "SUB"): run_pub_sub,
    ("PUB", "XSUB"): run_pub_xsub,
    ("XPUB", "SUB"): run_xpub_sub,
    ("XPUB", "XSUB"): run_xpub_xsub,
    ("REQ", "REP"): run_req_rep,
    ("REQ", "ROUTER"): run_req_router,
    ("DEALER", "REP"): run_dealer_rep,
    ("DEALER", "ROUTER"): run_dealer_router,
    ("DEALER", "DEALER"): run_dealer_dealer,
    ("ROUTER", "ROUTER"): run_router_router,
    ("PUSH", "PULL"): run_push_pull,
}


@pytest.mark.parametrize("binder", ["a", "b"], ids=["first-binds", "second-binds"])
@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize("pair", PAIRS, ids=["-".join(p) for p in PAIRS])
def test_pair_delivers_intact_in_order(ctx, bind_endpoint, transport, pair, binder):
    a_opts = b_opts = None
    if pair == ("ROUTER", "ROUTER"):
        a_opts = {"routing_id": b"router-a", "router_mandatory": 1}
        b_opts = {"routing_id": b"router-b", "router_mandatory": 1}
    a, b = _connect(ctx, bind_endpoint, transport, *pair, binder, a_opts, b_opts)
    RUNNERS[pair](a, b)
    # nothing extra, nothing duplicated
    for s in (a, b):
        if s.socket_type not in (zmq.PUB, zmq.PUSH):
            assert not s.poll(20, zmq.POLLIN)
