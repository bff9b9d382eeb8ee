"""track=True and zero-copy sends: the MessageTracker finishes when purezmq
no longer holds the caller's buffer, and a large buffer is not copied."""

from __future__ import annotations

import gc
import sys
import time
import tracemalloc

import pytest

import purezmq as zmq

BIG = 4 << 20


@pytest.fixture
def pair(ctx, bind_endpoint, request):
    def make(transport):
        pull = ctx.socket(zmq.PULL)
        pull.linger = 0
        pull.rcvtimeo = 5000
        pull.bind(bind_endpoint(transport))
        push = ctx.socket(zmq.PUSH)
        push.linger = 0
        push.connect(pull.last_endpoint.decode())
        request.addfinalizer(push.close)
        request.addfinalizer(pull.close)
        return push, pull
    return make


@pytest.mark.parametrize("transport", ["tcp", "ipc", "inproc"])
def test_tracker_finishes_when_the_library_lets_go(pair, transport):
    push, pull = pair(transport)
    buf = bytearray(b"t" * BIG)
    tracker = push.send(buf, copy=False, track=True)
    assert isinstance(tracker, zmq.MessageTracker)
    frame = pull.recv(copy=False)
    assert frame.bytes == bytes(buf)
    if transport == "inproc" and sys.version_info >= (3, 12):
        # inproc hands the very buffer over: held while the receiver holds it
        # (before 3.12 a received Frame keeps its own copy: see frame.py).
        time.sleep(0.05)
        assert not tracker.done
        with pytest.raises(zmq.NotDone):
            tracker.wait(0.01)
    del frame
    gc.collect()
    tracker.wait(5)
    assert tracker.done


def test_tracker_pending_until_sent(pair):
    """Nobody connected yet (IMMEDIATE off, queued in the pipe): not done."""
    push, pull = pair("tcp")
    pull.close()
    buf = bytearray(BIG)
    tracker = push.send(buf, copy=False, track=True)
    time.sleep(0.1)
    assert not tracker.done


def test_copied_and_small_sends(pair):
    push, pull = pair("tcp")
    # pyzmq: a copied send gives no tracker, a small zero-copy one a done one.
    assert push.send(b"x", copy=True, track=True) is None
    small = push.send(b"y", copy=False, track=True)
    assert small.done
    assert push.send(b"z", copy=False) is None
    assert [pull.recv() for _ in range(3)] == [b"x", b"y", b"z"]


def test_tracked_frame_and_multipart(pair):
    push, pull = pair("ipc")
    frame = zmq.Frame(bytearray(BIG), track=True, copy=False)
    assert frame.tracker is not None and not frame.tracker.done
    t = push.send(frame, copy=False, track=True)
    assert t is frame.tracker
    assert len(pull.recv()) == BIG
    del frame  # the Frame itself held the buffer too
    t.wait(5)
    with pytest.raises(ValueError):
        push.send(zmq.Frame(b"untracked"), copy=False, track=True)
    parts = [bytearray(BIG), b"head", bytearray(BIG)]
    t = push.send_multipart(parts, copy=False, track=True)
    assert [len(p) for p in pull.recv_multipart()] == [BIG, 4, BIG]
    t.wait(5)
    assert t.done


def test_tracker_combines_events_and_trackers():
    import threading
    e1, e2 = threading.Event(), threading.Event()
    t = zmq.MessageTracker(e1, zmq.MessageTracker(e2))
    assert not t.done
    e1.set()
    with pytest.raises(zmq.NotDone):
        t.wait(0.01)
    e2.set()
    t.wait(1)
    assert t.done
    with pytest.raises(TypeError):
        zmq.MessageTracker(object())


def test_large_bytearray_is_not_copied_on_the_way_to_tcp(ctx):
    """Sending 32 MiB with copy=False allocates far less than 32 MiB of
    Python memory until the wire has it; copy=True allocates a copy.  The
    receiver is libzmq (pyzmq), whose C allocations tracemalloc does not
    count, so only the sending side is measured."""
    zmq_ref = pytest.importorskip("zmq")
    ref_ctx = zmq_ref.Context()
    pull = ref_ctx.socket(zmq_ref.PULL)
    pull.linger = 0
    pull.rcvtimeo = 10000
    port = pull.bind_to_random_port("tcp://127.0.0.1")
    push = ctx.socket(zmq.PUSH)
    push.linger = 0
    push.connect("tcp://127.0.0.1:%d" % port)
    size = 32 << 20
    buf = bytearray(size)
    try:
        push.send(b"warm-up")
        assert pull.recv() == b"warm-up"

        def peak_while_sending(copy: bool) -> int:
            gc.collect()
            tracemalloc.start()
            try:
                push.send(buf, copy=copy)
                got = pull.recv(copy=False)  # all of it has crossed the wire
                assert len(got) == size
                return tracemalloc.get_traced_memory()[1]
            finally:
                tracemalloc.stop()

        zero_copy_peak = peak_while_sending(copy=False)
        copied_peak = peak_while_sending(copy=True)
    finally:
        push.close()
        pull.close()
        ref_ctx.term()
    assert zero_copy_peak < size // 8, f"zero-copy send allocated {zero_copy_peak} bytes"
    assert copied_peak >= size, "the copying send should have allocated a copy"


@pytest.mark.skipif(sys.version_info < (3, 12),
                    reason="before 3.12 a received Frame copies, to export the buffer protocol")
def test_inproc_receiver_gets_the_senders_buffer(pair):
    """inproc passes the buffer itself: the receiver's frame shows a change
    the sender makes after sending (proof that nothing was copied)."""
    push, pull = pair("inproc")
    buf = bytearray(b"a" * BIG)
    tracker = push.send(buf, copy=False, track=True)
    frame = pull.recv(copy=False)
    buf[0:5] = b"later"
    assert bytes(frame.buffer[:5]) == b"later"
    del frame
    tracker.wait(5)
