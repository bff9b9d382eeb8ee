"""Subscriptions crossing the wire between purezmq and libzmq, both ways.

libzmq SUB/XSUB -> purezmq PUB/XPUB: notifications, unsubscribe, duplicate
counting, and prefix filtering on the publisher's side (seen through an
XSUB, which does not filter on receipt).  purezmq SUB/XSUB -> libzmq
PUB/XPUB: the same from the other end.
"""

from __future__ import annotations

import pytest

import purezmq as pz
from interop_util import (
    assert_silent, endpoint, make, probe_until_received, recv_kicking, recv_or_none,
)

BINDERS = ["pub-binds", "sub-binds"]
TRANSPORTS = ["tcp", "ipc"]


def connect(pub, sub, binder: str, addr: str) -> None:
    first, second = (pub, sub) if binder == "pub-binds" else (sub, pub)
    first.bind(addr)
    second.connect(endpoint(first))


# -- libzmq subscriber -> purezmq publisher ------------------------------------

@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize("binder", BINDERS)
def test_libzmq_sub_to_purezmq_xpub_notifications(ctx, zctx, bind_endpoint, binder, transport):
    xpub = make(ctx, "XPUB")
    sub = make(zctx, "SUB")
    connect(xpub, sub, binder, bind_endpoint(transport))
    sub.subscribe(b"a")
    assert recv_kicking(xpub, sub) == b"\x01a"
    xpub.send(b"b-filtered")
    xpub.send(b"a-delivered")
    assert sub.recv() == b"a-delivered"

    sub.unsubscribe(b"a")
    assert xpub.recv() == b"\x00a"
    sub.subscribe(b"z")
    assert xpub.recv() == b"\x01z"
    xpub.send(b"a-after-unsubscribe")
    xpub.send(b"z-marker")
    assert sub.recv() == b"z-marker"


@pytest.mark.parametrize("binder", BINDERS)
def test_libzmq_sub_to_purezmq_pub(ctx, zctx, bind_endpoint, binder):
    pub = make(ctx, "PUB")
    sub = make(zctx, "SUB")
    connect(pub, sub, binder, bind_endpoint("tcp"))
    sub.subscribe(b"a")
    probe_until_received(pub, sub, prefix=b"a-probe")
    for topic in (b"b1", b"c1", b"a1", b"b2", b"a2"):
        pub.send(topic)
    assert sub.recv() == b"a1"
    assert sub.recv() == b"a2"
    assert_silent(sub, 100)


@pytest.mark.parametrize("pub_type", ["PUB", "XPUB"])
@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize("binder", BINDERS)
def test_purezmq_publisher_filters_for_libzmq_xsub(ctx, zctx, bind_endpoint, binder, transport,
                                                    pub_type):
    """An XSUB passes everything it gets, so whatever the purezmq publisher
    fails to filter shows up here."""
    pub = make(ctx, pub_type)
    xsub = make(zctx, "XSUB")
    connect(pub, xsub, binder, bind_endpoint(transport))
    xsub.send(b"\x01a")
    if pub_type == "XPUB":
        assert recv_kicking(pub, xsub) == b"\x01a"
    else:
        probe_until_received(pub, xsub, prefix=b"a-probe")
    for msg in (b"b1", b"", b"c1", b"A1", b"a1", b"b2", b"ab"):
        pub.send(msg)
    assert xsub.recv() == b"a1", "a message without the subscribed prefix reached the XSUB"
    assert xsub.recv() == b"ab"

    # Cancel 'a', subscribe 'c': afterwards only 'c...' may pass.
    xsub.send(b"\x00a")
    xsub.send(b"\x01c")
    if pub_type == "XPUB":
        assert pub.recv() == b"\x00a"
        assert pub.recv() == b"\x01c"
    else:
        probe_until_received(pub, xsub, prefix=b"c-probe")
    pub.send(b"a-after-cancel")
    pub.send(b"c-after")
    assert xsub.recv() == b"c-after", "a cancelled topic still reached the XSUB"
    assert_silent(xsub, 100)


def test_purezmq_pub_multipart_filtered_on_first_frame(ctx, zctx, bind_endpoint):
    pub = make(ctx, "PUB")
    xsub = make(zctx, "XSUB")
    connect(pub, xsub, "pub-binds", bind_endpoint("tcp"))
    xsub.send(b"\x01top")
    probe_until_received(pub, xsub, prefix=b"top-probe")
    pub.send_multipart([b"other", b"top"])
    pub.send_multipart([b"topic", b"", b"body"])
    assert xsub.recv_multipart() == [b"topic", b"", b"body"]


def test_purezmq_xpub_duplicate_subscriptions_from_two_libzmq_subs(ctx, zctx, bind_endpoint):
    xpub = make(ctx, "XPUB")
    xpub.bind(bind_endpoint("tcp"))
    s1 = make(zctx, "SUB")
    s2 = make(zctx, "SUB")
    for s in (s1, s2):
        s.connect(endpoint(xpub))
    s1.subscribe(b"t")
    assert xpub.recv() == b"\x01t"
    s2.subscribe(b"t")          # a duplicate: not reported (XPUB not verbose)
    s2.subscribe(b"m2")
    assert xpub.recv() == b"\x01m2"
    s1.unsubscribe(b"t")        # s2 still wants it: not reported
    s1.subscribe(b"m1")
    assert xpub.recv() == b"\x01m1"
    xpub.send(b"t-still")
    assert s2.recv() == b"t-still"
    assert_silent(s1, 100)
    s2.unsubscribe(b"t")        # the last one: reported
    assert xpub.recv() == b"\x00t"


def test_purezmq_xpub_verbose_reports_duplicates(ctx, zctx, bind_endpoint):
    xpub = make(ctx, "XPUB")
    xpub.setsockopt(pz.XPUB_VERBOSE, 1)
    xpub.bind(bind_endpoint("tcp"))
    s1 = make(zctx, "SUB")
    s2 = make(zctx, "SUB")
    for s in (s1, s2):
        s.connect(endpoint(xpub))
    s1.subscribe(b"t")
    assert xpub.recv() == b"\x01t"
    s2.subscribe(b"t")
    assert xpub.recv() == b"\x01t"


def test_purezmq_xpub_subscriber_disconnect_cancels(ctx, zctx, bind_endpoint):
    xpub = make(ctx, "XPUB")
    xpub.bind(bind_endpoint("tcp"))
    sub = make(zctx, "SUB")
    sub.connect(endpoint(xpub))
    sub.subscribe(b"gone")
    assert xpub.recv() == b"\x01gone"
    sub.close()
    assert xpub.recv() == b"\x00gone"


@pytest.mark.parametrize("topic", [b"", b"\x00\x01\xff", b"L" * 300], ids=["empty", "binary", "long"])
def test_libzmq_sub_topic_bytes_reach_purezmq_xpub(ctx, zctx, bind_endpoint, topic):
    xpub = make(ctx, "XPUB")
    xpub.bind(bind_endpoint("tcp"))
    sub = make(zctx, "SUB")
    sub.connect(endpoint(xpub))
    sub.subscribe(topic)
    assert xpub.recv() == b"\x01" + topic
    xpub.send(topic + b"payload")
    assert sub.recv() == topic + b"payload"


# -- purezmq subscriber -> libzmq publisher ------------------------------------

@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize("binder", BINDERS)
def test_purezmq_sub_to_libzmq_xpub(ctx, zctx, bind_endpoint, binder, transport):
    xpub = make(zctx, "XPUB")
    sub = make(ctx, "SUB")
    connect(xpub, sub, binder, bind_endpoint(transport))
    sub.subscribe(b"a")
    assert recv_kicking(xpub, sub) == b"\x01a"
    xpub.send(b"b-filtered")
    xpub.send(b"a-delivered")
    assert sub.recv() == b"a-delivered"
    sub.unsubscribe(b"a")
    assert xpub.recv() == b"\x00a"
    sub.subscribe(b"z")
    assert xpub.recv() == b"\x01z"
    xpub.send(b"a-after-unsubscribe")
    xpub.send(b"z-marker")
    assert sub.recv() == b"z-marker"


@pytest.mark.parametrize("binder", BINDERS)
def test_purezmq_sub_subscribed_before_connect(ctx, zctx, bind_endpoint, binder):
    """Subscriptions made before any peer exists are sent when one arrives."""
    xpub = make(zctx, "XPUB")
    sub = make(ctx, "SUB")
    sub.subscribe(b"early")
    sub.subscribe(b"also")
    connect(xpub, sub, binder, bind_endpoint("tcp"))
    got = {recv_kicking(xpub, sub), recv_kicking(xpub, sub)}
    assert got == {b"\x01early", b"\x01also"}
    xpub.send(b"early-bird")
    assert sub.recv() == b"early-bird"


@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize("binder", BINDERS)
def test_purezmq_xsub_to_libzmq_xpub_filters_upstream(ctx, zctx, bind_endpoint, binder, transport):
    xpub = make(zctx, "XPUB")
    xsub = make(ctx, "XSUB")
    connect(xpub, xsub, binder, bind_endpoint(transport))
    xsub.send(b"\x01a")
    assert recv_kicking(xpub, xsub) == b"\x01a"
    for msg in (b"b1", b"", b"a1"):
        xpub.send(msg)
    assert xsub.recv() == b"a1"
    xsub.send(b"\x00a")
    assert xpub.recv() == b"\x00a"
    xsub.send(b"\x01c")
    assert xpub.recv() == b"\x01c"
    xpub.send(b"a2")
    xpub.send(b"c2")
    assert xsub.recv() == b"c2"


def test_purezmq_sub_long_topic_to_libzmq_xpub(ctx, zctx, bind_endpoint):
    xpub = make(zctx, "XPUB")
    xpub.bind(bind_endpoint("tcp"))
    sub = make(ctx, "SUB")
    sub.connect(endpoint(xpub))
    topic = bytes(range(256)) + b"tail"
    sub.subscribe(topic)
    assert recv_kicking(xpub, sub) == b"\x01" + topic
    xpub.send(topic + b"!")
    assert sub.recv() == topic + b"!"


def test_purezmq_sub_to_libzmq_pub_filters(ctx, zctx, bind_endpoint):
    pub = make(zctx, "PUB")
    pub.bind(bind_endpoint("tcp"))
    sub = make(ctx, "SUB")
    sub.connect(endpoint(pub))
    sub.subscribe(b"x")
    probe_until_received(pub, sub, prefix=b"x-probe")
    for msg in (b"y1", b"x1", b"", b"x2"):
        pub.send(msg)
    assert sub.recv() == b"x1"
    assert sub.recv() == b"x2"
    assert recv_or_none(sub, 100) is None


def test_purezmq_xsub_upstream_data_to_libzmq_xpub(ctx, zctx, bind_endpoint):
    """Non-subscription messages an XSUB sends go upstream to the XPUB."""
    xpub = make(zctx, "XPUB")
    xpub.bind(bind_endpoint("tcp"))
    xsub = make(ctx, "XSUB")
    xsub.connect(endpoint(xpub))
    xsub.send(b"\x01")
    assert recv_kicking(xpub, xsub) == b"\x01"
    xsub.send_multipart([b"up", b"stream"])
    assert xpub.recv_multipart() == [b"up", b"stream"]
