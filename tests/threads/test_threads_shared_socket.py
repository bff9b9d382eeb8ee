"""Two threads on one socket: purezmq sockets are safe to share.

The documented behaviour (core/traffic.py): calls run their non-blocking
part under the socket's lock and wait without it; multipart messages are
assembled and read per thread; close() and Context.term() wake blocked
callers.  Nothing is ever corrupted, crashes or deadlocks silently.
"""

from __future__ import annotations

import errno
import threading
import time

import pytest

import purezmq as zmq

TRANSPORTS = ["tcp", "ipc", "inproc"]
JOIN = 5.0  # seconds: a thread still alive after this is a deadlock
# Stress tests: senders block without limit at a small HWM, receivers give
# up after STALL_MS; a receiver timing out while senders still have
# messages to send means a sender slept through its wake-up.
STALL_MS = 1000
SMALL_HWM = 10


def sock(ctx, socket_type, timeout: int = 3000, **options):
    s = ctx.socket(socket_type)
    s.linger = 0
    s.rcvtimeo = timeout
    s.sndtimeo = timeout
    for name, value in options.items():
        setattr(s, name, value)
    return s


def connected(ctx, endpoint, btype, ctype, bopts=None, copts=None):
    a = sock(ctx, btype, **(bopts or {}))
    a.bind(endpoint)
    b = sock(ctx, ctype, **(copts or {}))
    b.connect(a.last_endpoint.decode())
    return a, b


class Worker(threading.Thread):
    """A thread that records its exception; join_ok() fails on a hang."""

    def __init__(self, fn, *args) -> None:
        super().__init__(daemon=True)
        self.fn, self.args = fn, args
        self.error: BaseException | None = None
        self.result = None

    def run(self) -> None:
        try:
            self.result = self.fn(*self.args)
        except BaseException as e:  # noqa: BLE001 - reported by join_ok
            self.error = e

    def join_ok(self, timeout: float = JOIN):
        self.join(timeout)
        assert not self.is_alive(), f"{self.fn.__name__} deadlocked (alive after {timeout} s)"
        if self.error is not None:
            raise self.error
        return self.result


def start_all(*workers: Worker) -> None:
    for w in workers:
        w.start()


def recv_or_stall(s, progress) -> list:
    """recv_multipart, failing clearly if nothing comes for STALL_MS."""
    try:
        return s.recv_multipart()
    except zmq.Again:
        counts = {k: len(v) for k, v in progress.items()}
        pytest.fail(f"nothing received for {STALL_MS} ms with senders still "
                    f"sending (received so far: {counts}): a blocked sender "
                    "missed its wake-up")


# ----------------------------------------------------------------------------
# Sending from two threads
# ----------------------------------------------------------------------------
@pytest.mark.parametrize("transport", TRANSPORTS)
def test_two_threads_send_multipart_frame_by_frame_on_one_push(ctx, bind_endpoint, transport):
    n = 1500
    pull, push = connected(ctx, bind_endpoint(transport), zmq.PULL, zmq.PUSH,
                           bopts={"rcvtimeo": STALL_MS, "rcvhwm": SMALL_HWM},
                           copts={"sndtimeo": -1, "sndhwm": SMALL_HWM})
    go = threading.Barrier(2)

    def sender(tag: bytes) -> None:
        go.wait(JOIN)
        for i in range(n):
            parts = [tag, b"%d" % i, tag * (i % 7), b"end-" + tag + b"%d" % i]
            for p in parts[:-1]:
                push.send(p, zmq.SNDMORE)
                if i % 50 == 0:
                    time.sleep(0)  # let the other thread in mid-message
            push.send(parts[-1])

    senders = [Worker(sender, b"A"), Worker(sender, b"B")]
    start_all(*senders)
    seen = {b"A": [], b"B": []}
    try:
        for _ in range(2 * n):
            msg = recv_or_stall(pull, seen)
            assert len(msg) == 4, msg
            tag, num, filler, end = msg
            assert tag in seen, msg
            i = int(num)
            assert filler == tag * (i % 7), msg
            assert end == b"end-" + tag + num, msg
            seen[tag].append(i)
        for w in senders:
            w.join_ok()
    finally:
        pull.close()
        push.close()  # wakes a sender stuck at the HWM (ENOTSOCK)
        for w in senders:
            w.join(JOIN)
    assert seen[b"A"] == list(range(n))
    assert seen[b"B"] == list(range(n))


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_two_threads_send_multipart_and_frames_mixed(ctx, bind_endpoint, transport):
    """send_multipart in one thread, SNDMORE frames in the other."""
    n = 1500
    pull, push = connected(ctx, bind_endpoint(transport), zmq.PULL, zmq.PUSH,
                           bopts={"rcvtimeo": STALL_MS, "rcvhwm": SMALL_HWM},
                           copts={"sndtimeo": -1, "sndhwm": SMALL_HWM})

    def whole() -> None:
        for i in range(n):
            push.send_multipart([b"W", b"%d" % i, b"w"])

    def framed() -> None:
        for i in range(n):
            push.send(b"F", zmq.SNDMORE)
            push.send(b"%d" % i, zmq.SNDMORE)
            push.send(b"f")

    ws = [Worker(whole), Worker(framed)]
    start_all(*ws)
    seen = {b"W": [], b"F": []}
    try:
        for _ in range(2 * n):
            tag, num, last = recv_or_stall(pull, seen)
            assert last == tag.lower()
            seen[tag].append(int(num))
        for w in ws:
            w.join_ok()
    finally:
        pull.close()
        push.close()
        for w in ws:
            w.join(JOIN)
    assert seen == {b"W": list(range(n)), b"F": list(range(n))}


# ----------------------------------------------------------------------------
# One thread blocked in recv, another sending on the same socket
# ----------------------------------------------------------------------------
@pytest.mark.parametrize("transport", TRANSPORTS)
def test_blocked_recv_does_not_block_send_on_dealer(ctx, bind_endpoint, transport):
    n = 300
    router, dealer = connected(ctx, bind_endpoint(transport), zmq.ROUTER, zmq.DEALER)
    # The dealer's only peer: make sure the connection is up first.
    dealer.send(b"hello")
    rid, hello = router.recv_multipart()
    assert hello == b"hello"

    receiving = threading.Event()

    def receiver():
        receiving.set()
        return dealer.recv()  # blocks until the router answers

    r = Worker(receiver)
    r.start()
    assert receiving.wait(JOIN)
    time.sleep(0.05)  # let it settle in its blocking wait

    def sender() -> None:
        for i in range(n):
            dealer.send(b"%d" % i)

    s = Worker(sender)
    t0 = time.monotonic()
    s.start()
    try:
        got = [router.recv_multipart()[1] for _ in range(n)]
        s.join_ok()
        assert got == [b"%d" % i for i in range(n)]
        assert r.is_alive(), "recv returned with nothing sent to it"
        router.send_multipart([rid, b"reply"])
        assert r.join_ok() == b"reply"
        assert time.monotonic() - t0 < 2.0
    finally:
        router.close()
        dealer.close()


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_send_and_recv_on_one_dealer_from_two_threads_stream(ctx, bind_endpoint, transport):
    """Ping-pong through a ROUTER echo: one thread sends everything, the
    other receives everything, both on one DEALER at once."""
    n = 1500
    router, dealer = connected(ctx, bind_endpoint(transport), zmq.ROUTER, zmq.DEALER,
                               bopts={"sndhwm": SMALL_HWM, "rcvhwm": SMALL_HWM},
                               copts={"sndhwm": SMALL_HWM, "rcvhwm": SMALL_HWM,
                                      "sndtimeo": -1, "rcvtimeo": STALL_MS})
    # A ROUTER drops what it cannot deliver; mandatory makes its echo block
    # instead, so every message comes back.
    router.router_mandatory = 1
    stop = threading.Event()

    def echo() -> None:
        while not stop.is_set():
            if router.poll(50):
                router.send_multipart(router.recv_multipart())

    e = Worker(echo)
    e.start()

    def sender() -> None:
        for i in range(n):
            dealer.send_multipart([b"%d" % i, b"x" * (i % 100)])

    def receiver() -> list:
        out = []
        for _ in range(n):
            try:
                num, body = dealer.recv_multipart()
            except zmq.Again:
                raise AssertionError(f"no echo for {STALL_MS} ms after {len(out)} of {n}: "
                                     "the sending thread missed its wake-up") from None
            assert body == b"x" * (int(num) % 100)
            out.append(int(num))
        return out

    s, r = Worker(sender), Worker(receiver)
    start_all(r, s)
    try:
        assert r.join_ok() == list(range(n))
        s.join_ok()
    finally:
        stop.set()
        e.join_ok()
        router.close()
        dealer.close()  # wakes a sender stuck at the HWM (ENOTSOCK)
        s.join(JOIN)


# ----------------------------------------------------------------------------
# Two threads receiving on one socket
# ----------------------------------------------------------------------------
@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize("mode", ["recv_multipart", "frames", "mixed"])
def test_two_threads_recv_on_one_pull_exactly_once(ctx, bind_endpoint, transport, mode):
    n = 2000
    pull, push = connected(ctx, bind_endpoint(transport), zmq.PULL, zmq.PUSH,
                           bopts={"rcvtimeo": 300})

    def read_whole() -> list:
        return pull.recv_multipart()

    def read_frames() -> list:
        parts = [pull.recv()]
        while pull.rcvmore:
            parts.append(pull.recv())
        return parts

    def receiver(how) -> list:
        out = []
        while True:
            try:
                msg = how()
            except zmq.Again:
                return out  # quiet for 300 ms: all delivered
            assert len(msg) == 3 and msg[0] == b"m" and msg[2] == b"<" + msg[1] + b">", msg
            out.append(int(msg[1]))

    hows = {"recv_multipart": (read_whole, read_whole), "frames": (read_frames, read_frames),
            "mixed": (read_whole, read_frames)}[mode]
    r1, r2 = Worker(receiver, hows[0]), Worker(receiver, hows[1])
    start_all(r1, r2)
    try:
        for i in range(n):
            num = b"%d" % i
            push.send_multipart([b"m", num, b"<" + num + b">"])
        a, b = r1.join_ok(), r2.join_ok()
    finally:
        pull.close()
        push.close()
    assert sorted(a + b) == list(range(n)), "a message was lost or received twice"
    assert a == sorted(a) and b == sorted(b)  # each thread sees queue order


# ----------------------------------------------------------------------------
# close() and Context.term() from another thread
# ----------------------------------------------------------------------------
@pytest.mark.parametrize("transport", TRANSPORTS)
def test_close_from_another_thread_wakes_blocked_recv(ctx, bind_endpoint, transport):
    pull, push = connected(ctx, bind_endpoint(transport), zmq.PULL, zmq.PUSH,
                           bopts={"rcvtimeo": -1})
    push.send(b"warm-up")  # a live connection (tcp: possibly a borrowed one)
    assert pull.recv() == b"warm-up"
    pull.rcvtimeo = -1

    def blocked() -> None:
        pull.recv()

    w = Worker(blocked)
    w.start()
    time.sleep(0.1)
    assert w.is_alive()
    t0 = time.monotonic()
    pull.close()
    w.join(2)
    elapsed = time.monotonic() - t0
    try:
        assert not w.is_alive(), "recv still blocked 2 s after close()"
        assert isinstance(w.error, zmq.ZMQError), w.error
        assert w.error.errno == errno.ENOTSOCK
        assert elapsed < 0.5
    finally:
        if w.is_alive():
            push.send(b"unblock")
        push.close()


def test_close_from_another_thread_wakes_blocked_send(ctx, bind_endpoint):
    pull, push = connected(ctx, bind_endpoint("inproc"), zmq.PULL, zmq.PUSH,
                           bopts={"rcvhwm": 1}, copts={"sndhwm": 1})
    push.sndtimeo = -1
    for _ in range(100):
        try:
            push.send(b"fill", zmq.DONTWAIT)
        except zmq.Again:
            break
    else:
        pytest.fail("never hit the HWM")

    w = Worker(lambda: push.send(b"blocked"))
    w.start()
    time.sleep(0.1)
    assert w.is_alive()
    t0 = time.monotonic()
    push.close()
    w.join(2)
    try:
        assert not w.is_alive(), "send still blocked 2 s after close()"
        assert isinstance(w.error, zmq.ZMQError) and w.error.errno == errno.ENOTSOCK, w.error
        assert time.monotonic() - t0 < 0.5
    finally:
        pull.close()


def test_close_from_another_thread_wakes_two_blocked_receivers(ctx, bind_endpoint):
    pull = sock(ctx, zmq.PULL, timeout=-1)
    pull.bind(bind_endpoint("inproc"))
    ws = [Worker(pull.recv), Worker(pull.recv)]
    start_all(*ws)
    time.sleep(0.1)
    pull.close()
    for w in ws:
        w.join(2)
        assert not w.is_alive()
        assert isinstance(w.error, zmq.ZMQError) and w.error.errno == errno.ENOTSOCK, w.error


def _fill(push, payload: bytes) -> None:
    """Send until POLLOUT stays off (pipe and kernel buffers full)."""
    deadline = time.monotonic() + 5
    while push.poll(100, zmq.POLLOUT):
        assert time.monotonic() < deadline, "never hit the HWM"
        try:
            push.send(payload, zmq.DONTWAIT)
        except zmq.Again:
            pass


def _term_wakes(op: str, transport: str, bind_endpoint) -> None:
    c = zmq.Context()
    term_done = threading.Event()
    try:
        pull = sock(c, zmq.PULL, timeout=-1, rcvhwm=1)
        pull.bind(bind_endpoint(transport))
        push = sock(c, zmq.PUSH, timeout=-1, sndhwm=1)
        push.connect(pull.last_endpoint.decode())
        push.send(b"warm-up")
        assert pull.recv() == b"warm-up"
        if op == "send":
            _fill(push, b"z" * 10000)
            target, other, call = push, pull, lambda: push.send(b"blocked")
        else:
            target, other, call = pull, push, pull.recv

        def blocked() -> None:
            try:
                call()
            finally:
                target.close()  # what a thread does on ETERM: close, so term ends

        w = Worker(blocked)
        w.start()
        time.sleep(0.1)
        assert w.is_alive()
        t0 = time.monotonic()
        terminator = Worker(lambda: (c.term(), term_done.set()))
        terminator.start()
        w.join(2)
        other.close()  # term() waits for every socket
        assert not w.is_alive(), f"{op} still blocked 2 s after term()"
        assert isinstance(w.error, zmq.ContextTerminated), repr(w.error)
        assert w.error.errno == zmq.ETERM
        terminator.join_ok(3)
        assert term_done.is_set()
        assert time.monotonic() - t0 < 1.0
    finally:
        if not term_done.is_set():
            threading.Thread(target=c.destroy, args=(0,), daemon=True).start()


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_term_from_another_thread_wakes_blocked_recv(bind_endpoint, transport):
    _term_wakes("recv", transport, bind_endpoint)


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_term_from_another_thread_wakes_blocked_send(bind_endpoint, transport):
    _term_wakes("send", transport, bind_endpoint)


def test_term_wakes_blocked_poll(bind_endpoint):
    """A thread blocked in Poller.poll on a socket of a terminating context."""
    c = zmq.Context()
    term_done = threading.Event()
    try:
        pull = sock(c, zmq.PULL, timeout=-1)
        pull.bind(bind_endpoint("inproc"))
        p = zmq.Poller()
        p.register(pull, zmq.POLLIN)

        def blocked():
            try:
                return p.poll(3000)
            finally:
                pull.close()

        w = Worker(blocked)
        w.start()
        time.sleep(0.1)
        t0 = time.monotonic()
        terminator = Worker(lambda: (c.term(), term_done.set()))
        terminator.start()
        w.join(2)
        assert not w.is_alive()
        # libzmq: zmq_poll fails with ETERM.
        assert isinstance(w.error, zmq.ContextTerminated), repr(w.error) + repr(w.result)
        terminator.join_ok(3)
        assert time.monotonic() - t0 < 1.0
    finally:
        if not term_done.is_set():
            threading.Thread(target=c.destroy, args=(0,), daemon=True).start()


# ----------------------------------------------------------------------------
# Everything at once
# ----------------------------------------------------------------------------
@pytest.mark.parametrize("transport", ["tcp", "inproc"])
def test_many_threads_on_one_dealer_pair_account_for_everything(ctx, bind_endpoint, transport):
    """Four threads per socket, each sending and receiving multipart
    messages on a shared DEALER pair: every message arrives once, intact."""
    n = 300
    threads_per_side = 4
    a, b = connected(ctx, bind_endpoint(transport), zmq.DEALER, zmq.DEALER,
                     bopts={"rcvtimeo": 400}, copts={"rcvtimeo": 400})

    def worker(s, side: bytes, k: int) -> list:
        got = []
        for i in range(n):
            tag = b"%s%d" % (side, k)
            if i % 3 == 0:
                s.send_multipart([tag, b"%d" % i, tag + b"%d" % i])
            else:
                s.send(tag, zmq.SNDMORE)
                s.send(b"%d" % i, zmq.SNDMORE)
                s.send(tag + b"%d" % i)
            try:
                got.append(s.recv_multipart(zmq.DONTWAIT))
            except zmq.Again:
                pass
        while True:
            try:
                got.append(s.recv_multipart())
            except zmq.Again:
                return got

    ws = [Worker(worker, a, b"a", k) for k in range(threads_per_side)]
    ws += [Worker(worker, b, b"b", k) for k in range(threads_per_side)]
    start_all(*ws)
    try:
        results = [w.join_ok(10) for w in ws]
    finally:
        a.close()
        b.close()
    at_a = [m for r in results[:threads_per_side] for m in r]
    at_b = [m for r in results[threads_per_side:] for m in r]
    for msgs, from_side in ((at_a, b"b"), (at_b, b"a")):
        for m in msgs:
            assert len(m) == 3 and m[2] == m[0] + m[1], m
            assert m[0][:1] == from_side, m
        keys = sorted((m[0], int(m[1])) for m in msgs)
        expected = sorted((b"%s%d" % (from_side, k), i)
                          for k in range(threads_per_side) for i in range(n))
        assert keys == expected
