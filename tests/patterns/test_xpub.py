"""XPUB/XSUB: subscriptions as messages (after libzmq's
tests/test_xpub_verbose.cpp, test_xpub_nodrop.cpp, test_sub_forward.cpp)."""

from __future__ import annotations

import time

import pytest

import purezmq as zmq
from tests.conftest import TRANSPORTS

from .helpers import assert_nothing, endpoint, sock

SUB_A, UNSUB_A, SUB_B = b"\x01A", b"\x00A", b"\x01B"


def _xpub_and_subs(ctx, bind_endpoint, transport, n=1, **xpub_opts):
    xpub = sock(ctx, zmq.XPUB, **xpub_opts)
    xpub.bind(bind_endpoint(transport))
    subs = [sock(ctx, zmq.SUB) for _ in range(n)]
    for s in subs:
        s.connect(endpoint(xpub))
    return xpub, subs


_markers = iter(range(10**9))


def _marker(xpub, sub):
    """Subscribe `sub` to a fresh topic and expect XPUB to report it next:
    whatever `sub` sent before (over the same connection) has been seen.
    Returns the topic."""
    topic = b"marker%d" % next(_markers)
    sub.subscribe(topic)
    assert xpub.recv() == b"\x01" + topic
    return topic


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_xpub_receives_subscribe_and_unsubscribe(ctx, bind_endpoint, transport):
    xpub, (sub,) = _xpub_and_subs(ctx, bind_endpoint, transport)
    sub.subscribe(b"A")
    assert xpub.recv_multipart() == [SUB_A]
    sub.subscribe(b"")
    assert xpub.recv_multipart() == [b"\x01"]
    sub.unsubscribe(b"A")
    assert xpub.recv_multipart() == [UNSUB_A]
    sub.unsubscribe(b"")
    assert xpub.recv_multipart() == [b"\x00"]


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_xpub_one_sub_duplicates_filtered_unless_verbose(ctx, bind_endpoint, transport):
    xpub, (sub,) = _xpub_and_subs(ctx, bind_endpoint, transport)
    sub.subscribe(b"A")
    assert xpub.recv() == SUB_A
    sub.subscribe(b"B")
    assert xpub.recv() == SUB_B
    sub.subscribe(b"A")  # duplicate: filtered
    _marker(xpub, sub)
    xpub.xpub_verbose = 1
    sub.subscribe(b"A")  # duplicate, but now reported
    assert xpub.recv() == SUB_A
    xpub.send(b"A")
    xpub.send(b"B")
    assert sub.recv() == b"A"
    assert sub.recv() == b"B"


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_xpub_two_subs_duplicates_filtered_unless_verbose(ctx, bind_endpoint, transport):
    xpub, (sub0, sub1) = _xpub_and_subs(ctx, bind_endpoint, transport, 2)
    sub0.subscribe(b"A")
    assert xpub.recv() == SUB_A
    sub1.subscribe(b"A")  # someone already wants A: not reported
    _marker(xpub, sub1)
    sub0.subscribe(b"B")
    assert xpub.recv() == SUB_B
    xpub.xpub_verbose = 1
    sub1.subscribe(b"A")
    assert xpub.recv() == SUB_A
    xpub.send(b"A")
    xpub.send(b"B")
    assert sub0.recv() == b"A"
    assert sub1.recv() == b"A"
    assert sub0.recv() == b"B"
    assert_nothing(sub1, 20)


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_xpub_unsubscribe_only_when_last_goes(ctx, bind_endpoint, transport):
    """Without XPUB_VERBOSER only the last unsubscription is reported, even
    with XPUB_VERBOSE."""
    xpub, (sub0, sub1) = _xpub_and_subs(ctx, bind_endpoint, transport, 2, xpub_verbose=1)
    sub0.subscribe(b"A")
    assert xpub.recv() == SUB_A
    sub1.subscribe(b"A")
    assert xpub.recv() == SUB_A  # VERBOSE: every subscribe
    sub0.unsubscribe(b"A")  # sub1 still wants it: not reported
    _marker(xpub, sub0)
    sub1.unsubscribe(b"A")
    assert xpub.recv() == UNSUB_A


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_xpub_verboser_one_sub(ctx, bind_endpoint, transport):
    xpub, (sub,) = _xpub_and_subs(ctx, bind_endpoint, transport)
    sub.unsubscribe(b"A")  # never subscribed: the SUB itself filters it
    _marker(xpub, sub)
    sub.subscribe(b"A")
    assert xpub.recv() == SUB_A
    sub.subscribe(b"A")  # duplicate: XPUB filters it
    _marker(xpub, sub)
    sub.unsubscribe(b"A")  # the SUB counts: 2 subscribed, 1 cancelled
    _marker(xpub, sub)
    sub.unsubscribe(b"A")
    assert xpub.recv() == UNSUB_A
    sub.unsubscribe(b"A")  # gone already: filtered by the SUB
    _marker(xpub, sub)
    xpub.xpub_verboser = 1
    sub.subscribe(b"A")
    assert xpub.recv() == SUB_A
    xpub.send(b"A")
    assert sub.recv() == b"A"
    sub.unsubscribe(b"A")
    assert xpub.recv() == UNSUB_A
    sub.unsubscribe(b"A")  # filtered by the SUB even with VERBOSER
    _marker(xpub, sub)


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_xpub_verboser_two_subs(ctx, bind_endpoint, transport):
    xpub, (sub0, sub1) = _xpub_and_subs(ctx, bind_endpoint, transport, 2)
    sub0.subscribe(b"A")
    assert xpub.recv() == SUB_A
    sub1.subscribe(b"A")
    _marker(xpub, sub1)
    sub0.unsubscribe(b"A")
    _marker(xpub, sub0)
    sub1.unsubscribe(b"A")
    assert xpub.recv() == UNSUB_A
    xpub.xpub_verboser = 1
    sub0.subscribe(b"A")
    assert xpub.recv() == SUB_A
    sub1.subscribe(b"A")
    assert xpub.recv() == SUB_A  # VERBOSER implies VERBOSE
    xpub.send(b"A")
    assert sub0.recv() == b"A"
    assert sub1.recv() == b"A"
    sub1.unsubscribe(b"A")
    assert xpub.recv() == UNSUB_A  # every unsubscribe
    sub0.unsubscribe(b"A")
    assert xpub.recv() == UNSUB_A
    sub1.unsubscribe(b"A")  # unmatched: the SUB filters it
    _marker(xpub, sub1)


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_xpub_reports_unsubscriptions_of_departed_subscriber(ctx, bind_endpoint, transport):
    xpub, (sub, stay) = _xpub_and_subs(ctx, bind_endpoint, transport, 2)
    stay.subscribe(b"shared")
    assert xpub.recv() == b"\x01shared"
    for t in (b"t1", b"t2", b"shared"):
        sub.subscribe(t)
    assert xpub.recv() == b"\x01t1"
    assert xpub.recv() == b"\x01t2"
    marker = _marker(xpub, sub)  # \x01shared was a duplicate
    sub.close()
    got = set()
    while len(got) < 3:
        assert xpub.poll(2000), got
        got.add(xpub.recv())
    # "shared" is still wanted by `stay`: not cancelled.  (libzmq reports
    # them in its trie's order, t1 before t2; only the set is checked.)
    assert got == {b"\x00t1", b"\x00t2", b"\x00" + marker}
    assert_nothing(xpub, 100)


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_xsub_sends_subscriptions_as_messages(ctx, bind_endpoint, transport):
    xpub = sock(ctx, zmq.XPUB)
    xpub.bind(bind_endpoint(transport))
    xsub = sock(ctx, zmq.XSUB)
    xsub.connect(endpoint(xpub))
    xsub.send(b"\x01topic")
    assert xpub.recv_multipart() == [b"\x01topic"]
    xpub.send(b"topic: hello")
    xpub.send(b"other")
    assert xsub.recv() == b"topic: hello"
    xsub.send(b"\x00topic")
    assert xpub.recv_multipart() == [b"\x00topic"]
    xsub.send(b"\x00never")  # not subscribed: XSUB does not forward it
    xsub.send(b"\x01x")
    assert xpub.recv() == b"\x01x"


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_xsub_forwards_other_messages_upstream(ctx, bind_endpoint, transport):
    xpub = sock(ctx, zmq.XPUB)
    xpub.bind(bind_endpoint(transport))
    xsub = sock(ctx, zmq.XSUB)
    xsub.connect(endpoint(xpub))
    xsub.send(b"hello upstream")
    xsub.send(b"\x02neither")
    xsub.send(b"")
    assert xpub.recv_multipart() == [b"hello upstream"]
    assert xpub.recv_multipart() == [b"\x02neither"]
    assert xpub.recv_multipart() == [b""]


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_xsub_subscription_with_trailing_frames(ctx, bind_endpoint, transport):
    """libzmq: the subscription frame is reported on its own (no MORE flag),
    the frames after it come up as a separate user message."""
    xpub = sock(ctx, zmq.XPUB)
    xpub.bind(bind_endpoint(transport))
    xsub = sock(ctx, zmq.XSUB)
    xsub.connect(endpoint(xpub))
    xsub.send_multipart([b"\x01ab", b"more"])
    assert xpub.recv_multipart() == [b"\x01ab"]
    assert xpub.recv_multipart() == [b"more"]


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_xpub_xsub_forwarder(ctx, bind_endpoint, transport):
    """A hand-driven XSUB/XPUB forwarder between a PUB and a SUB
    (test_sub_forward.cpp): subscriptions flow up, messages flow down."""
    pub = sock(ctx, zmq.PUB)
    pub.bind(bind_endpoint(transport))
    xsub = sock(ctx, zmq.XSUB)
    xsub.connect(endpoint(pub))
    xpub = sock(ctx, zmq.XPUB)
    xpub.bind(bind_endpoint(transport))
    sub = sock(ctx, zmq.SUB)
    sub.connect(endpoint(xpub))
    sub.subscribe(b"")
    subscription = xpub.recv_multipart()
    assert subscription == [b"\x01"]
    xsub.send_multipart(subscription)
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline:
        pub.send(b"foobar")
        if xsub.poll(20):
            break
    msg = xsub.recv_multipart()
    assert msg == [b"foobar"]
    xpub.send_multipart(msg)
    assert sub.recv() == b"foobar"


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_xpub_filters_by_prefix(ctx, bind_endpoint, transport):
    xpub, (a, b) = _xpub_and_subs(ctx, bind_endpoint, transport, 2)
    a.subscribe(b"A")
    b.subscribe(b"B")
    assert sorted([xpub.recv(), xpub.recv()]) == [SUB_A, SUB_B]
    for m in (b"A1", b"B1", b"C1", b"AB"):
        xpub.send(m)
    assert [a.recv(), a.recv()] == [b"A1", b"AB"]
    assert b.recv() == b"B1"
    assert_nothing(a, 20)
    assert_nothing(b, 20)
