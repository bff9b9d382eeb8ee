"""REQ/REP: the envelope, strict alternation, round-robin and fair-queuing
(after libzmq's tests/test_spec_req.cpp and test_spec_rep.cpp)."""

from __future__ import annotations

import time

import pytest

import purezmq as zmq
from tests.conftest import TRANSPORTS

from .helpers import SETTLE, assert_nothing, endpoint, router_send_when_routable, sock

SERVICES = 5


def _efsm(call):
    with pytest.raises(zmq.ZMQError) as e:
        call()
    assert e.value.errno == zmq.EFSM
    return e.value


# -- REQ -----------------------------------------------------------------------

@pytest.mark.parametrize("transport", TRANSPORTS)
def test_req_round_robin_out_bound_req(ctx, bind_endpoint, transport):
    req = sock(ctx, zmq.REQ)
    req.bind(bind_endpoint(transport))
    reps = [sock(ctx, zmq.REP) for _ in range(SERVICES)]
    for r in reps:
        r.connect(endpoint(req))
    time.sleep(2 * SETTLE)
    served = []
    for _ in reps:
        req.send(b"ABC")
        poller = zmq.Poller()
        for r in reps:
            poller.register(r, zmq.POLLIN)
        ready = dict(poller.poll(2000))
        assert len(ready) == 1
        (r,) = ready
        served.append(r)
        assert r.recv() == b"ABC"
        r.send(b"DEF")
        assert req.recv() == b"DEF"
    assert sorted(map(id, served)) == sorted(map(id, reps))  # each exactly once


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_req_round_robin_out_connecting_req(ctx, bind_endpoint, transport):
    reps = [sock(ctx, zmq.REP) for _ in range(SERVICES)]
    req = sock(ctx, zmq.REQ)
    for r in reps:
        r.bind(bind_endpoint(transport))
        req.connect(endpoint(r))
    for _ in range(2):
        for k, r in enumerate(reps):
            req.send(b"req %d" % k)
            assert r.recv() == b"req %d" % k
            r.send(b"rep %d" % k)
            assert req.recv() == b"rep %d" % k


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_req_message_format(ctx, bind_endpoint, transport):
    """REQ puts an empty delimiter before the body; ROUTER sees
    [identity, b"", body...]."""
    req = sock(ctx, zmq.REQ)
    req.bind(bind_endpoint(transport))
    router = sock(ctx, zmq.ROUTER)
    router.connect(endpoint(req))
    req.send_multipart([b"ABC", b"DEF"])
    ident = router.recv()
    assert len(ident) > 0
    assert router.rcvmore
    assert router.recv_multipart() == [b"", b"ABC", b"DEF"]
    router.send_multipart([ident, b"", b"GHI"])
    assert req.recv_multipart() == [b"GHI"]


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_req_only_listens_to_current_peer(ctx, bind_endpoint, transport):
    routers = [sock(ctx, zmq.ROUTER, router_mandatory=1) for _ in range(3)]
    req = sock(ctx, zmq.REQ, routing_id=b"A")
    for r in routers:
        r.bind(bind_endpoint(transport))
        req.connect(endpoint(r))
    for i, target in enumerate(routers):
        req.send(b"ABC")
        assert target.recv_multipart() == [b"A", b"", b"ABC"]
        for j, r in enumerate(routers):  # every ROUTER answers
            reply = b"GOOD" if i == j else b"WRONG"
            router_send_when_routable(r, [b"A", b"", reply])
        assert req.recv() == b"GOOD"
        # Let the WRONG answers reach the REQ: libzmq's REQ discards
        # whatever is still queued when it starts the next request.
        time.sleep(SETTLE)
    assert_nothing(req, 100)


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_req_discards_stale_replies_on_new_request(ctx, bind_endpoint, transport):
    """A reply that arrives after the REQ got its answer (here: a second,
    unsolicited one from the same peer) is dropped when the next request
    starts; the next recv returns the answer to the next request."""
    router = sock(ctx, zmq.ROUTER)
    router.bind(bind_endpoint(transport))
    req = sock(ctx, zmq.REQ)
    req.connect(endpoint(router))
    req.send(b"q1")
    ident, _, _ = router.recv_multipart()
    router.send_multipart([ident, b"", b"r1"])
    assert req.recv() == b"r1"
    router.send_multipart([ident, b"", b"stale"])
    time.sleep(SETTLE)  # the stale reply is queued at the REQ
    req.send(b"q2")
    assert router.recv_multipart() == [ident, b"", b"q2"]
    router.send_multipart([ident, b"", b"r2"])
    assert req.recv() == b"r2"


def test_req_drops_reply_without_delimiter_inproc(ctx, bind_endpoint):
    router = sock(ctx, zmq.ROUTER)
    router.bind(bind_endpoint("inproc"))
    req = sock(ctx, zmq.REQ)
    req.connect(endpoint(router))
    req.send(b"question")
    ident, empty, body = router.recv_multipart()
    assert (empty, body) == (b"", b"question")
    router.send_multipart([ident, b"no delimiter"])  # malformed: dropped
    router.send_multipart([ident, b"", b"answer"])
    assert req.recv_multipart() == [b"answer"]


@pytest.mark.parametrize("transport", ["tcp", "ipc"])
def test_req_malformed_reply_over_the_wire_drops_connection(ctx, bind_endpoint, transport):
    """Over a session (tcp/ipc) libzmq's REQ checks the reply format: a reply
    without the empty delimiter is a protocol error, the connection is
    dropped, and what the ROUTER sent after it is lost with it."""
    router = sock(ctx, zmq.ROUTER)
    router.bind(bind_endpoint(transport))
    req = sock(ctx, zmq.REQ, timeout=500)
    req.connect(endpoint(router))
    req.send(b"question")
    ident, empty, body = router.recv_multipart()
    router.send_multipart([ident, b"no delimiter"])
    router.send_multipart([ident, b"", b"answer"])
    with pytest.raises(zmq.Again):
        req.recv_multipart()


def test_req_efsm_send_twice(ctx, bind_endpoint):
    rep = sock(ctx, zmq.REP)
    rep.bind(bind_endpoint("inproc"))
    req = sock(ctx, zmq.REQ)
    req.connect(endpoint(rep))
    req.send(b"one")
    _efsm(lambda: req.send(b"two"))
    _efsm(lambda: req.send(b"two", zmq.DONTWAIT))
    assert rep.recv_multipart() == [b"one"]  # the second never left
    rep.send(b"reply")
    assert req.recv() == b"reply"
    _efsm(lambda: req.recv(zmq.DONTWAIT))  # only one reply per request
    req.send(b"three")  # and the cycle goes on
    assert rep.recv() == b"three"


def test_req_efsm_recv_before_send(ctx):
    req = sock(ctx, zmq.REQ)
    _efsm(lambda: req.recv())
    _efsm(lambda: req.recv(zmq.DONTWAIT))


def test_req_efsm_is_a_zmqerror_not_again(ctx):
    req = sock(ctx, zmq.REQ)
    err = _efsm(lambda: req.recv(zmq.DONTWAIT))
    assert not isinstance(err, zmq.Again)


def test_req_block_on_send_no_peers(ctx):
    req = sock(ctx, zmq.REQ, timeout=250)
    with pytest.raises(zmq.Again):
        req.send(b"", zmq.DONTWAIT)
    t0 = time.monotonic()
    with pytest.raises(zmq.Again):
        req.send(b"")
    assert 0.2 <= time.monotonic() - t0 < 2.0
    # A send that failed did not start a request: recv is still out of turn.
    _efsm(lambda: req.recv(zmq.DONTWAIT))


# -- REP -----------------------------------------------------------------------

def test_rep_efsm_send_before_recv(ctx):
    rep = sock(ctx, zmq.REP)
    _efsm(lambda: rep.send(b"x"))
    _efsm(lambda: rep.send(b"x", zmq.DONTWAIT))


def test_rep_efsm_recv_twice(ctx, bind_endpoint):
    rep = sock(ctx, zmq.REP)
    rep.bind(bind_endpoint("inproc"))
    req = sock(ctx, zmq.REQ)
    req.connect(endpoint(rep))
    req.send(b"hi")
    assert rep.recv() == b"hi"
    _efsm(lambda: rep.recv(zmq.DONTWAIT))
    rep.send(b"ho")
    _efsm(lambda: rep.send(b"again"))
    assert req.recv() == b"ho"


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_rep_fair_queue_in(ctx, bind_endpoint, transport):
    rep = sock(ctx, zmq.REP)
    rep.bind(bind_endpoint(transport))
    reqs = [sock(ctx, zmq.REQ) for _ in range(SERVICES)]
    for r in reqs:
        r.connect(endpoint(rep))
    time.sleep(SETTLE)
    for _ in range(2):
        reqs[0].send(b"A")
        assert rep.recv() == b"A"
        rep.send(b"A")
        assert reqs[0].recv() == b"A"
    for k, r in enumerate(reqs):
        r.send(b"%d" % k)
    time.sleep(SETTLE)
    got = set()
    for _ in reqs:
        body = rep.recv()
        got.add(body)
        rep.send(b"re: " + body)  # the reply goes back to the asker
    assert got == {b"%d" % k for k in range(SERVICES)}
    for k, r in enumerate(reqs):
        assert r.recv() == b"re: %d" % k


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_rep_envelope(ctx, bind_endpoint, transport):
    rep = sock(ctx, zmq.REP)
    rep.bind(bind_endpoint(transport))
    dealer = sock(ctx, zmq.DEALER)
    dealer.connect(endpoint(rep))
    dealer.send_multipart([b"", b"A"])
    assert rep.recv_multipart() == [b"A"]
    rep.send(b"A")
    assert dealer.recv_multipart() == [b"", b"A"]
    # Everything up to the delimiter is an envelope, kept for the reply.
    dealer.send_multipart([b"X", b"Y", b"", b"A"])
    assert rep.recv_multipart() == [b"A"]
    rep.send_multipart([b"B", b"C"])
    assert dealer.recv_multipart() == [b"X", b"Y", b"", b"B", b"C"]


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_rep_drops_request_without_delimiter(ctx, bind_endpoint, transport):
    rep = sock(ctx, zmq.REP)
    rep.bind(bind_endpoint(transport))
    dealer = sock(ctx, zmq.DEALER)
    dealer.connect(endpoint(rep))
    dealer.send(b"no envelope at all")
    dealer.send_multipart([b"", b"good"])
    assert rep.recv_multipart() == [b"good"]
    rep.send(b"ok")
    assert dealer.recv_multipart() == [b"", b"ok"]


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_rep_preserves_multi_hop_envelope(ctx, bind_endpoint, transport):
    """REQ -> ROUTER|DEALER -> ROUTER|DEALER -> REP, forwarding by hand:
    every hop adds an identity on the way in and pops it on the way out."""
    rep = sock(ctx, zmq.REP)
    rep.bind(bind_endpoint(transport))
    back2 = sock(ctx, zmq.DEALER)
    back2.connect(endpoint(rep))
    front2 = sock(ctx, zmq.ROUTER)
    front2.bind(bind_endpoint(transport))
    back1 = sock(ctx, zmq.DEALER, routing_id=b"hop1")
    back1.connect(endpoint(front2))
    front1 = sock(ctx, zmq.ROUTER)
    front1.bind(bind_endpoint(transport))
    reqs = [sock(ctx, zmq.REQ, routing_id=b"client%d" % k) for k in range(2)]
    for r in reqs:
        r.connect(endpoint(front1))

    for k, r in enumerate(reqs):
        r.send_multipart([b"hello", b"%d" % k])
    for _ in reqs:
        msg = front1.recv_multipart()
        assert msg[0] in (b"client0", b"client1") and msg[1] == b""
        back1.send_multipart(msg)
        msg2 = front2.recv_multipart()
        assert msg2 == [b"hop1"] + msg
        back2.send_multipart(msg2)
    for _ in reqs:
        body = rep.recv_multipart()
        assert body[0] == b"hello"
        rep.send_multipart([b"world", body[1]])
    for _ in reqs:
        msg = back2.recv_multipart()
        assert msg[0] == b"hop1" and msg[2] == b"" and msg[3] == b"world"
        assert msg[1] == b"client" + msg[4]
        front2.send_multipart(msg)
        msg = back1.recv_multipart()
        front1.send_multipart(msg)
    for k, r in enumerate(reqs):
        assert r.recv_multipart() == [b"world", b"%d" % k]
