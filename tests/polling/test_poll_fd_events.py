"""FD and EVENTS with libzmq's contract, driven from a plain `selectors` loop.

FD is a real file descriptor that becomes readable when the socket's state
may have changed; the application then reads EVENTS and sends/receives.
purezmq keeps FD readable while POLLIN holds, so reading EVENTS (anywhere,
any time, from any thread) can never swallow a wake-up the loop still
needs: with libzmq the signal is an edge that EVENTS consumes.
"""

from __future__ import annotations

import os
import random
import selectors
import socket
import stat
import threading
import time

import pytest

import purezmq as zmq
from poll_util import bound_pair, later, wait_connected

TRANSPORTS = ["tcp", "ipc", "inproc"]
# A select() that times out while a message is waiting means the loop is
# stuck behind a missed edge.
STUCK = 1.0


def fd_readable(fd: int, timeout: float = 0.0) -> bool:
    sel = selectors.DefaultSelector()
    try:
        sel.register(fd, selectors.EVENT_READ)
        return bool(sel.select(timeout))
    finally:
        sel.close()


def wait_events(sock, flag=zmq.POLLIN, timeout: float = 2.0) -> int:
    """The libzmq way: wait on FD, read EVENTS, repeat until `flag` shows.
    Spurious wake-ups are allowed; a wait that sleeps through the event is not."""
    fd = sock.getsockopt(zmq.FD)
    deadline = time.monotonic() + timeout
    while True:
        ev = sock.getsockopt(zmq.EVENTS)
        if ev & flag:
            return ev
        left = deadline - time.monotonic()
        assert left > 0, f"EVENTS never showed {flag!r}"
        assert fd_readable(fd, left), f"FD never became readable for {flag!r}"


def _connected(ctx, endpoint, rtype="PULL", stype="PUSH", **ropts):
    r, s = bound_pair(ctx, endpoint, getattr(zmq, rtype), getattr(zmq, stype), bind_opts=ropts)
    if rtype == "SUB":
        r.subscribe(b"")
    if stype != "PUB":
        wait_connected(s)
    return r, s


# ----------------------------------------------------------------------------
# What FD is
# ----------------------------------------------------------------------------
def test_fd_is_a_real_stable_file_descriptor(ctx):
    s = ctx.socket(zmq.DEALER)
    s.linger = 0
    fd = s.getsockopt(zmq.FD)
    assert isinstance(fd, int) and fd >= 0
    assert fd == s.FD == s.fileno() == s.getsockopt(zmq.FD)
    os.fstat(fd)  # a live descriptor
    assert not stat.S_ISREG(os.fstat(fd).st_mode)
    assert s.getsockopt(zmq.EVENTS) == 0  # no peer: neither in nor out
    s.close()


def test_fd_readable_when_message_arrives(ctx, bind_endpoint):
    r, s = _connected(ctx, bind_endpoint("tcp"))
    fd = r.getsockopt(zmq.FD)
    r.getsockopt(zmq.EVENTS)  # the contract: check EVENTS before waiting
    while fd_readable(fd) and not r.getsockopt(zmq.EVENTS) & zmq.POLLIN:
        pass  # a stale wake-up is allowed: EVENTS clears it
    assert not fd_readable(fd)
    s.send(b"x")
    assert fd_readable(fd, 2.0)
    wait_events(r, zmq.POLLIN)
    assert r.recv(zmq.NOBLOCK) == b"x"
    r.close()
    s.close()


# ----------------------------------------------------------------------------
# Reading EVENTS never swallows a needed wake-up
# ----------------------------------------------------------------------------
@pytest.mark.parametrize("transport", TRANSPORTS)
def test_reading_events_keeps_fd_readable_while_pollin(ctx, bind_endpoint, transport):
    """The pyzmq/libzmq trap: code reads EVENTS (sees POLLIN) but does not
    recv; the loop then waits on FD.  With libzmq the edge is gone and the
    loop sleeps on a pending message; purezmq's FD stays readable."""
    r, s = _connected(ctx, bind_endpoint(transport))
    fd = r.getsockopt(zmq.FD)
    s.send(b"one")
    wait_events(r, zmq.POLLIN)
    for _ in range(5):
        assert r.getsockopt(zmq.EVENTS) & zmq.POLLIN
        assert fd_readable(fd, 0.0), "reading EVENTS swallowed the wake-up"
    # The same from another thread, any number of times.
    t = threading.Thread(target=lambda: [r.getsockopt(zmq.EVENTS) for _ in range(50)])
    t.start()
    t.join(5)
    assert fd_readable(fd, 0.0)
    # Receiving part of the queue keeps it readable too.
    s.send(b"two")
    s.send(b"three")
    if transport != "inproc":
        time.sleep(0.1)  # let both cross the wire (inproc: queued already)
    assert r.recv(zmq.NOBLOCK) == b"one"
    assert fd_readable(fd, 0.0), "FD not readable with two messages queued"
    r.getsockopt(zmq.EVENTS)
    assert fd_readable(fd, 0.0)
    assert r.recv(zmq.NOBLOCK) == b"two"
    assert fd_readable(fd, 0.0), "FD not readable with one message queued"
    assert r.getsockopt(zmq.EVENTS) & zmq.POLLIN
    assert r.recv(zmq.NOBLOCK) == b"three"
    assert r.getsockopt(zmq.EVENTS) == 0
    assert not fd_readable(fd, 0.0)
    r.close()
    s.close()


def test_reference_libzmq_loses_the_edge_when_events_is_read(zctx):
    """Why the test above matters: the same sequence on libzmq (pyzmq)
    leaves FD unreadable with a message pending.  (A reference check of
    the peer library, not of purezmq.)"""
    zmq_ref = pytest.importorskip("zmq")
    r = zctx.socket(zmq_ref.PULL)
    r.linger = 0
    r.bind("inproc://edge-reference")
    s = zctx.socket(zmq_ref.PUSH)
    s.linger = 0
    s.connect("inproc://edge-reference")
    fd = r.getsockopt(zmq_ref.FD)
    r.getsockopt(zmq_ref.EVENTS)
    s.send(b"one")
    assert fd_readable(fd, 2.0)
    assert r.getsockopt(zmq_ref.EVENTS) & zmq_ref.POLLIN
    assert not fd_readable(fd, 0.05)  # libzmq: the edge is gone
    assert r.recv(zmq_ref.NOBLOCK) == b"one"
    r.close()
    s.close()


def test_events_read_in_another_thread_while_loop_waits(ctx, bind_endpoint):
    """A thread hammering EVENTS while the loop sleeps on FD: every message
    sent still wakes the loop."""
    r, s = _connected(ctx, bind_endpoint("tcp"))
    fd = r.getsockopt(zmq.FD)
    stop = threading.Event()

    def hammer() -> None:
        while not stop.is_set():
            r.getsockopt(zmq.EVENTS)

    t = threading.Thread(target=hammer, daemon=True)
    t.start()
    sel = selectors.DefaultSelector()
    sel.register(fd, selectors.EVENT_READ)
    try:
        for i in range(20):
            s.send(b"%d" % i)
            deadline = time.monotonic() + 2
            got = None
            while got is None:
                assert time.monotonic() < deadline, f"message {i} never woke the loop"
                if not sel.select(STUCK):
                    pytest.fail(f"loop asleep on FD with message {i} pending "
                                f"(EVENTS={r.getsockopt(zmq.EVENTS)})")
                if r.getsockopt(zmq.EVENTS) & zmq.POLLIN:
                    got = r.recv(zmq.NOBLOCK)
            assert got == b"%d" % i
    finally:
        stop.set()
        t.join(5)
        sel.close()
        r.close()
        s.close()


# ----------------------------------------------------------------------------
# A selectors event loop receiving bursts
# ----------------------------------------------------------------------------
def _burst_sender(s, total: int, seed: int) -> threading.Thread:
    rng = random.Random(seed)

    def run() -> None:
        i = 0
        while i < total:
            for _ in range(min(rng.randint(1, 40), total - i)):
                s.send_multipart([b"%d" % i, b"x" * rng.randint(0, 300)])
                i += 1
            time.sleep(rng.choice([0, 0, 0.0005, 0.002]))

    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t


def _selector_loop(r, total: int, seed: int, *, max_per_wake: int = 3,
                   events_in_loop: float = 0.0, extra: tuple = ()) -> list:
    """Wait on FD (and any `extra` (fd, callback)); per wake-up read EVENTS
    and receive at most `max_per_wake` messages without draining.  Returns
    the message numbers received, in order.  Fails if select() times out
    while a message is waiting (a missed edge)."""
    rng = random.Random(seed)
    fd = r.getsockopt(zmq.FD)
    sel = selectors.DefaultSelector()
    sel.register(fd, selectors.EVENT_READ, "zmq")
    for other_fd, cb in extra:
        sel.register(other_fd, selectors.EVENT_READ, cb)
    got: list = []
    deadline = time.monotonic() + 10
    try:
        while len(got) < total:
            assert time.monotonic() < deadline, f"only {len(got)} of {total} in 10 s"
            ready = sel.select(STUCK)
            if not ready:
                ev = r.getsockopt(zmq.EVENTS)
                pytest.fail(f"select() slept {STUCK} s on FD with EVENTS={ev} "
                            f"after {len(got)} of {total} messages")
            for key, _ in ready:
                if key.data != "zmq":
                    key.data()
                    continue
                if not r.getsockopt(zmq.EVENTS) & zmq.POLLIN:
                    continue
                for _ in range(rng.randint(1, max_per_wake)):
                    try:
                        msg = r.recv_multipart(zmq.NOBLOCK)
                    except zmq.Again:
                        break
                    got.append(int(msg[0]))
                    if events_in_loop and rng.random() < events_in_loop:
                        r.getsockopt(zmq.EVENTS)  # read at an arbitrary point
    finally:
        sel.close()
    return got


@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize("rtype,stype", [("PULL", "PUSH"), ("PAIR", "PAIR"),
                                         ("DEALER", "ROUTER"), ("SUB", "PUB")])
def test_selectors_loop_receives_bursts(ctx, bind_endpoint, transport, rtype, stype):
    total = 600
    r, s = _connected(ctx, bind_endpoint(transport), rtype, stype)
    try:
        if stype == "ROUTER":
            r.send(b"hi")
            assert s.poll(2000)
            rid = s.recv_multipart()[0]
            router = s

            class _Prefixed:
                def send_multipart(self, parts):
                    router.send_multipart([rid] + parts)

            sender_sock = _Prefixed()
        elif stype == "PUB":
            deadline = time.monotonic() + 2
            while not r.poll(20):  # wait for the subscription to arrive
                s.send_multipart([b"-1", b""])
                assert time.monotonic() < deadline
            while r.poll(50):
                r.recv_multipart()
            sender_sock = s
        else:
            sender_sock = s
        t = _burst_sender(sender_sock, total, seed=1)
        got = _selector_loop(r, total, seed=2)
        t.join(5)
        assert got == list(range(total))
    finally:
        r.close()
        s.close()


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_selectors_loop_with_events_read_at_random_points(ctx, bind_endpoint, transport):
    """EVENTS read at random moments by a second thread and by the loop
    itself between receives; partial receives per wake-up."""
    total = 800
    r, s = _connected(ctx, bind_endpoint(transport))
    stop = threading.Event()
    rng = random.Random(3)

    def meddler() -> None:
        while not stop.is_set():
            r.getsockopt(zmq.EVENTS)
            delay = rng.choice([0, 0, 0.0001, 0.001])
            if delay:
                time.sleep(delay)

    m = threading.Thread(target=meddler, daemon=True)
    m.start()
    try:
        t = _burst_sender(s, total, seed=4)
        got = _selector_loop(r, total, seed=5, max_per_wake=4, events_in_loop=0.3)
        t.join(5)
        assert got == list(range(total))
    finally:
        stop.set()
        m.join(5)
        r.close()
        s.close()


def test_selectors_loop_with_libzmq_sender(ctx, zctx):
    """The sender is libzmq (pyzmq); the loop waits on purezmq's FD."""
    zmq_ref = pytest.importorskip("zmq")
    total = 600
    r = ctx.socket(zmq.PULL)
    r.linger = 0
    port = r.bind_to_random_port("tcp://127.0.0.1")
    s = zctx.socket(zmq_ref.PUSH)
    s.linger = 0
    s.sndtimeo = 2000
    s.connect(f"tcp://127.0.0.1:{port}")
    stop = threading.Event()

    def meddler() -> None:
        while not stop.is_set():
            r.getsockopt(zmq.EVENTS)
            time.sleep(0.0003)

    m = threading.Thread(target=meddler, daemon=True)
    m.start()
    try:
        t = _burst_sender(s, total, seed=6)
        got = _selector_loop(r, total, seed=7, events_in_loop=0.2)
        t.join(5)
        assert got == list(range(total))
    finally:
        stop.set()
        m.join(5)
        r.close()
        s.close()


def test_fd_next_to_plain_socket_in_one_selector(ctx, bind_endpoint):
    """purezmq plugs into a loop that also serves plain sockets."""
    total = 200
    r, s = _connected(ctx, bind_endpoint("tcp"))
    pa, pb = socket.socketpair()
    pa.setblocking(False)
    plain_got = []

    def on_plain() -> None:
        try:
            data = pa.recv(65536)
        except BlockingIOError:
            return
        plain_got.append(data)

    try:
        t = _burst_sender(s, total, seed=8)
        t2 = later(0.01, lambda: [pb.send(b"p") for _ in range(50)])
        got = _selector_loop(r, total, seed=9, extra=((pa.fileno(), on_plain),))
        t.join(5)
        t2.join(5)
        assert got == list(range(total))
        deadline = time.monotonic() + 2
        while len(b"".join(plain_got)) < 50 and time.monotonic() < deadline:
            if fd_readable(pa.fileno(), 0.1):
                on_plain()
        assert b"".join(plain_got) == b"p" * 50
    finally:
        pa.close()
        pb.close()
        r.close()
        s.close()


# ----------------------------------------------------------------------------
# POLLOUT through FD
# ----------------------------------------------------------------------------
@pytest.mark.parametrize("transport", TRANSPORTS)
def test_selectors_loop_sends_through_hwm(ctx, bind_endpoint, transport):
    """A loop sending on a PUSH at its HWM wakes on FD when the reader makes
    room (libzmq's contract: check EVENTS before each wait)."""
    total = 300
    payload = b"y" * (4096 if transport != "inproc" else 8)
    pull, push = bound_pair(ctx, bind_endpoint(transport), zmq.PULL, zmq.PUSH,
                            bind_opts={"rcvhwm": 2}, connect_opts={"sndhwm": 2})
    wait_connected(push)
    received: list = []

    def slow_reader() -> None:
        rng = random.Random(10)
        while len(received) < total:
            if not pull.poll(3000):
                return
            received.append(int(pull.recv_multipart()[0]))
            if rng.random() < 0.05:
                time.sleep(0.002)

    reader = threading.Thread(target=slow_reader, daemon=True)
    reader.start()
    fd = push.getsockopt(zmq.FD)
    sel = selectors.DefaultSelector()
    sel.register(fd, selectors.EVENT_READ)
    blocked = 0
    try:
        i = 0
        while i < total:
            if push.getsockopt(zmq.EVENTS) & zmq.POLLOUT:
                try:
                    push.send_multipart([b"%d" % i, payload], zmq.NOBLOCK)
                    i += 1
                    continue
                except zmq.Again:
                    pass
            blocked += 1
            if not sel.select(STUCK) and not push.getsockopt(zmq.EVENTS) & zmq.POLLOUT:
                pytest.fail(f"select() slept {STUCK} s while the reader drained "
                            f"({i} sent, {len(received)} received)")
        reader.join(5)
        assert received == list(range(total))
        assert blocked > 0  # the HWM was actually hit
    finally:
        sel.close()
        pull.close()
        push.close()
