"""Poller and select(): purezmq sockets, plain sockets, pipes, objects with
fileno() and raw fds in one poll; every timeout kind; POLLIN/POLLOUT/POLLERR;
POLLOUT under the high-water mark; and an idle poll that burns no CPU."""

from __future__ import annotations

import os
import socket
import time

import pytest

import purezmq as zmq
from poll_util import Elapsed, bound_pair, call_bounded, later, sock, wait_connected

TRANSPORTS = ["tcp", "ipc", "inproc"]


def fd_of(obj):
    return obj if isinstance(obj, int) else obj.fileno()


class FileLike:
    """Anything with fileno() (what pyzmq accepts besides sockets and ints)."""

    def __init__(self, fd: int) -> None:
        self.fd = fd

    def fileno(self) -> int:
        return self.fd


@pytest.fixture
def plain_pair():
    a, b = socket.socketpair()
    a.setblocking(False)
    b.setblocking(False)
    yield a, b
    a.close()
    b.close()


@pytest.fixture
def os_pipe():
    r, w = os.pipe()
    fds = {"r": r, "w": w}
    yield fds
    for fd in fds.values():
        try:
            os.close(fd)
        except OSError:
            pass


class Watchdog:
    """A pipe that becomes readable after `delay` s unless cancelled: register
    it next to whatever an infinite poll waits for, so a lost wake-up fails
    the test instead of hanging it."""

    def __init__(self, delay: float = 3.0) -> None:
        import threading

        self.r, self.w = os.pipe()
        self._timer = threading.Timer(delay, os.write, (self.w, b"!"))
        self._timer.daemon = True
        self._timer.start()

    def fileno(self) -> int:
        return self.r

    def close(self) -> None:
        self._timer.cancel()
        self._timer.join(5)
        os.close(self.r)
        os.close(self.w)


@pytest.fixture
def watchdog():
    w = Watchdog()
    yield w
    w.close()


@pytest.fixture
def zpair(ctx, bind_endpoint, request):
    transport = getattr(request, "param", "inproc")
    # DEALER pairs: PAIR has a wake-up bug of its own (test_poll_wakes_after_...).
    a, b = bound_pair(ctx, bind_endpoint(transport), zmq.DEALER, zmq.DEALER)
    wait_connected(b)
    yield a, b
    a.close()
    b.close()


# ----------------------------------------------------------------------------
# Registration bookkeeping
# ----------------------------------------------------------------------------
def test_register_modify_unregister(ctx, plain_pair):
    s = sock(ctx, zmq.PULL)
    a, _ = plain_pair
    p = zmq.Poller()
    p.register(s, zmq.POLLIN)
    p.register(a)  # default flags: POLLIN | POLLOUT
    p.register(7, zmq.POLLIN)
    assert s in p and a in p and 7 in p
    assert p.sockets == [(s, zmq.POLLIN), (a, zmq.POLLIN | zmq.POLLOUT), (7, zmq.POLLIN)]

    p.modify(a, zmq.POLLOUT)
    assert p.sockets[1] == (a, zmq.POLLOUT)
    p.register(s, zmq.POLLIN | zmq.POLLOUT)  # registering again modifies
    assert p.sockets[0] == (s, zmq.POLLIN | zmq.POLLOUT)
    assert len(p.sockets) == 3

    p.unregister(s)
    assert s not in p
    assert p.sockets == [(a, zmq.POLLOUT), (7, zmq.POLLIN)]
    p.register(a, 0)  # flags 0: unregister, as pyzmq
    assert a not in p
    assert p.sockets == [(7, zmq.POLLIN)]
    with pytest.raises(KeyError):
        p.unregister(s)
    p.unregister(7)
    assert p.sockets == []
    s.close()


def test_unregistered_socket_is_no_longer_reported(zpair):
    a, b = zpair
    p = zmq.Poller()
    p.register(a, zmq.POLLIN)
    b.send(b"x")
    assert dict(p.poll(2000)) == {a: zmq.POLLIN}
    p.unregister(a)
    assert p.poll(0) == []
    p.register(a, zmq.POLLIN)
    assert dict(p.poll(0)) == {a: zmq.POLLIN}
    assert a.recv() == b"x"
    assert p.poll(0) == []


# ----------------------------------------------------------------------------
# Timeouts: 0, positive, None and -1
# ----------------------------------------------------------------------------
def test_timeout_zero_returns_at_once(zpair, plain_pair, os_pipe):
    a, _ = zpair
    p = zmq.Poller()
    p.register(a, zmq.POLLIN)
    p.register(plain_pair[0], zmq.POLLIN)
    p.register(os_pipe["r"], zmq.POLLIN)
    with Elapsed() as e:
        for _ in range(20):
            assert p.poll(0) == []
    assert e.seconds < 0.2


@pytest.mark.parametrize("kind", ["zmq", "plain", "fd", "empty"])
def test_positive_timeout_waits_then_returns_empty(kind, zpair, plain_pair, os_pipe):
    p = zmq.Poller()
    if kind == "zmq":
        p.register(zpair[0], zmq.POLLIN)
    elif kind == "plain":
        p.register(plain_pair[0], zmq.POLLIN)
    elif kind == "fd":
        p.register(os_pipe["r"], zmq.POLLIN)
    with Elapsed() as e:
        assert p.poll(150) == []
    assert 0.14 <= e.seconds < 1.0, e.seconds


@pytest.mark.parametrize("timeout", [None, -1])
@pytest.mark.parametrize("kind", ["zmq", "plain", "fd", "filelike"])
def test_infinite_timeout_blocks_until_ready(timeout, kind, zpair, plain_pair, os_pipe, watchdog):
    a, b = zpair
    target = {"zmq": a, "plain": plain_pair[0], "fd": os_pipe["r"],
              "filelike": FileLike(os_pipe["r"])}[kind]
    make_ready = {
        "zmq": lambda: b.send(b"wake"),
        "plain": lambda: plain_pair[1].send(b"wake"),
        "fd": lambda: os.write(os_pipe["w"], b"w"),
        "filelike": lambda: os.write(os_pipe["w"], b"w"),
    }[kind]
    p = zmq.Poller()
    p.register(target, zmq.POLLIN)
    p.register(watchdog, zmq.POLLIN)  # never ready unless the wake-up is lost
    t = later(0.15, make_ready)
    with Elapsed() as e:
        got = p.poll(timeout)
    t.join(2)
    # As pyzmq: a ØMQ socket is reported as itself, anything else by its fd.
    assert got == [(target if kind == "zmq" else fd_of(target), zmq.POLLIN)]
    assert 0.1 <= e.seconds < 1.5, e.seconds


def test_socket_poll_timeouts(zpair):
    a, b = zpair
    with Elapsed() as e:
        assert a.poll(0) == 0
        assert a.poll(100) == 0
    assert 0.09 <= e.seconds < 1.0
    t = later(0.1, b.send, b"x")
    assert call_bounded(lambda: a.poll(None), 3, lambda: b.send(b"unblock")) == zmq.POLLIN
    assert a.poll(-1, zmq.POLLIN | zmq.POLLOUT) == zmq.POLLIN | zmq.POLLOUT
    assert a.poll(0, zmq.POLLOUT) == zmq.POLLOUT
    t.join(2)
    assert a.recv() == b"x"
    assert a.poll(0) == 0


# ----------------------------------------------------------------------------
# A mix of everything
# ----------------------------------------------------------------------------
@pytest.mark.parametrize("zpair", TRANSPORTS, indirect=True)
def test_mix_reports_exactly_what_is_ready(zpair, plain_pair, os_pipe):
    za, zb = zpair
    pa, pb = plain_pair
    r, w = os_pipe["r"], os_pipe["w"]
    filelike_r = FileLike(r)
    p = zmq.Poller()
    p.register(za, zmq.POLLIN)
    p.register(pa, zmq.POLLIN)
    p.register(r, zmq.POLLIN)
    assert p.poll(0) == []

    zb.send(b"z")
    assert dict(p.poll(2000)) == {za: zmq.POLLIN}

    # As pyzmq: plain sockets and files are reported by their fd.
    pfd = pa.fileno()
    pb.send(b"p")
    assert dict(p.poll(2000)) == {za: zmq.POLLIN, pfd: zmq.POLLIN}

    os.write(w, b"f")
    assert dict(p.poll(2000)) == {za: zmq.POLLIN, pfd: zmq.POLLIN, r: zmq.POLLIN}

    assert za.recv() == b"z"
    assert dict(p.poll(2000)) == {pfd: zmq.POLLIN, r: zmq.POLLIN}
    assert pa.recv(10) == b"p"
    assert dict(p.poll(2000)) == {r: zmq.POLLIN}

    # Swap the raw fd for an object with fileno(): reported by that fd too.
    p.unregister(r)
    p.register(filelike_r, zmq.POLLIN)
    assert p.poll(2000) == [(r, zmq.POLLIN)]
    assert os.read(r, 10) == b"f"
    assert p.poll(0) == []

    # Writability of everything at once.
    p.register(za, zmq.POLLIN | zmq.POLLOUT)
    p.register(pa, zmq.POLLIN | zmq.POLLOUT)
    p.register(w, zmq.POLLOUT)
    assert dict(p.poll(2000)) == {za: zmq.POLLOUT, pfd: zmq.POLLOUT, w: zmq.POLLOUT}


def test_mix_of_several_zmq_sockets_and_transports(ctx, bind_endpoint, plain_pair):
    pairs = [bound_pair(ctx, bind_endpoint(t)) for t in TRANSPORTS]
    try:
        for _, b in pairs:
            wait_connected(b)
        p = zmq.Poller()
        for a, _ in pairs:
            p.register(a, zmq.POLLIN)
        p.register(plain_pair[0], zmq.POLLIN)
        assert p.poll(0) == []
        for i, (a, b) in enumerate(pairs):
            b.send(b"%d" % i)
            deadline = time.monotonic() + 2
            while True:
                ready = dict(p.poll(100))
                if a in ready or time.monotonic() > deadline:
                    break
            assert ready == {a: zmq.POLLIN}, (i, ready)
            assert a.recv() == b"%d" % i
        assert p.poll(0) == []
    finally:
        for a, b in pairs:
            a.close()
            b.close()


RECEIVER_SENDER = [("PAIR", "PAIR"), ("PULL", "PUSH"), ("DEALER", "DEALER"),
                   ("ROUTER", "DEALER"), ("SUB", "PUB"), ("REP", "REQ")]


@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize("rtype,stype", RECEIVER_SENDER)
def test_poll_wakes_after_queue_emptied_by_recv(ctx, bind_endpoint, transport, rtype, stype):
    """A recv that takes the last queued message (no EAGAIN seen) must still
    leave the socket able to wake a later poll for the next message."""
    r, s = bound_pair(ctx, bind_endpoint(transport), getattr(zmq, rtype), getattr(zmq, stype))
    try:
        if rtype == "SUB":
            r.subscribe(b"")
        deadline = time.monotonic() + 2
        while True:  # first message through (PUB/SUB: once subscribed)
            s.send(b"first")
            if r.poll(50):
                break
            assert time.monotonic() < deadline, "never connected"
        assert r.recv_multipart()[-1] == b"first"
        if rtype == "REP":
            r.send(b"reply")
            assert s.recv() == b"reply"
        assert r.poll(0) == 0
        t = later(0.1, s.send, b"second")
        with Elapsed() as e:
            got = r.poll(1500)
        t.join(2)
        assert got == zmq.POLLIN, f"poll missed a message sent 0.1 s in (waited {e.seconds:.2f} s)"
        assert e.seconds < 1.0
        assert r.recv_multipart()[-1] == b"second"
    finally:
        r.close()
        s.close()


@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize("rtype,stype", [("REQ", "REP"), ("PULL", "PUSH"), ("PAIR", "PAIR"),
                                         ("DEALER", "ROUTER")])
def test_pollin_means_recv_succeeds_after_peer_closed(ctx, bind_endpoint, transport, rtype, stype):
    """The peer sends its last message and closes at once (as a REP worker
    that exits after replying).  libzmq delivers that message; and whenever
    poll says POLLIN, recv(NOBLOCK) must not raise EAGAIN."""
    r, s = bound_pair(ctx, bind_endpoint(transport), getattr(zmq, rtype), getattr(zmq, stype),
                      connect_opts={"linger": 1000})
    try:
        if rtype == "REQ":
            r.send(b"request")
            assert s.recv() == b"request"
            s.send(b"last")
        elif rtype == "DEALER":
            r.send(b"hi")
            rid, _ = s.recv_multipart()
            s.send_multipart([rid, b"last"])
        else:
            wait_connected(s)
            s.send(b"last")
        s.close()  # with LINGER 1000: the message must still get there
        time.sleep(0.2)  # let the disconnect be seen too before we look
        events = r.poll(2000)
        assert events == zmq.POLLIN, "the last message never arrived"
        try:
            got = r.recv(zmq.NOBLOCK)
        except zmq.Again:
            pytest.fail("poll() said POLLIN but recv(NOBLOCK) raised EAGAIN: message lost")
        assert got == b"last"
    finally:
        r.close()
        s.close()


def test_same_fd_registered_twice_with_different_flags(plain_pair):
    """pyzmq (zmq_poll) reports each item on its own, even for one fd."""
    a, b = plain_pair
    b.send(b"x")
    time.sleep(0.01)
    as_int = a.fileno()
    as_obj = FileLike(a.fileno())
    p = zmq.Poller()
    p.register(as_int, zmq.POLLIN)
    p.register(as_obj, zmq.POLLOUT)
    got = p.poll(1000)
    assert (as_int, zmq.POLLIN) in got, got
    assert (as_int, zmq.POLLOUT) in got, got  # the object too is reported by its fd


def test_pollerr_on_pipe_without_reader(os_pipe):
    p = zmq.Poller()
    p.register(os_pipe["w"], zmq.POLLOUT | zmq.POLLERR)
    assert dict(p.poll(1000)) == {os_pipe["w"]: zmq.POLLOUT}
    os.close(os_pipe.pop("r"))
    events = dict(p.poll(1000)).get(os_pipe["w"], 0)
    assert events & zmq.POLLERR, events


def test_zmq_socket_never_reports_pollerr(zpair):
    a, b = zpair
    p = zmq.Poller()
    p.register(a, zmq.POLLIN | zmq.POLLOUT | zmq.POLLERR)
    b.send(b"x")
    assert dict(p.poll(2000)) == {a: zmq.POLLIN | zmq.POLLOUT}


def test_hung_up_plain_socket_polls_readable(plain_pair):
    a, b = plain_pair
    p = zmq.Poller()
    p.register(a, zmq.POLLIN)
    assert p.poll(0) == []
    b.close()
    assert dict(p.poll(1000)).get(a.fileno(), 0) & zmq.POLLIN
    assert a.recv(10) == b""


def test_poll_closed_zmq_socket_raises(ctx):
    s = sock(ctx, zmq.PULL)
    p = zmq.Poller()
    p.register(s, zmq.POLLIN)
    s.close()
    with pytest.raises(zmq.ZMQError):
        p.poll(0)


# ----------------------------------------------------------------------------
# POLLOUT under the high-water mark
# ----------------------------------------------------------------------------
@pytest.mark.parametrize("transport", TRANSPORTS)
def test_pollout_lost_when_full_and_regained_when_drained(ctx, bind_endpoint, transport):
    payload = b"x" * (64 * 1024 if transport != "inproc" else 10)
    pull, push = bound_pair(ctx, bind_endpoint(transport), zmq.PULL, zmq.PUSH,
                            bind_opts={"rcvhwm": 1}, connect_opts={"sndhwm": 1})
    try:
        wait_connected(push)
        p = zmq.Poller()
        p.register(push, zmq.POLLOUT)
        sent = 0
        deadline = time.monotonic() + 5
        # Fill until the pipe, the kernel buffers and the receiver are all full:
        # POLLOUT must then stay off.
        while time.monotonic() < deadline:
            if not p.poll(50):
                break
            try:
                push.send(payload, zmq.DONTWAIT)
                sent += 1
            except zmq.Again:
                pass
        else:
            pytest.fail(f"never filled up after {sent} messages")
        assert sent >= 1
        assert p.poll(200) == []
        assert push.poll(0, zmq.POLLOUT) == 0
        with pytest.raises(zmq.Again):
            push.send(payload, zmq.DONTWAIT)

        # A reader drains: POLLOUT comes back.
        received = 0
        while received < sent:
            assert pull.poll(2000), f"only {received} of {sent} arrived"
            pull.recv()
            received += 1
        assert dict(p.poll(2000)) == {push: zmq.POLLOUT}
        push.send(payload)
        assert pull.recv() == payload
    finally:
        pull.close()
        push.close()


def test_pollout_regained_wakes_a_blocked_poll(ctx, bind_endpoint):
    pull, push = bound_pair(ctx, bind_endpoint("inproc"), zmq.PULL, zmq.PUSH,
                            bind_opts={"rcvhwm": 1}, connect_opts={"sndhwm": 1})
    try:
        wait_connected(push)
        for _ in range(100):
            try:
                push.send(b"m", zmq.DONTWAIT)
            except zmq.Again:
                break
        else:
            pytest.fail("never reached the high-water mark")
        p = zmq.Poller()
        p.register(push, zmq.POLLOUT)
        assert p.poll(0) == []

        def drain() -> None:
            while pull.poll(100):
                pull.recv()

        t = later(0.1, drain)
        with Elapsed() as e:
            got = p.poll(3000)
        t.join(2)
        assert got == [(push, zmq.POLLOUT)]
        assert e.seconds < 1.5
    finally:
        pull.close()
        push.close()


# ----------------------------------------------------------------------------
# select()
# ----------------------------------------------------------------------------
def test_select_shape_and_timeouts(zpair, plain_pair, os_pipe, watchdog):
    za, zb = zpair
    pa, pb = plain_pair
    r, w = os_pipe["r"], os_pipe["w"]
    with Elapsed() as e:
        assert zmq.select([za, pa, r], [], [], 0) == ([], [], [])
        assert zmq.select([za, pa, r], [], [], 0.1) == ([], [], [])
    assert 0.09 <= e.seconds < 1.0

    # As pyzmq: plain sockets and files come back as their fds.
    rl, wl, xl = zmq.select([za, pa, r], [za, w], [za], 1)
    assert (rl, wl, xl) == ([], [za, w], [])

    zb.send(b"a")
    pb.send(b"b")
    os.write(w, b"c")
    deadline = time.monotonic() + 2
    while time.monotonic() < deadline:
        rl, wl, xl = zmq.select([za, pa, r], [], [], 1)
        if len(rl) == 3:
            break
    assert rl == [za, pa.fileno(), r]
    assert za.recv() == b"a" and pa.recv(5) == b"b" and os.read(r, 5) == b"c"

    t = later(0.1, zb.send, b"late")
    with Elapsed() as e:
        rl, wl, xl = zmq.select([za, watchdog], [], [], None)
    t.join(2)
    assert (rl, wl, xl) == ([za], [], [])
    assert 0.05 <= e.seconds < 1.5
    assert za.recv() == b"late"


# ----------------------------------------------------------------------------
# An idle poll uses no CPU
# ----------------------------------------------------------------------------
CPU_BUDGET = 0.05


def _cpu_over(fn) -> tuple[float, float]:
    c0, t0 = time.process_time(), time.monotonic()
    fn()
    return time.process_time() - c0, time.monotonic() - t0


@pytest.mark.parametrize("transport", ["tcp", "inproc"])
def test_idle_poll_uses_no_cpu(ctx, bind_endpoint, transport, plain_pair, os_pipe):
    a, b = bound_pair(ctx, bind_endpoint(transport))
    try:
        wait_connected(b)
        # Some traffic first: a stale wake-up must not turn into a busy loop.
        for i in range(10):
            b.send(b"%d" % i)
            assert a.recv() == b"%d" % i
        p = zmq.Poller()
        p.register(a, zmq.POLLIN)
        p.register(plain_pair[0], zmq.POLLIN)
        p.register(os_pipe["r"], zmq.POLLIN)
        p.poll(0)
        cpu, wall = _cpu_over(lambda: p.poll(1000))
        assert wall >= 0.95
        assert cpu < CPU_BUDGET, f"poll(1000) idle used {cpu:.3f} s CPU"
    finally:
        a.close()
        b.close()


@pytest.mark.parametrize("transport", ["tcp", "inproc"])
def test_idle_blocking_recv_uses_no_cpu(ctx, bind_endpoint, transport):
    a, b = bound_pair(ctx, bind_endpoint(transport))
    try:
        wait_connected(b)
        for i in range(10):
            b.send(b"%d" % i)
            assert a.recv() == b"%d" % i
        a.rcvtimeo = 1000

        def blocked_recv() -> None:
            with pytest.raises(zmq.Again):
                a.recv()

        cpu, wall = _cpu_over(blocked_recv)
        assert wall >= 0.95
        assert cpu < CPU_BUDGET, f"recv with rcvtimeo=1000 used {cpu:.3f} s CPU"
        # And the socket still works afterwards.
        b.send(b"after")
        assert a.recv() == b"after"
    finally:
        a.close()
        b.close()
