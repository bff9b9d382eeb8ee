"""ROUTER: routing by identity, prepended identities, generated identities,
fair-queuing, ROUTER_MANDATORY (after libzmq's test_spec_router.cpp,
test_router_mandatory.cpp and test_router_mandatory_hwm.cpp)."""

from __future__ import annotations

import time

import pytest

import purezmq as zmq
from tests.conftest import TRANSPORTS

from .helpers import SETTLE, assert_nothing, endpoint, router_send_when_routable, sock, wait_until

SERVICES = 5


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_router_fair_queue_in(ctx, bind_endpoint, transport):
    router = sock(ctx, zmq.ROUTER)
    router.bind(bind_endpoint(transport))
    dealers = []
    for k in range(SERVICES):
        d = sock(ctx, zmq.DEALER, routing_id=bytes([ord("A") + k]))
        d.connect(endpoint(router))
        dealers.append(d)
    dealers[0].send(b"M")
    assert router.recv_multipart() == [b"A", b"M"]
    dealers[0].send(b"M")
    assert router.recv_multipart() == [b"A", b"M"]
    time.sleep(SETTLE)
    for d in dealers:
        d.send(b"M")
    time.sleep(SETTLE)
    got = []
    for _ in dealers:
        ident, body = router.recv_multipart()
        assert body == b"M"
        got.append(ident)
    assert sorted(got) == [bytes([ord("A") + k]) for k in range(SERVICES)]


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_router_routes_by_peer_chosen_identity(ctx, bind_endpoint, transport):
    router = sock(ctx, zmq.ROUTER, router_mandatory=1)
    router.bind(bind_endpoint(transport))
    names = [b"alpha", b"beta", b"gamma\xff\x01"]
    dealers = {}
    for name in names:
        d = sock(ctx, zmq.DEALER, routing_id=name)
        d.connect(endpoint(router))
        dealers[name] = d
    for name in reversed(names):
        router_send_when_routable(router, [name, b"for " + name, b"part 2"])
    for name, d in dealers.items():
        assert d.recv_multipart() == [b"for " + name, b"part 2"]
        assert_nothing(d, 20)
    # and the identity is prepended on receive
    for name, d in dealers.items():
        d.send_multipart([b"from", name])
        assert router.recv_multipart() == [name, b"from", name]


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_router_generates_five_byte_identities(ctx, bind_endpoint, transport):
    router = sock(ctx, zmq.ROUTER)
    router.bind(bind_endpoint(transport))
    dealers = [sock(ctx, zmq.DEALER) for _ in range(3)]
    for k, d in enumerate(dealers):
        d.connect(endpoint(router))
        d.send(b"%d" % k)
    ids = {}
    for _ in dealers:
        ident, body = router.recv_multipart()
        assert len(ident) == 5 and ident[0] == 0
        ids[body] = ident
    assert len(set(ids.values())) == 3
    for body, ident in ids.items():
        router.send_multipart([ident, b"re " + body])
    for k, d in enumerate(dealers):
        assert d.recv() == b"re %d" % k


def test_router_rcvmore_after_identity(ctx, bind_endpoint):
    router = sock(ctx, zmq.ROUTER)
    router.bind(bind_endpoint("inproc"))
    d = sock(ctx, zmq.DEALER, routing_id=b"D")
    d.connect(endpoint(router))
    d.send(b"only")
    assert router.recv() == b"D"
    assert router.rcvmore == 1
    assert router.getsockopt(zmq.RCVMORE) == 1
    assert router.recv() == b"only"
    assert router.rcvmore == 0


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_router_unknown_identity_is_dropped_silently(ctx, bind_endpoint, transport):
    router = sock(ctx, zmq.ROUTER)
    router.bind(bind_endpoint(transport))
    d = sock(ctx, zmq.DEALER, routing_id=b"known")
    d.connect(endpoint(router))
    d.send(b"hello")
    assert router.recv_multipart() == [b"known", b"hello"]
    router.send_multipart([b"UNKNOWN", b"DATA"])  # no error, no delivery
    router.send(b"UNKNOWN", zmq.SNDMORE | zmq.DONTWAIT)
    router.send(b"DATA", zmq.DONTWAIT)
    router.send_multipart([b"known", b"real"])
    assert d.recv_multipart() == [b"real"]
    assert_nothing(d, 50)


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_router_mandatory_unknown_identity(ctx, bind_endpoint, transport):
    router = sock(ctx, zmq.ROUTER)
    router.bind(bind_endpoint(transport))
    router.router_mandatory = 1
    for flags in (zmq.SNDMORE, zmq.SNDMORE | zmq.DONTWAIT):
        with pytest.raises(zmq.ZMQError) as e:
            router.send(b"UNKNOWN", flags)
        assert e.value.errno == zmq.EHOSTUNREACH
    with pytest.raises(zmq.ZMQError) as e:
        router.send_multipart([b"UNKNOWN", b"DATA"])
    assert e.value.errno == zmq.EHOSTUNREACH
    d = sock(ctx, zmq.DEALER, routing_id=b"X")
    d.connect(endpoint(router))
    d.send(b"Hello")
    assert router.recv_multipart() == [b"X", b"Hello"]
    router.send_multipart([b"X", b"Hello"])
    assert d.recv() == b"Hello"
    # The failed attempts left nothing half-sent behind.
    assert_nothing(d, 50)


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_router_mandatory_peer_gone(ctx, bind_endpoint, transport):
    router = sock(ctx, zmq.ROUTER, router_mandatory=1)
    router.bind(bind_endpoint(transport))
    d = sock(ctx, zmq.DEALER, routing_id=b"B")
    d.connect(endpoint(router))
    d.send(b"hi")
    assert router.recv_multipart() == [b"B", b"hi"]
    d.close()

    def unreachable():
        try:
            router.send(b"B", zmq.SNDMORE | zmq.DONTWAIT)
        except zmq.ZMQError as e:
            assert e.errno == zmq.EHOSTUNREACH
            return True
        router.send(b"lost", zmq.DONTWAIT)
        return False

    assert wait_until(unreachable, 3.0)


def test_router_mandatory_hwm_inproc(ctx, bind_endpoint):
    """At the peer's high-water mark a mandatory ROUTER says EAGAIN (and a
    blocking send waits SNDTIMEO) instead of dropping."""
    router = sock(ctx, zmq.ROUTER, timeout=200, router_mandatory=1, sndhwm=3)
    router.bind(bind_endpoint("inproc"))
    d = sock(ctx, zmq.DEALER, routing_id=b"X", rcvhwm=2)
    d.connect(endpoint(router))
    d.send(b"Hello")
    assert router.recv_multipart() == [b"X", b"Hello"]
    sent = 0
    while sent < 100:
        try:
            router.send(b"X", zmq.SNDMORE | zmq.DONTWAIT)
        except zmq.Again:
            break
        router.send(b"%d" % sent, zmq.DONTWAIT)
        sent += 1
    assert sent == 5  # SNDHWM + peer's RCVHWM over inproc
    assert not router.getsockopt(zmq.EVENTS) & zmq.POLLOUT
    t0 = time.monotonic()
    with pytest.raises(zmq.Again):
        router.send(b"X", zmq.SNDMORE)
    assert 0.15 <= time.monotonic() - t0 < 2.0
    assert [d.recv() for _ in range(5)] == [b"%d" % i for i in range(5)]
    assert_nothing(d, 20)


@pytest.mark.parametrize("transport", ["tcp", "ipc"])
def test_router_mandatory_hwm_over_the_wire(ctx, bind_endpoint, transport):
    """As test_router_mandatory_hwm.cpp: with 64 KiB messages and HWMs of 1,
    EAGAIN comes after a handful of messages (kernel buffers aside)."""
    router = sock(ctx, zmq.ROUTER, router_mandatory=1, sndhwm=1)
    router.bind(bind_endpoint(transport))
    d = sock(ctx, zmq.DEALER, routing_id=b"X", rcvhwm=1)
    d.connect(endpoint(router))
    d.send(b"Hello")
    assert router.recv_multipart() == [b"X", b"Hello"]
    buf = bytes(65536)
    sent = 0
    while sent < 2000:
        try:
            router.send(b"X", zmq.SNDMORE | zmq.DONTWAIT)
        except zmq.Again:
            break
        router.send(buf, zmq.DONTWAIT)
        sent += 1
    assert sent < 2000, "never reached the high-water mark"
    # The peer can still read all of them.
    for _ in range(sent):
        assert d.recv() == buf


def test_router_drops_at_hwm_without_mandatory(ctx, bind_endpoint):
    router = sock(ctx, zmq.ROUTER, sndhwm=3)
    router.bind(bind_endpoint("inproc"))
    d = sock(ctx, zmq.DEALER, routing_id=b"X", rcvhwm=2)
    d.connect(endpoint(router))
    d.send(b"Hello")
    assert router.recv_multipart() == [b"X", b"Hello"]
    for i in range(50):  # never blocks, never fails
        router.send_multipart([b"X", b"%d" % i], zmq.DONTWAIT)
    assert router.getsockopt(zmq.EVENTS) & zmq.POLLOUT
    assert [d.recv() for _ in range(5)] == [b"%d" % i for i in range(5)]
    assert_nothing(d, 20)


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_router_router_with_identities(ctx, bind_endpoint, transport):
    a = sock(ctx, zmq.ROUTER, routing_id=b"server", router_mandatory=1)
    a.bind(bind_endpoint(transport))
    b = sock(ctx, zmq.ROUTER, routing_id=b"client", router_mandatory=1)
    b.connect(endpoint(a))
    router_send_when_routable(b, [b"server", b"ping"])
    assert a.recv_multipart() == [b"client", b"ping"]
    a.send_multipart([b"client", b"pong"])
    assert b.recv_multipart() == [b"server", b"pong"]


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_router_mandatory_events_without_peers(ctx, bind_endpoint, transport):
    router = sock(ctx, zmq.ROUTER)
    assert router.getsockopt(zmq.EVENTS) & zmq.POLLOUT  # always writable
    router.router_mandatory = 1
    router.bind(bind_endpoint(transport))
    assert not router.getsockopt(zmq.EVENTS) & zmq.POLLOUT  # nowhere to write


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_router_ignores_duplicate_identity(ctx, bind_endpoint, transport):
    """Without ROUTER_HANDOVER a second peer claiming a taken identity is
    ignored: the first keeps getting the messages, the second is not heard."""
    router = sock(ctx, zmq.ROUTER)
    router.bind(bind_endpoint(transport))
    first = sock(ctx, zmq.DEALER, routing_id=b"X")
    first.connect(endpoint(router))
    first.send(b"from first")
    assert router.recv_multipart() == [b"X", b"from first"]
    second = sock(ctx, zmq.DEALER, routing_id=b"X")
    second.connect(endpoint(router))
    second.send(b"from second")
    time.sleep(2 * SETTLE)
    assert_nothing(router, 100)
    router.send_multipart([b"X", b"to X"])
    assert first.recv() == b"to X"
    assert_nothing(second, 50)


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_router_handover(ctx, bind_endpoint, transport):
    """With ROUTER_HANDOVER the newcomer takes the identity over."""
    router = sock(ctx, zmq.ROUTER, router_handover=1)
    router.bind(bind_endpoint(transport))
    first = sock(ctx, zmq.DEALER, routing_id=b"X")
    first.connect(endpoint(router))
    first.send(b"from first")
    assert router.recv_multipart() == [b"X", b"from first"]
    second = sock(ctx, zmq.DEALER, routing_id=b"X")
    second.connect(endpoint(router))
    second.send(b"from second")
    assert router.recv_multipart() == [b"X", b"from second"]
    router.send_multipart([b"X", b"to X"])
    assert second.recv() == b"to X"
    assert_nothing(first, 50)
