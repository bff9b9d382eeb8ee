"""PUB/SUB: fan-out to every matching subscriber, prefix filtering on the
first frame, several and duplicate subscriptions, unsubscribe."""

from __future__ import annotations

import time

import pytest

import purezmq as zmq
from tests.conftest import TRANSPORTS

from .helpers import SETTLE, assert_nothing, endpoint, recv_nowait_all, sock, sync_pub_sub


def _pub_with_subs(ctx, bind_endpoint, transport, topics_per_sub, sync_topic=b"\xffsync"):
    """A bound PUB and connected SUBs, every subscription in place."""
    pub = sock(ctx, zmq.PUB)
    pub.bind(bind_endpoint(transport))
    subs = []
    for topics in topics_per_sub:
        s = sock(ctx, zmq.SUB)
        s.connect(endpoint(pub))
        for t in topics:
            s.subscribe(t)
        s.subscribe(sync_topic)
        subs.append(s)
    for s in subs:
        sync_pub_sub(pub, s, probe=sync_topic)
    for s in subs:  # probes for the others arrived meanwhile
        recv_nowait_all(s)
    for s in subs:
        s.unsubscribe(sync_topic)
    return pub, subs


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_pub_fans_out_to_all_subscribers(ctx, bind_endpoint, transport):
    pub, subs = _pub_with_subs(ctx, bind_endpoint, transport, [[b""]] * 4)
    for i in range(10):
        pub.send_multipart([b"msg %d" % i, b"part"])
    for s in subs:
        assert [s.recv_multipart() for _ in range(10)] == [
            [b"msg %d" % i, b"part"] for i in range(10)]
        assert_nothing(s, 10)


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_pub_prefix_filtering(ctx, bind_endpoint, transport):
    pub, (a, ab, b, none) = _pub_with_subs(
        ctx, bind_endpoint, transport, [[b"A"], [b"AB"], [b"B"], []])
    for topic in (b"ABC", b"AXX", b"BCD", b"CDE", b"A", b"", b"ab"):
        pub.send(topic)
    pub.send_multipart([b"B", b"ABC"])  # only the first frame is matched
    assert [a.recv() for _ in range(3)] == [b"ABC", b"AXX", b"A"]
    assert ab.recv() == b"ABC"
    assert b.recv() == b"BCD"
    assert b.recv_multipart() == [b"B", b"ABC"]
    for s in (a, ab, b, none):
        assert_nothing(s, 20)


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_sub_multiple_subscriptions(ctx, bind_endpoint, transport):
    pub, (s,) = _pub_with_subs(ctx, bind_endpoint, transport, [[b"A", b"B", b"AB"]])
    for topic in (b"A1", b"B1", b"C1", b"AB1"):
        pub.send(topic)
    # AB1 matches two subscriptions but is delivered once.
    assert [s.recv() for _ in range(3)] == [b"A1", b"B1", b"AB1"]
    assert_nothing(s, 20)


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_sub_duplicate_subscription_is_counted(ctx, bind_endpoint, transport):
    pub, (s,) = _pub_with_subs(ctx, bind_endpoint, transport, [[b"A", b"A"]])
    s.unsubscribe(b"A")  # one of two: still subscribed
    time.sleep(SETTLE)
    pub.send(b"A1")
    assert s.recv() == b"A1"
    s.unsubscribe(b"A")  # the last one
    s.subscribe(b"Z")
    sync_pub_sub(pub, s, probe=b"Z")
    pub.send(b"A2")
    pub.send(b"Z2")
    assert s.recv() == b"Z2"
    assert_nothing(s, 20)


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_sub_unsubscribe(ctx, bind_endpoint, transport):
    pub, (s, other) = _pub_with_subs(ctx, bind_endpoint, transport, [[b"A", b"B"], [b"A"]])
    pub.send(b"A0")
    assert s.recv() == b"A0"
    assert other.recv() == b"A0"
    s.unsubscribe(b"A")
    s.unsubscribe(b"never subscribed")  # harmless
    # Whether or not the PUB has processed the cancel yet, the SUB does not
    # deliver what it no longer wants.
    pub.send(b"A1")
    pub.send(b"B1")
    assert s.recv() == b"B1"
    assert other.recv() == b"A1"
    assert_nothing(s, 20)
    assert_nothing(other, 20)


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_unsubscribe_reaches_publisher(ctx, bind_endpoint, transport):
    """Filtering happens at the publisher: an XSUB (which does not filter
    by itself) only gets what it subscribed to, and nothing after the
    cancel has been processed."""
    pub = sock(ctx, zmq.PUB)
    pub.bind(bind_endpoint(transport))
    xsub = sock(ctx, zmq.XSUB)
    xsub.connect(endpoint(pub))
    xsub.send(b"\x01A")
    sync_pub_sub(pub, xsub, probe=b"A")
    pub.send(b"B0")
    pub.send(b"A0")
    assert xsub.recv() == b"A0"
    xsub.send(b"\x00A")
    xsub.send(b"\x01Z")
    sync_pub_sub(pub, xsub, probe=b"Z")  # the cancel went before the Z
    pub.send(b"A1")
    pub.send(b"Z1")
    assert xsub.recv() == b"Z1"
    assert_nothing(xsub, 20)


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_sub_without_subscription_gets_nothing(ctx, bind_endpoint, transport):
    pub = sock(ctx, zmq.PUB)
    pub.bind(bind_endpoint(transport))
    sub = sock(ctx, zmq.SUB)
    sub.connect(endpoint(pub))
    time.sleep(SETTLE)
    for _ in range(5):
        pub.send(b"anything")
    assert_nothing(sub, 100)


def test_pub_without_subscribers_never_blocks(ctx, bind_endpoint):
    pub = sock(ctx, zmq.PUB, timeout=100)
    for _ in range(3000):  # more than the default HWM
        pub.send(b"into the void", zmq.DONTWAIT)
    pub.bind(bind_endpoint("tcp"))
    for _ in range(100):
        pub.send(b"into the void")
    assert pub.getsockopt(zmq.EVENTS) & zmq.POLLOUT


def test_pub_cannot_recv_sub_cannot_send(ctx):
    pub, sub = sock(ctx, zmq.PUB), sock(ctx, zmq.SUB)
    for call in (lambda: pub.recv(zmq.DONTWAIT), lambda: sub.send(b"x", zmq.DONTWAIT)):
        with pytest.raises(zmq.ZMQError) as e:
            call()
        assert e.value.errno == zmq.ENOTSUP


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_sub_bound_with_several_publishers(ctx, bind_endpoint, transport):
    """A bound SUB gets every connecting PUB's messages (reverse PUB/SUB)."""
    sub = sock(ctx, zmq.SUB)
    sub.bind(bind_endpoint(transport))
    sub.subscribe(b"t")
    pubs = [sock(ctx, zmq.PUB) for _ in range(3)]
    for p in pubs:
        p.connect(endpoint(sub))
    for k, p in enumerate(pubs):
        sync_pub_sub(p, sub, probe=b"t")
    for k, p in enumerate(pubs):
        p.send(b"t%d" % k)
        p.send(b"x%d" % k)
    got = sorted(sub.recv() for _ in pubs)
    assert got == [b"t0", b"t1", b"t2"]
    assert_nothing(sub, 20)


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_subscription_resent_to_late_publisher(ctx, bind_endpoint, transport):
    """Subscriptions made before the connection are sent when it comes up."""
    sub = sock(ctx, zmq.SUB)
    sub.subscribe(b"early")
    pub = sock(ctx, zmq.PUB)
    pub.bind(bind_endpoint(transport))
    sub.connect(endpoint(pub))
    sync_pub_sub(pub, sub, probe=b"early")
    pub.send(b"late")
    pub.send(b"early bird")
    assert sub.recv() == b"early bird"
