"""Socket options whose effect crosses the wire, with a libzmq peer on the
other side.  Expected results are what libzmq 4.3.5 does in the same
position (checked by running the same steps with libzmq on both sides)."""

from __future__ import annotations

import socket
import time

import pytest

import purezmq as pz
from interop_util import endpoint, make, recv_or_none


def _free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def _drain(sock, timeout_ms: int = 300) -> list:
    got = []
    while (msg := recv_or_none(sock, timeout_ms)) is not None:
        got.append(msg[0])
    return got


def test_maxmsgsize_drops_oversized_sender_connection(ctx, zctx, bind_endpoint):
    """An oversized frame ends that connection; the libzmq sender reconnects
    and later messages arrive.  The oversized one never does."""
    pull = make(ctx, "PULL", maxmsgsize=1000)
    pull.bind(bind_endpoint("tcp"))
    push = make(zctx, "PUSH", reconnect_ivl=50)
    push.connect(endpoint(pull))
    push.send(b"small-1")
    assert pull.recv() == b"small-1"
    push.send(b"B" * 2000)
    got = _drain(pull)
    push.send(b"small-3")
    got += _drain(pull, 2000)[:1]
    assert all(len(m) <= 1000 for m in got), "an oversized message was delivered"
    assert got[-1:] == [b"small-3"]


def test_conflate_receiver_keeps_only_newest(ctx, zctx, bind_endpoint):
    pull = make(ctx, "PULL", conflate=1)
    pull.bind(bind_endpoint("tcp"))
    push = make(zctx, "PUSH")
    push.connect(endpoint(pull))
    for i in range(100):
        push.send(b"%d" % i)
    time.sleep(0.3)
    got = []
    while True:
        try:
            got.append(pull.recv(pz.DONTWAIT))
        except pz.Again:
            break
    assert got == [b"99"], f"CONFLATE kept {len(got)} messages (libzmq keeps the newest only)"


def test_conflate_sub_keeps_only_newest(ctx, zctx, bind_endpoint):
    pub = make(zctx, "PUB")
    pub.bind(bind_endpoint("tcp"))
    sub = make(ctx, "SUB", conflate=1)
    sub.subscribe(b"")
    sub.connect(endpoint(pub))
    time.sleep(0.2)
    for i in range(50):
        pub.send(b"%d" % i)
    time.sleep(0.3)
    got = []
    while True:
        try:
            got.append(sub.recv(pz.DONTWAIT))
        except pz.Again:
            break
    assert got == [b"49"], f"CONFLATE kept {len(got)} messages (libzmq keeps the newest only)"


def test_conflate_sender_queues_only_newest(ctx, zctx):
    port = _free_port()
    push = make(ctx, "PUSH", conflate=1, reconnect_ivl=50)
    push.connect(f"tcp://127.0.0.1:{port}")
    for i in range(10):
        push.send(b"%d" % i)
    pull = make(zctx, "PULL")
    pull.bind(f"tcp://127.0.0.1:{port}")
    assert _drain(pull, 500) == [b"9"]


@pytest.mark.parametrize("immediate", [0, 1])
def test_immediate_skips_unconnected_peer(ctx, zctx, bind_endpoint, immediate):
    pull = make(zctx, "PULL")
    pull.bind(bind_endpoint("tcp"))
    push = make(ctx, "PUSH", immediate=immediate, sndtimeo=500)
    push.connect(f"tcp://127.0.0.1:{_free_port()}")  # nobody there
    push.connect(endpoint(pull))
    time.sleep(0.2)
    for i in range(10):
        push.send(b"%d" % i)
    got = _drain(pull)
    # Without IMMEDIATE half wait in the dead endpoint's queue, as in libzmq.
    assert len(got) == (10 if immediate else 5)


def test_probe_router_announces_dealer(ctx, zctx, bind_endpoint):
    router = make(zctx, "ROUTER")
    router.bind(bind_endpoint("tcp"))
    dealer = make(ctx, "DEALER", probe_router=1, routing_id=b"prober")
    dealer.connect(endpoint(router))
    assert router.recv_multipart() == [b"prober", b""]


def test_router_handover_to_reconnecting_libzmq_peer(ctx, zctx, bind_endpoint):
    router = make(ctx, "ROUTER", router_handover=1)
    router.bind(bind_endpoint("tcp"))
    first = make(zctx, "DEALER", routing_id=b"same")
    first.connect(endpoint(router))
    first.send(b"from-first")
    assert router.recv_multipart() == [b"same", b"from-first"]
    second = make(zctx, "DEALER", routing_id=b"same")
    second.connect(endpoint(router))
    second.send(b"from-second")
    assert router.recv_multipart() == [b"same", b"from-second"]
    router.send_multipart([b"same", b"to-same"])
    assert second.recv() == b"to-same"
    assert recv_or_none(first, 100) is None


def test_req_correlate_relaxed_against_libzmq_rep(ctx, zctx, bind_endpoint):
    rep = make(zctx, "REP")
    rep.bind(bind_endpoint("tcp"))
    req = make(ctx, "REQ", req_correlate=1, req_relaxed=1)
    req.connect(endpoint(rep))
    req.send(b"q1")
    assert rep.recv() == b"q1"
    req.send(b"q2")       # RELAXED: a new request before the reply
    rep.send(b"a1")       # the stale reply: CORRELATE must discard it
    assert rep.recv() == b"q2"
    rep.send(b"a2")
    assert req.recv() == b"a2"


def test_req_correlate_envelope_seen_by_libzmq_router(ctx, zctx, bind_endpoint):
    router = make(zctx, "ROUTER")
    router.bind(bind_endpoint("tcp"))
    req = make(ctx, "REQ", req_correlate=1, routing_id=b"corr")
    req.connect(endpoint(router))
    req.send(b"q")
    msg = router.recv_multipart()
    assert msg[0] == b"corr" and len(msg[1]) == 4 and msg[2:] == [b"", b"q"], msg
    router.send_multipart([b"corr", b"\x00\x00\x00\x00", b"", b"wrong-id"])
    router.send_multipart(msg[:3] + [b"right"])
    assert req.recv() == b"right"
