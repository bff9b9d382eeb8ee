"""Socket options: timeouts, LAST_ENDPOINT, EVENTS, RCVMORE, TYPE, defaults,
attribute-style access."""

from __future__ import annotations

import time

import pytest

import purezmq as zmq
from tests.conftest import TRANSPORTS

from .helpers import SOCKET_NAMES, endpoint, sock, wait_until


# -- RCVTIMEO / SNDTIMEO ---------------------------------------------------------

@pytest.mark.parametrize("socket_type", ["PULL", "SUB", "DEALER", "ROUTER", "PAIR", "REP", "XSUB"])
def test_rcvtimeo(ctx, socket_type):
    s = ctx.socket(SOCKET_NAMES[socket_type])
    s.linger = 0
    assert s.rcvtimeo == -1
    s.rcvtimeo = 100
    assert s.getsockopt(zmq.RCVTIMEO) == 100
    t0 = time.monotonic()
    with pytest.raises(zmq.Again):
        s.recv()
    assert 0.08 <= time.monotonic() - t0 < 1.5
    s.rcvtimeo = 0
    t0 = time.monotonic()
    with pytest.raises(zmq.Again):
        s.recv()
    assert time.monotonic() - t0 < 0.1


@pytest.mark.parametrize("socket_type", ["PUSH", "DEALER", "PAIR", "REQ"])
def test_sndtimeo(ctx, socket_type):
    s = ctx.socket(SOCKET_NAMES[socket_type])
    s.linger = 0
    assert s.sndtimeo == -1
    s.sndtimeo = 100
    t0 = time.monotonic()
    with pytest.raises(zmq.Again):
        s.send(b"nobody there")
    assert 0.08 <= time.monotonic() - t0 < 1.5
    s.sndtimeo = 0
    with pytest.raises(zmq.Again):
        s.send(b"nobody there")


def test_rcvtimeo_recv_multipart_and_poll(ctx, bind_endpoint):
    a = sock(ctx, zmq.PAIR, timeout=100)
    a.bind(bind_endpoint("inproc"))
    with pytest.raises(zmq.Again):
        a.recv_multipart()
    t0 = time.monotonic()
    assert a.poll(100) == 0
    assert 0.08 <= time.monotonic() - t0 < 1.5


def test_recv_wakes_before_timeout(ctx, bind_endpoint):
    import threading

    a = sock(ctx, zmq.PAIR, timeout=3000)
    a.bind(bind_endpoint("inproc"))
    b = sock(ctx, zmq.PAIR)
    b.connect(endpoint(a))
    threading.Timer(0.1, lambda: b.send(b"wake")).start()
    t0 = time.monotonic()
    assert a.recv() == b"wake"
    assert time.monotonic() - t0 < 2.0


# -- LAST_ENDPOINT -----------------------------------------------------------------

def test_last_endpoint(ctx, bind_endpoint, ipc_dir):
    s = sock(ctx, zmq.PULL)
    assert s.last_endpoint == b""
    s.bind("tcp://127.0.0.1:*")
    ep = s.last_endpoint
    assert isinstance(ep, bytes) and ep.startswith(b"tcp://127.0.0.1:")
    assert 0 < int(ep.rsplit(b":", 1)[1]) < 65536
    s.bind("tcp://*:*")
    assert s.last_endpoint.startswith(b"tcp://0.0.0.0:")
    assert s.last_endpoint != b"tcp://0.0.0.0:0"
    path = f"ipc://{ipc_dir}/le"
    s.bind(path)
    assert s.last_endpoint == path.encode()
    name = bind_endpoint("inproc")
    s.bind(name)
    assert s.last_endpoint == name.encode()
    assert s.getsockopt(zmq.LAST_ENDPOINT) == name.encode()
    s.connect("tcp://127.0.0.1:1")  # connect() sets it too
    assert s.last_endpoint == b"tcp://127.0.0.1:1"


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_last_endpoint_is_connectable(ctx, bind_endpoint, transport):
    a = sock(ctx, zmq.PAIR)
    a.bind(bind_endpoint(transport))
    b = sock(ctx, zmq.PAIR)
    b.connect(a.last_endpoint)  # bytes are accepted too
    b.send(b"hi")
    assert a.recv() == b"hi"


# -- EVENTS ----------------------------------------------------------------------

EVENTS_WITHOUT_PEERS = {
    "PAIR": 0, "PUB": zmq.POLLOUT, "SUB": 0, "REQ": 0, "REP": 0, "DEALER": 0,
    "ROUTER": zmq.POLLOUT, "PULL": 0, "PUSH": 0, "XPUB": zmq.POLLOUT, "XSUB": zmq.POLLOUT,
}


@pytest.mark.parametrize("socket_type", sorted(EVENTS_WITHOUT_PEERS))
def test_events_without_peers(ctx, socket_type):
    s = sock(ctx, SOCKET_NAMES[socket_type])
    assert s.getsockopt(zmq.EVENTS) == EVENTS_WITHOUT_PEERS[socket_type]
    assert s.events == EVENTS_WITHOUT_PEERS[socket_type]


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_events_pollin_pollout(ctx, bind_endpoint, transport):
    a = sock(ctx, zmq.PAIR)
    a.bind(bind_endpoint(transport))
    b = sock(ctx, zmq.PAIR)
    b.connect(endpoint(a))
    assert b.getsockopt(zmq.EVENTS) == zmq.POLLOUT  # the connecter has a pipe at once
    b.send_multipart([b"1", b"2"])
    assert wait_until(lambda: a.getsockopt(zmq.EVENTS) == zmq.POLLIN | zmq.POLLOUT)
    assert a.recv() == b"1"
    assert a.getsockopt(zmq.EVENTS) & zmq.POLLIN  # rest of the message
    assert a.recv() == b"2"
    assert a.getsockopt(zmq.EVENTS) == zmq.POLLOUT


def test_events_req_rep_alternation(ctx, bind_endpoint):
    rep = sock(ctx, zmq.REP)
    rep.bind(bind_endpoint("inproc"))
    req = sock(ctx, zmq.REQ)
    req.connect(endpoint(rep))
    assert req.getsockopt(zmq.EVENTS) == zmq.POLLOUT
    assert rep.getsockopt(zmq.EVENTS) == 0
    req.send(b"q")
    assert req.getsockopt(zmq.EVENTS) == 0  # neither: waiting for the reply
    assert wait_until(lambda: rep.getsockopt(zmq.EVENTS) == zmq.POLLIN)
    rep.recv()
    assert rep.getsockopt(zmq.EVENTS) == zmq.POLLOUT
    rep.send(b"a")
    assert rep.getsockopt(zmq.EVENTS) == 0
    assert wait_until(lambda: req.getsockopt(zmq.EVENTS) == zmq.POLLIN)
    req.recv()
    assert req.getsockopt(zmq.EVENTS) == zmq.POLLOUT


def test_poller_reports_events(ctx, bind_endpoint):
    a = sock(ctx, zmq.PAIR)
    a.bind(bind_endpoint("inproc"))
    b = sock(ctx, zmq.PAIR)
    b.connect(endpoint(a))
    poller = zmq.Poller()
    poller.register(a, zmq.POLLIN)
    poller.register(b, zmq.POLLIN | zmq.POLLOUT)
    assert dict(poller.poll(100)) == {b: zmq.POLLOUT}
    b.send(b"x")
    assert dict(poller.poll(1000)) == {a: zmq.POLLIN, b: zmq.POLLOUT}
    a.recv()
    poller.unregister(b)
    assert poller.poll(50) == []


# -- RCVMORE -----------------------------------------------------------------------

def test_rcvmore(ctx, bind_endpoint):
    a = sock(ctx, zmq.PULL)
    a.bind(bind_endpoint("inproc"))
    b = sock(ctx, zmq.PUSH)
    b.connect(endpoint(a))
    assert a.rcvmore == 0
    b.send_multipart([b"1", b"", b"3"])
    b.send(b"single")
    assert a.recv() == b"1"
    assert a.getsockopt(zmq.RCVMORE) == 1
    assert a.recv() == b""
    assert a.rcvmore == 1
    assert a.recv() == b"3"
    assert a.rcvmore == 0
    assert a.recv() == b"single"
    assert a.rcvmore == 0


def test_sndmore_builds_one_message(ctx, bind_endpoint):
    a = sock(ctx, zmq.PULL)
    a.bind(bind_endpoint("inproc"))
    b = sock(ctx, zmq.PUSH)
    b.connect(endpoint(a))
    b.send(b"a", zmq.SNDMORE)
    b.send(b"b", zmq.SNDMORE)
    b.send(b"c")
    assert a.recv_multipart() == [b"a", b"b", b"c"]


# -- TYPE and defaults -------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(SOCKET_NAMES))
def test_type_and_defaults(ctx, name):
    s = ctx.socket(SOCKET_NAMES[name])
    try:
        assert s.getsockopt(zmq.TYPE) == SOCKET_NAMES[name]
        assert s.type == SOCKET_NAMES[name]
        assert s.socket_type == SOCKET_NAMES[name]
        assert s.sndhwm == 1000 and s.rcvhwm == 1000
        assert s.rcvtimeo == -1 and s.sndtimeo == -1
        assert s.immediate == 0
        assert s.reconnect_ivl == 100
        assert s.rcvmore == 0
        # libzmq: SUB and XSUB do not linger on their subscriptions
        assert s.linger == (0 if name in ("SUB", "XSUB") else -1)
    finally:
        s.close(linger=0)


# -- attribute-style options ---------------------------------------------------------

def test_attribute_style_options(ctx):
    s = ctx.socket(zmq.DEALER)
    s.linger = 0
    assert s.getsockopt(zmq.LINGER) == 0
    s.setsockopt(zmq.LINGER, 250)
    assert s.linger == 250
    s.sndhwm = 7
    s.rcvhwm = 9
    assert (s.getsockopt(zmq.SNDHWM), s.getsockopt(zmq.RCVHWM)) == (7, 9)
    s.hwm = 5  # both at once
    assert (s.sndhwm, s.rcvhwm) == (5, 5)
    s.routing_id = b"me"
    assert s.getsockopt(zmq.ROUTING_ID) == b"me"
    s.SNDTIMEO = 123  # upper case works too
    assert s.sndtimeo == 123
    s.set(zmq.RCVTIMEO, 321)
    assert s.get(zmq.RCVTIMEO) == 321
    s.setsockopt_string(zmq.ROUTING_ID, "text")
    assert s.getsockopt_string(zmq.ROUTING_ID) == "text"
    s.close(linger=0)


def test_unknown_attribute(ctx):
    s = sock(ctx, zmq.PAIR)
    with pytest.raises(AttributeError):
        s.no_such_option
    with pytest.raises(AttributeError):  # pyzmq: "Socket has no such option"
        s.no_such_option = 1


def test_invalid_option_values(ctx):
    s = sock(ctx, zmq.DEALER)
    for opt, value in [(zmq.SNDHWM, -1), (zmq.LINGER, -2), (zmq.RCVTIMEO, -5),
                       (zmq.ROUTING_ID, b""), (zmq.ROUTING_ID, b"x" * 256)]:
        with pytest.raises(zmq.ZMQError) as e:
            s.setsockopt(opt, value)
        assert e.value.errno == zmq.EINVAL, opt
    s.setsockopt(zmq.ROUTING_ID, b"x" * 255)
    assert s.routing_id == b"x" * 255
    assert s.linger == 0  # untouched by the failed attempt


def test_unknown_option_number(ctx):
    s = sock(ctx, zmq.PUSH)
    for call in (lambda: s.setsockopt(9999, 1), lambda: s.getsockopt(9999)):
        with pytest.raises(zmq.ZMQError) as e:
            call()
        assert e.value.errno == zmq.EINVAL


def test_write_only_option_cannot_be_read(ctx):
    s = sock(ctx, zmq.SUB)
    with pytest.raises(zmq.ZMQError) as e:
        s.getsockopt(zmq.SUBSCRIBE)
    assert e.value.errno == zmq.EINVAL


# -- blocking calls return as soon as they can ------------------------------------

PROMPT_PAIRS = [("REP", "REQ"), ("ROUTER", "DEALER"), ("PAIR", "PAIR"), ("PULL", "PUSH")]


@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize("types", PROMPT_PAIRS, ids=["-".join(t) for t in PROMPT_PAIRS])
def test_blocking_recv_returns_promptly(ctx, bind_endpoint, transport, types):
    """A blocking recv() wakes up when the message arrives, not when its
    RCVTIMEO expires (a recv that only finds the message at the deadline
    would hang forever with the default RCVTIMEO of -1)."""
    server = sock(ctx, SOCKET_NAMES[types[0]], timeout=1500)
    server.bind(bind_endpoint(transport))
    client = sock(ctx, SOCKET_NAMES[types[1]], timeout=1500)
    client.connect(endpoint(server))

    def timed_recv(s):
        t0 = time.monotonic()
        msg = s.recv_multipart()
        elapsed = time.monotonic() - t0
        assert elapsed < 1.0, f"recv() returned after {elapsed:.2f} s (RCVTIMEO 1.5 s)"
        return msg

    for i in range(5):
        client.send(b"q%d" % i)
        request = timed_recv(server)
        if types[0] == "PULL":
            assert request == [b"q%d" % i]
            continue
        server.send_multipart(request)
        assert timed_recv(client)[-1] == b"q%d" % i
