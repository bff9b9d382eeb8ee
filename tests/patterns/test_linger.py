"""LINGER: what happens to messages still queued when a socket is closed
(after libzmq's test_linger / test_hwm connect_and_close_first)."""

from __future__ import annotations

import threading
import time

import pytest

import purezmq as zmq

from .helpers import assert_nothing, free_endpoint, run_with_timeout, sock

N = 5


def _queue_to_absent_peer(ctx, ep, linger):
    push = ctx.socket(zmq.PUSH)
    if linger is not None:
        push.linger = linger
    assert push.linger == (-1 if linger is None else linger)
    push.sndtimeo = 1000
    push.connect(ep)
    for i in range(N):
        push.send_multipart([b"%d" % i, b"payload"])
    push.close()


def _term_in_background(c):
    done = threading.Event()

    def run():
        c.term()
        done.set()

    threading.Thread(target=run, daemon=True).start()
    return done


def _cleanup(c):
    run_with_timeout(lambda: c.destroy(linger=0), 5)


@pytest.mark.parametrize("linger", [None, -1, 5000],
                         ids=["linger-default", "linger-infinite", "linger-5s"])
@pytest.mark.parametrize("transport", ["tcp", "ipc"])
def test_linger_delivers_to_late_peer(ctx, bind_endpoint, transport, linger):
    """Messages queued to a peer that binds only after the sender was closed
    are delivered while lingering; term() waits for them.  (inproc: see
    test_hwm.test_inproc_connect_and_close_first.)"""
    ep = free_endpoint(bind_endpoint, transport)
    sender_ctx = zmq.Context()
    try:
        _queue_to_absent_peer(sender_ctx, ep, linger)
        termed = _term_in_background(sender_ctx)
        time.sleep(0.2)
        assert not termed.is_set(), "term() did not wait for the lingering messages"
        pull = sock(ctx, zmq.PULL)
        pull.bind(ep)
        for i in range(N):
            assert pull.recv_multipart() == [b"%d" % i, b"payload"]
        assert termed.wait(5), "term() still blocked after delivery"
    finally:
        _cleanup(sender_ctx)


@pytest.mark.parametrize("transport", ["tcp", "ipc"])
def test_linger_zero_drops(ctx, bind_endpoint, transport):
    ep = free_endpoint(bind_endpoint, transport)
    sender_ctx = zmq.Context()
    try:
        _queue_to_absent_peer(sender_ctx, ep, 0)
        termed = _term_in_background(sender_ctx)
        assert termed.wait(2), "term() waited despite LINGER 0"
        pull = sock(ctx, zmq.PULL)
        pull.bind(ep)
        assert_nothing(pull, 300)
    finally:
        _cleanup(sender_ctx)


@pytest.mark.parametrize("transport", ["tcp", "ipc"])
def test_linger_positive_expires(ctx, bind_endpoint, transport):
    """With a peer that never comes, term() returns after LINGER ms."""
    ep = free_endpoint(bind_endpoint, transport)
    sender_ctx = zmq.Context()
    try:
        _queue_to_absent_peer(sender_ctx, ep, 200)
        t0 = time.monotonic()
        termed = _term_in_background(sender_ctx)
        assert termed.wait(5), "term() did not give up after LINGER"
        assert time.monotonic() - t0 >= 0.15
        pull = sock(ctx, zmq.PULL)
        pull.bind(ep)
        assert_nothing(pull, 200)  # dropped when the linger expired
    finally:
        _cleanup(sender_ctx)


@pytest.mark.parametrize("transport", ["tcp", "ipc", "inproc"])
def test_close_with_linger_argument(ctx, bind_endpoint, transport):
    """close(linger=...) overrides the option; messages already handed to a
    connected peer are delivered even when the sender closes at once."""
    pull = sock(ctx, zmq.PULL)
    pull.bind(bind_endpoint(transport))
    push = ctx.socket(zmq.PUSH)
    push.linger = 0
    push.connect(pull.last_endpoint.decode())
    push.send(b"warm-up")
    assert pull.recv() == b"warm-up"
    for i in range(N):
        push.send(b"%d" % i)
    push.close(linger=-1)
    assert [pull.recv() for _ in range(N)] == [b"%d" % i for i in range(N)]
