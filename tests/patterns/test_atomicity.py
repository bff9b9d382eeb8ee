"""Multipart atomicity: a message is delivered whole or not at all, however
its frames were sent (after test_spec_pushpull's multipart atomic drop)."""

from __future__ import annotations

import time

import pytest

import purezmq as zmq
from tests.conftest import TRANSPORTS

from .helpers import SETTLE, assert_nothing, endpoint, sock


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_frames_sent_one_by_one_arrive_together(ctx, bind_endpoint, transport):
    pull = sock(ctx, zmq.PULL)
    pull.bind(bind_endpoint(transport))
    push = sock(ctx, zmq.PUSH)
    push.connect(endpoint(pull))
    push.send(b"warm-up")
    assert pull.recv() == b"warm-up"
    frames = [b"one", b"", b"three", b"x" * 100000]
    for f in frames[:-1]:
        push.send(f, zmq.SNDMORE)
        time.sleep(0.05)
        # nothing is readable before the last frame is sent
        assert not pull.poll(0)
        with pytest.raises(zmq.Again):
            pull.recv(zmq.DONTWAIT)
    push.send(frames[-1])
    assert pull.recv_multipart() == frames


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_sender_closed_mid_message_delivers_nothing(ctx, bind_endpoint, transport):
    pull = sock(ctx, zmq.PULL)
    pull.bind(bind_endpoint(transport))
    push = sock(ctx, zmq.PUSH)
    push.connect(endpoint(pull))
    push.send_multipart([b"whole", b"message"])
    push.send(b"half", zmq.SNDMORE)
    push.send(b"of a message", zmq.SNDMORE)
    time.sleep(SETTLE)
    push.close(linger=-1)  # even lingering: the unfinished message is dropped
    assert pull.recv_multipart() == [b"whole", b"message"]
    assert_nothing(pull, 300)
    # and the receiver is not confused for the next peer
    other = sock(ctx, zmq.PUSH)
    other.connect(endpoint(pull))
    other.send_multipart([b"next", b"peer"])
    assert pull.recv_multipart() == [b"next", b"peer"]


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_interleaved_frame_by_frame_senders(ctx, bind_endpoint, transport):
    """Two peers sending frame by frame, interleaved: the fair-queuing
    receiver never mixes their frames."""
    receiver = sock(ctx, zmq.DEALER)
    receiver.bind(bind_endpoint(transport))
    a, b = sock(ctx, zmq.DEALER), sock(ctx, zmq.DEALER)
    a.connect(endpoint(receiver))
    b.connect(endpoint(receiver))
    for _ in range(3):
        for i in range(3):
            flags = zmq.SNDMORE if i < 2 else 0
            a.send(b"a%d" % i, flags)
            b.send(b"b%d" % i, flags)
            time.sleep(0.01)
    got = sorted(tuple(receiver.recv_multipart()) for _ in range(6))
    assert got == [(b"a0", b"a1", b"a2")] * 3 + [(b"b0", b"b1", b"b2")] * 3


def test_hwm_counts_messages_not_frames(ctx, bind_endpoint):
    """Once its first frame is accepted, a message is never cut at the HWM."""
    ep = bind_endpoint("inproc")
    pull = sock(ctx, zmq.PULL, rcvhwm=1)
    pull.bind(ep)
    push = sock(ctx, zmq.PUSH, sndhwm=1)
    push.connect(ep)
    push.send(b"first")
    parts = [b"%d" % i for i in range(50)]
    push.send_multipart(parts, zmq.DONTWAIT)  # fills the pipe, not cut
    with pytest.raises(zmq.Again):
        push.send(b"third", zmq.DONTWAIT)
    assert pull.recv() == b"first"
    assert pull.recv_multipart() == parts


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_pub_multipart_all_or_nothing_under_drops(ctx, bind_endpoint, transport):
    """A PUB dropping at the HWM drops whole messages only."""
    pub = sock(ctx, zmq.PUB, sndhwm=2)
    pub.bind(bind_endpoint(transport))
    sub = sock(ctx, zmq.SUB, rcvhwm=2)
    sub.subscribe(b"")
    sub.connect(endpoint(pub))
    deadline = time.monotonic() + 3
    while not sub.poll(20):
        assert time.monotonic() < deadline
        pub.send(b"probe")
    while sub.poll(50):
        sub.recv_multipart()
    for i in range(300):
        pub.send_multipart([b"%d" % i, b"a" * 1000, b"b", b"end"])
    time.sleep(SETTLE)
    n = 0
    while sub.poll(100):
        msg = sub.recv_multipart()
        assert len(msg) == 4 and msg[1:] == [b"a" * 1000, b"b", b"end"]
        n += 1
    assert 0 < n <= 300


@pytest.mark.parametrize("block", [True, False], ids=["blocking", "dontwait"])
@pytest.mark.parametrize("transport", TRANSPORTS)
def test_push_multipart_atomic_drop(ctx, bind_endpoint, transport, block):
    """test_spec_pushpull's push_multipart_atomic_drop (with 1 MiB frames):
    the PULL disconnects while a multipart message is on its way and
    reconnects; what it gets afterwards is whole messages only."""
    size = 1024 * 1024
    push = sock(ctx, zmq.PUSH, sndhwm=1)
    push.bind(bind_endpoint(transport))
    ep = endpoint(push)
    pull = sock(ctx, zmq.PULL, rcvhwm=1)
    pull.connect(ep)
    time.sleep(SETTLE)

    push.send_multipart([b"0", b"0", b"a" * size])
    assert pull.recv_multipart() == [b"0", b"0", b"a" * size]

    push.send(b"1")
    push.send_multipart([b"2", b"2", b"b" * size])
    pull.disconnect(ep)
    time.sleep(SETTLE)
    pull.connect(ep)

    push.send(b"3", zmq.SNDMORE)
    push.send(b"3", zmq.SNDMORE)
    if block:
        push.send(b"c" * size, zmq.SNDMORE)
    else:
        try:
            push.send(b"c" * size, zmq.SNDMORE | zmq.DONTWAIT)
        except zmq.Again:  # already the pipe of a new peer: start over
            push.send(b"3", zmq.SNDMORE)
            push.send(b"3", zmq.SNDMORE)
            push.send(b"c" * size, zmq.SNDMORE)
    push.send(b"3b")
    time.sleep(SETTLE)
    push.send_multipart([b"5", b"5", b"d" * size])

    first = pull.recv_multipart()
    assert first[0] in (b"3", b"5")
    if first[0] == b"3":
        assert first == [b"3", b"3", b"c" * size, b"3b"]
        first = pull.recv_multipart()
    assert first == [b"5", b"5", b"d" * size]
