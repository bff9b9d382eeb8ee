"""PAIR: one peer, both directions (after libzmq's test_pair_inproc.cpp,
test_pair_tcp.cpp, test_pair_ipc.cpp)."""

from __future__ import annotations

import time

import pytest

import purezmq as zmq
from tests.conftest import TRANSPORTS

from .helpers import SETTLE, assert_nothing, endpoint, sock, wait_until


def _bounce(a, b, parts=(b"ABC", b"", b"DEF")):
    a.send_multipart(list(parts))
    assert b.recv_multipart() == list(parts)
    b.send_multipart(list(parts))
    assert a.recv_multipart() == list(parts)


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_pair_bounce(ctx, bind_endpoint, transport):
    a = sock(ctx, zmq.PAIR)
    a.bind(bind_endpoint(transport))
    b = sock(ctx, zmq.PAIR)
    b.connect(endpoint(a))
    for _ in range(3):
        _bounce(a, b)


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_pair_accepts_only_one_peer(ctx, bind_endpoint, transport):
    a = sock(ctx, zmq.PAIR)
    a.bind(bind_endpoint(transport))
    b = sock(ctx, zmq.PAIR)
    b.connect(endpoint(a))
    _bounce(a, b)
    intruder = sock(ctx, zmq.PAIR)
    intruder.connect(endpoint(a))
    time.sleep(SETTLE)
    try:
        intruder.send(b"let me in", zmq.DONTWAIT)
    except zmq.Again:
        pass
    for i in range(3):
        a.send(b"%d" % i)
    assert [b.recv() for _ in range(3)] == [b"0", b"1", b"2"]
    assert_nothing(intruder, 100)
    b.send(b"still you")
    assert a.recv() == b"still you"
    assert_nothing(a, 50)


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_pair_bound_without_peer_blocks(ctx, bind_endpoint, transport):
    a = sock(ctx, zmq.PAIR, timeout=200)
    a.bind(bind_endpoint(transport))
    assert not a.getsockopt(zmq.EVENTS) & zmq.POLLOUT
    with pytest.raises(zmq.Again):
        a.send(b"x", zmq.DONTWAIT)
    t0 = time.monotonic()
    with pytest.raises(zmq.Again):
        a.send(b"x")
    assert 0.15 <= time.monotonic() - t0 < 2.0
    with pytest.raises(zmq.Again):
        a.recv()


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_pair_new_peer_after_first_leaves(ctx, bind_endpoint, transport):
    a = sock(ctx, zmq.PAIR)
    a.bind(bind_endpoint(transport))
    b = sock(ctx, zmq.PAIR)
    b.connect(endpoint(a))
    _bounce(a, b)
    b.close()
    # Once the old peer is gone, the PAIR has nowhere to send (EVENTS also
    # lets it process the pipe termination, as any call into it would).
    assert wait_until(lambda: not a.getsockopt(zmq.EVENTS) & zmq.POLLOUT)
    c = sock(ctx, zmq.PAIR)
    c.connect(endpoint(a))
    _bounce(c, a)
