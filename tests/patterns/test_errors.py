"""Errors with libzmq's errno values: closed sockets, wrong options, bad
endpoints, addresses in use, unknown endpoints, mismatched socket types."""

from __future__ import annotations

import errno
import time

import pytest

import purezmq as zmq
from tests.conftest import TRANSPORTS

from .helpers import SETTLE, SOCKET_NAMES, assert_nothing, bind_retrying, endpoint, sock


def _errno_of(call):
    with pytest.raises(zmq.ZMQError) as e:
        call()
    return e.value.errno


# -- closed sockets ----------------------------------------------------------------

def test_close_is_idempotent(ctx):
    s = ctx.socket(zmq.PAIR)
    assert not s.closed
    s.close()
    assert s.closed
    s.close()
    s.close(linger=0)
    assert s.closed


def test_operations_on_closed_socket_raise_enotsock(ctx, bind_endpoint):
    s = ctx.socket(zmq.PAIR)
    s.close()
    ops = {
        "send": lambda: s.send(b"x"),
        "send DONTWAIT": lambda: s.send(b"x", zmq.DONTWAIT),
        "send_multipart": lambda: s.send_multipart([b"a", b"b"]),
        "recv": lambda: s.recv(),
        "recv_multipart": lambda: s.recv_multipart(),
        "bind": lambda: s.bind(bind_endpoint("inproc")),
        "connect": lambda: s.connect(bind_endpoint("inproc")),
        "unbind": lambda: s.unbind("inproc://x"),
        "disconnect": lambda: s.disconnect("inproc://x"),
        "setsockopt": lambda: s.setsockopt(zmq.LINGER, 0),
        "getsockopt": lambda: s.getsockopt(zmq.TYPE),
        "attribute": lambda: s.last_endpoint,
    }
    for name, op in ops.items():
        assert _errno_of(op) == zmq.ENOTSOCK, name


def test_poll_on_closed_socket(ctx):
    """pyzmq: Socket.poll() on a closed socket raises ENOTSUP."""
    s = ctx.socket(zmq.PAIR)
    s.close()
    assert _errno_of(lambda: s.poll(0)) == zmq.ENOTSUP


def test_context_manager_closes_socket(ctx):
    with ctx.socket(zmq.PAIR) as s:
        s.linger = 0
        assert not s.closed
    assert s.closed


# -- options on the wrong socket type ---------------------------------------------------

WRONG_OPTIONS = [
    ("PUSH", "SUBSCRIBE", b""), ("PUB", "SUBSCRIBE", b"a"), ("XSUB", "SUBSCRIBE", b"a"),
    ("XPUB", "SUBSCRIBE", b"a"), ("DEALER", "UNSUBSCRIBE", b"a"),
    ("DEALER", "ROUTER_MANDATORY", 1), ("REQ", "ROUTER_MANDATORY", 1),
    ("PUSH", "ROUTER_MANDATORY", 1), ("REP", "REQ_RELAXED", 1),
    ("SUB", "XPUB_VERBOSE", 1), ("PUSH", "XPUB_VERBOSER", 1), ("PULL", "XPUB_NODROP", 1),
]


@pytest.mark.parametrize("socket_type,option,value", WRONG_OPTIONS,
                         ids=[f"{t}-{o}" for t, o, _ in WRONG_OPTIONS])
def test_option_on_wrong_socket_type(ctx, socket_type, option, value):
    s = sock(ctx, SOCKET_NAMES[socket_type])
    assert _errno_of(lambda: s.setsockopt(getattr(zmq, option), value)) == zmq.EINVAL


def test_invalid_socket_type(ctx):
    assert _errno_of(lambda: ctx.socket(999)) == zmq.EINVAL


# -- endpoints ------------------------------------------------------------------------

BAD_ENDPOINTS = [
    ("tcp://127.0.0.1", zmq.EINVAL),  # no port
    ("tcp://", zmq.EINVAL),
    ("tcp://127.0.0.1:abc", zmq.EINVAL),
    ("127.0.0.1:5555", zmq.EINVAL),  # no transport
    ("inproc://", zmq.EINVAL),
    ("ipc://", zmq.EINVAL),
    ("foo://bar", zmq.EPROTONOSUPPORT),
    ("udpx://127.0.0.1:5555", zmq.EPROTONOSUPPORT),
    ("pgm://eth0;239.1.1.1:5555", zmq.EPROTONOSUPPORT),  # not built in
]


@pytest.mark.parametrize("addr,err", BAD_ENDPOINTS, ids=[a for a, _ in BAD_ENDPOINTS])
def test_bad_endpoint(ctx, addr, err):
    s = sock(ctx, zmq.PAIR)
    assert _errno_of(lambda: s.bind(addr)) == err
    assert _errno_of(lambda: s.connect(addr)) == err


def test_connect_to_wildcard_is_invalid(ctx):
    s = sock(ctx, zmq.PAIR)
    assert _errno_of(lambda: s.connect("tcp://*:*")) == zmq.EINVAL
    assert _errno_of(lambda: s.connect("tcp://127.0.0.1:*")) == zmq.EINVAL


def test_bind_to_unknown_interface(ctx):
    s = sock(ctx, zmq.PAIR)
    assert _errno_of(lambda: s.bind("tcp://256.0.0.1:5555")) == errno.ENODEV
    assert _errno_of(lambda: s.bind("tcp://no-such-interface.invalid:5555")) == errno.ENODEV


def test_connect_resolves_later(ctx):
    """connect() does not resolve or reach the peer synchronously."""
    s = sock(ctx, zmq.PUSH)
    s.connect("tcp://no-such-host.invalid:5555")
    s.connect("tcp://127.0.0.1:1")


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_unbind_and_disconnect_unknown_endpoint(ctx, bind_endpoint, transport):
    s = sock(ctx, zmq.PAIR)
    ep = bind_endpoint(transport)
    if transport == "tcp":
        ep = "tcp://127.0.0.1:5555"
    assert _errno_of(lambda: s.unbind(ep)) == errno.ENOENT
    assert _errno_of(lambda: s.disconnect(ep)) == errno.ENOENT
    s.bind(bind_endpoint(transport))
    s.unbind(endpoint(s))
    assert _errno_of(lambda: s.unbind(endpoint(s))) == errno.ENOENT  # already gone
    s.connect(ep)
    s.disconnect(ep)
    assert _errno_of(lambda: s.disconnect(ep)) == errno.ENOENT


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_unbind_and_disconnect_are_interchangeable(ctx, bind_endpoint, transport):
    """libzmq implements both zmq_unbind and zmq_disconnect as
    term_endpoint: disconnect() of a bound endpoint unbinds it, unbind() of
    a connected endpoint disconnects it."""
    s = sock(ctx, zmq.PAIR)
    s.bind(bind_endpoint(transport))
    ep = endpoint(s)
    s.disconnect(ep)
    assert _errno_of(lambda: s.unbind(ep)) == errno.ENOENT
    other = sock(ctx, zmq.PAIR)
    bind_retrying(other, ep)  # the address is free again
    c = sock(ctx, zmq.PAIR)
    c.connect(ep)
    c.unbind(ep)
    assert _errno_of(lambda: c.disconnect(ep)) == errno.ENOENT


def test_unbind_wildcard_endpoint_is_unknown(ctx):
    """Unbind takes the resolved endpoint (LAST_ENDPOINT), not the wildcard."""
    s = sock(ctx, zmq.PAIR)
    s.bind("tcp://127.0.0.1:*")
    assert _errno_of(lambda: s.unbind("tcp://127.0.0.1:*")) == errno.ENOENT
    s.unbind(endpoint(s))


def test_unbind_disconnect_unknown_transport(ctx):
    s = sock(ctx, zmq.PAIR)
    assert _errno_of(lambda: s.unbind("foo://bar")) == zmq.EPROTONOSUPPORT
    assert _errno_of(lambda: s.disconnect("foo://bar")) == zmq.EPROTONOSUPPORT


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_unbind_then_rebind(ctx, bind_endpoint, transport):
    a = sock(ctx, zmq.PULL)
    a.bind(bind_endpoint(transport))
    ep = endpoint(a)
    a.unbind(ep)
    b = sock(ctx, zmq.PULL)
    bind_retrying(b, ep)  # free again (the listener closes asynchronously)
    c = sock(ctx, zmq.PUSH)
    c.connect(ep)
    c.send(b"to b")
    assert b.recv() == b"to b"


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_disconnect_stops_delivery(ctx, bind_endpoint, transport):
    a, b = sock(ctx, zmq.PULL), sock(ctx, zmq.PULL)
    a.bind(bind_endpoint(transport))
    b.bind(bind_endpoint(transport))
    push = sock(ctx, zmq.PUSH)
    push.connect(endpoint(a))
    push.connect(endpoint(b))
    push.send(b"1")
    push.send(b"2")
    assert a.recv() == b"1" and b.recv() == b"2"
    push.disconnect(endpoint(a))
    time.sleep(SETTLE)
    for i in range(4):
        push.send(b"%d" % i)
    assert [b.recv() for _ in range(4)] == [b"0", b"1", b"2", b"3"]
    assert_nothing(a, 50)


# -- addresses in use ---------------------------------------------------------------------

def test_address_in_use_tcp(ctx):
    a, b = sock(ctx, zmq.PULL), sock(ctx, zmq.PULL)
    a.bind("tcp://127.0.0.1:*")
    assert _errno_of(lambda: b.bind(endpoint(a))) == zmq.EADDRINUSE
    assert _errno_of(lambda: a.bind(endpoint(a))) == zmq.EADDRINUSE


def test_address_in_use_inproc(ctx, bind_endpoint):
    a, b = sock(ctx, zmq.PULL), sock(ctx, zmq.PULL)
    ep = bind_endpoint("inproc")
    a.bind(ep)
    assert _errno_of(lambda: b.bind(ep)) == zmq.EADDRINUSE
    assert _errno_of(lambda: a.bind(ep)) == zmq.EADDRINUSE


def test_inproc_names_are_per_context(ctx, bind_endpoint):
    ep = bind_endpoint("inproc")
    other = zmq.Context()
    try:
        a = sock(ctx, zmq.PULL)
        a.bind(ep)
        b = other.socket(zmq.PULL)
        b.linger = 0
        b.bind(ep)  # another context: no clash
        b.close()
    finally:
        other.term()


def test_ipc_rebind_takes_over_path(ctx, bind_endpoint):
    """libzmq removes a stale ipc file before binding: a second bind to the
    same path succeeds (and the newest listener gets new connections)."""
    ep = bind_endpoint("ipc")
    a, b = sock(ctx, zmq.PULL), sock(ctx, zmq.PULL)
    a.bind(ep)
    b.bind(ep)
    push = sock(ctx, zmq.PUSH)
    push.connect(ep)
    push.send(b"who")
    assert b.recv() == b"who"
    assert_nothing(a, 50)


# -- mismatched socket types ------------------------------------------------------------

MISMATCHED = [("PUB", "PULL"), ("PUSH", "SUB"), ("PUSH", "PUSH"), ("REQ", "REQ"),
              ("PAIR", "DEALER"), ("ROUTER", "PUB")]


MISMATCHED_CASES = [(t, "tcp") for t in MISMATCHED] + [(("PUB", "PULL"), "ipc"), (("PAIR", "DEALER"), "ipc")]


@pytest.mark.parametrize("types,transport", MISMATCHED_CASES,
                         ids=["-".join(t) + "-" + tr for t, tr in MISMATCHED_CASES])
def test_invalid_socket_pair_never_talks(ctx, bind_endpoint, transport, types):
    """The ZMTP handshake rejects the peer: no message ever crosses, in
    either direction, whichever side sends."""
    a = sock(ctx, SOCKET_NAMES[types[0]], timeout=100)
    a.bind(bind_endpoint(transport))
    b = sock(ctx, SOCKET_NAMES[types[1]], timeout=100)
    if types[1] == "SUB":
        b.subscribe(b"")
    b.connect(endpoint(a))
    time.sleep(SETTLE)
    for s in (a, b):
        try:
            if s.socket_type == zmq.ROUTER:
                s.send_multipart([b"anyone", b"hello"], zmq.DONTWAIT)
            else:
                s.send(b"hello", zmq.DONTWAIT)
        except zmq.ZMQError:
            pass
    for s in (a, b):
        if s.socket_type not in (zmq.PUB, zmq.PUSH):
            assert_nothing(s, 100)


# -- error classes -----------------------------------------------------------------------

def test_error_classes():
    assert issubclass(zmq.Again, zmq.ZMQError)
    assert zmq.Again().errno == errno.EAGAIN
    assert issubclass(zmq.ContextTerminated, zmq.ZMQError)
    assert zmq.ContextTerminated().errno == zmq.ETERM
    assert zmq.strerror(zmq.EFSM) == "Operation cannot be accomplished in current state"
    assert zmq.strerror(zmq.ETERM) == "Context was terminated"
    assert zmq.ZMQError(zmq.EFSM).errno == zmq.EFSM
