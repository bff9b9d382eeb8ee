"""Details where purezmq once differed from libzmq 4.3.5 / pyzmq 27.

Each test states what libzmq/pyzmq does (an audit found the gap, purezmq
now does the same).  Every wait is bounded.
"""

from __future__ import annotations

import errno
import gc
import os
import socket
import struct
import subprocess
import sys
import textwrap
import threading
import time

import pytest

import purezmq as zmq

from .helpers import endpoint, run_with_timeout, sock



# ---------------------------------------------------------------------------
# REQ
# ---------------------------------------------------------------------------
def test_req_inproc_never_drops_the_reply_to_its_own_request(ctx):
    """libzmq drains stale replies before the request is visible to the peer
    (its pipe flushes only at the last frame), so the answer to this request
    can never be among the drained ones."""
    rep = sock(ctx, zmq.REP, timeout=1000)
    rep.bind("inproc://audit-req-drain")
    req = sock(ctx, zmq.REQ, timeout=1000)
    req.connect("inproc://audit-req-drain")
    stop = threading.Event()

    def serve():
        while not stop.is_set():
            try:
                rep.send(rep.recv())
            except zmq.ZMQError:
                return

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    try:
        deadline = time.monotonic() + 1.5
        n = 0
        while time.monotonic() < deadline:
            req.send(b"%d" % n)
            assert req.recv() == b"%d" % n  # Again here = the reply was dropped
            n += 1
    finally:
        stop.set()
        t.join(2)


# ---------------------------------------------------------------------------
# Reconnect
# ---------------------------------------------------------------------------
def _accepts(listener: socket.socket, seconds: float) -> list:
    """Accept-and-close every connection for `seconds`; their times."""
    listener.settimeout(0.01)
    times = []
    t0 = time.monotonic()
    while time.monotonic() - t0 < seconds:
        try:
            c, _ = listener.accept()
        except socket.timeout:
            continue
        times.append(time.monotonic() - t0)
        c.close()
    return times


@pytest.fixture
def listener():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    s.listen(128)
    yield s
    s.close()


def test_reconnect_ivl_zero_does_not_redial(ctx, listener):
    """libzmq 4.3.5 reconnects only when RECONNECT_IVL > 0
    (session_base_t::reconnect, stream_connecter_base_t::add_reconnect_timer):
    with 0, a dropped connection is not redialled.  purezmq storms the peer
    with thousands of connections a second."""
    d = sock(ctx, zmq.DEALER, reconnect_ivl=0)
    d.connect("tcp://127.0.0.1:%d" % listener.getsockname()[1])
    assert len(_accepts(listener, 0.4)) <= 2


def test_dropped_connection_is_redialled_after_reconnect_ivl(ctx, listener):
    """In libzmq every redial after an established connection fails gets a
    fresh connecter, whose interval starts at RECONNECT_IVL again; only
    refused connect()s back off towards RECONNECT_IVL_MAX.  A peer that
    accepts and hangs up is therefore redialled every RECONNECT_IVL
    (~18 times a second with 50 ms here); purezmq backs off (6 times)."""
    d = sock(ctx, zmq.DEALER, reconnect_ivl=50, reconnect_ivl_max=400)
    d.connect("tcp://127.0.0.1:%d" % listener.getsockname()[1])
    assert len(_accepts(listener, 1.0)) >= 12


def _retry_intervals(ctx, ivl: int, ivl_max: int, n: int) -> list:
    """The CONNECT_RETRIED intervals of a connect() that is refused n times."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # refused from now on
    d = sock(ctx, zmq.DEALER, reconnect_ivl=ivl, reconnect_ivl_max=ivl_max)
    got = []

    class Monitor:  # the core's monitor hook (no public monitor API yet)
        def emit(self, event, value, endpoint):
            if event == zmq.EVENT_CONNECT_RETRIED:
                got.append(value)

        def stop(self):
            pass

    d.underlying.monitor = Monitor()
    d.connect("tcp://127.0.0.1:%d" % port)
    deadline = time.monotonic() + 1.5
    while len(got) < n and time.monotonic() < deadline:
        time.sleep(0.005)
    d.close()
    return got[:n]


def test_refused_connect_backoff_is_libzmqs_sequence(ctx):
    """libzmq 4.3.5 stream_connecter_base_t::get_new_reconnect_ivl: with
    RECONNECT_IVL_MAX > 0 the intervals are IVL, 2*IVL, 4*IVL ... capped at
    MAX, with no random jitter (and MAX alone when MAX < IVL); without it,
    IVL plus a jitter below IVL every time."""
    assert _retry_intervals(ctx, 10, 100, 6) == [10, 20, 40, 80, 100, 100]
    assert _retry_intervals(ctx, 50, 20, 3) == [20, 20, 20]


# ---------------------------------------------------------------------------
# Context lifetime
# ---------------------------------------------------------------------------
def test_context_manager_closes_sockets_left_open():
    left = []

    def body():
        with zmq.Context() as c:
            s = c.socket(zmq.PUSH)
            s.bind("tcp://127.0.0.1:*")
            left.append(s)

    finished, _ = run_with_timeout(body, 1.5)
    if not finished:  # let the blocked term() finish
        left[0].close(linger=0)
    assert finished


def test_dropped_context_releases_its_io_thread():
    gc.collect()
    before = threading.active_count()
    for _ in range(3):
        c = zmq.Context()
        s = c.socket(zmq.PULL)
        s.bind("tcp://127.0.0.1:*")
        s.close()
        del c, s
    gc.collect()
    deadline = time.monotonic() + 1.0
    while threading.active_count() > before and time.monotonic() < deadline:
        time.sleep(0.01)
    assert threading.active_count() <= before


def test_context_ipv6_and_blocky_apply_to_new_sockets():
    c = zmq.Context()
    try:
        c.set(zmq.IPV6, 1)
        c.set(zmq.BLOCKY, 0)
        s = c.socket(zmq.PULL)
        assert s.getsockopt(zmq.IPV6) == 1  # libzmq: from the context
        assert s.getsockopt(zmq.LINGER) == 0  # libzmq: BLOCKY=0 -> linger 0
        s.close()
    finally:
        c.destroy(linger=0)


def test_options_after_eterm_raise_context_terminated():
    """libzmq socket_base_t::setsockopt/getsockopt: ETERM once the socket
    processed the stop command.  A consequence: after a blocked call raised
    ContextTerminated, close(linger=0) cannot shorten LINGER any more, and
    term() keeps waiting for pending messages as the default LINGER says."""
    c = zmq.Context()
    s = c.socket(zmq.PULL)
    s.bind("inproc://audit-eterm")
    t = threading.Thread(target=c.term, daemon=True)
    t.start()
    try:
        time.sleep(0.1)
        with pytest.raises(zmq.ContextTerminated):
            s.recv(zmq.DONTWAIT)
        with pytest.raises(zmq.ContextTerminated):
            s.setsockopt(zmq.LINGER, 0)
        with pytest.raises(zmq.ContextTerminated):
            s.getsockopt(zmq.LINGER)
    finally:
        s.close()
        t.join(2)


# ---------------------------------------------------------------------------
# Payloads
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("transport", ["inproc", "tcp"])
def test_copy_false_small_buffer_is_copied(ctx, bind_endpoint, transport):
    pull = sock(ctx, zmq.PULL)
    pull.bind(bind_endpoint(transport))
    push = sock(ctx, zmq.PUSH)
    push.connect(endpoint(pull))
    buf = bytearray(100)
    for i in range(200):  # a stream: sent faster than the I/O thread writes
        buf[:4] = struct.pack("<I", i)
        push.send(buf, copy=False)
    for i in range(200):
        assert bytes(pull.recv()[:4]) == struct.pack("<I", i)


def test_inproc_recv_gives_bytes_after_copy_false_send(ctx):
    pull = sock(ctx, zmq.PULL)
    pull.bind("inproc://audit-copy-false")
    push = sock(ctx, zmq.PUSH)
    push.connect("inproc://audit-copy-false")
    push.send(bytearray(b"abc"), copy=False)
    got = pull.recv()
    assert type(got) is bytes
    push.send(bytearray(b"text"), copy=False)
    assert pull.recv_string() == "text"


def test_frame_properties_of_a_received_message(ctx):
    """pyzmq: Frame.get("Socket-Type") / get("Peer-Address") (zmq_msg_gets)
    answer for a message that came over a connection."""
    a = sock(ctx, zmq.PAIR)
    a.bind("tcp://127.0.0.1:*")
    b = sock(ctx, zmq.PAIR)
    b.connect(endpoint(a))
    b.send(b"x")
    f = a.recv(copy=False)
    assert f.get("Socket-Type") == "PAIR"
    assert f.get("Peer-Address") == "127.0.0.1"


# ---------------------------------------------------------------------------
# Hostile input
# ---------------------------------------------------------------------------
def test_frame_length_beyond_memory_drops_the_connection(ctx):
    """libzmq allocates a frame's buffer as soon as its size is read; an
    impossible size (1 TiB here) fails the allocation and ends that
    connection.  purezmq keeps the connection and buffers whatever follows,
    so a hostile peer can make it grow without bound."""
    pull = sock(ctx, zmq.PULL)
    pull.bind("tcp://127.0.0.1:*")
    port = int(endpoint(pull).rsplit(":", 1)[1])
    greeting = b"\xff" + b"\x00" * 7 + b"\x01\x7f\x03\x01" + b"NULL".ljust(20, b"\x00") \
        + b"\x00" * 32
    body = b"\x05READY" + b"\x0bSocket-Type" + struct.pack(">I", 4) + b"PUSH"
    ready = bytes([0x04, len(body)]) + body
    c = socket.create_connection(("127.0.0.1", port), timeout=1.0)
    try:
        c.sendall(greeting + ready)
        c.sendall(b"\x02" + struct.pack(">Q", 1 << 40) + b"x" * 1000)
        c.settimeout(1.0)
        try:
            while c.recv(4096):  # the peer's greeting and READY, then EOF
                pass
        except ConnectionResetError:
            pass
        except socket.timeout:
            pytest.fail("connection kept open after an impossible frame length")
    finally:
        c.close()


# ---------------------------------------------------------------------------
# Sharing a socket between threads (purezmq's own promise)
# ---------------------------------------------------------------------------
def test_two_threads_blocked_in_recv_on_one_socket(ctx):
    pull = sock(ctx, zmq.PULL, timeout=1000)
    pull.bind("inproc://audit-two-waiters")
    push = sock(ctx, zmq.PUSH)
    push.connect("inproc://audit-two-waiters")
    results = []

    def waiter():
        try:
            results.append(pull.recv())
        except Exception as e:  # noqa: BLE001 - the test inspects it
            results.append(e)

    threads = [threading.Thread(target=waiter, daemon=True) for _ in range(2)]
    for t in threads:
        t.start()
    time.sleep(0.2)
    push.send(b"one")
    push.send(b"two")
    for t in threads:
        t.join(2)
    assert sorted(r for r in results if isinstance(r, bytes)) == [b"one", b"two"], results


# ---------------------------------------------------------------------------
# Wake-ups
# ---------------------------------------------------------------------------
class _GatedWrites:
    """Stand-in for the signaler module's `os`: write() waits at a gate, as
    if the signalling thread were pre-empted between setting the flag and
    writing the fd."""

    def __init__(self, real_os, fd: int) -> None:
        self._os = real_os
        self._fd = fd
        self.gate = threading.Event()

    def __getattr__(self, name):
        return getattr(self._os, name)

    def write(self, fd, data):
        if fd == self._fd:
            self.gate.wait(2)
        return self._os.write(fd, data)


def _stale_wakeup(monkeypatch, sig, reset) -> None:
    """Make `sig` readable with its flag clear: a signal() whose write lands
    after `reset()` (run meanwhile by the waiting side) cleared the flag."""
    from purezmq.reactor import signaler as sigmod

    gated = _GatedWrites(sigmod.os, sig.fileno())
    monkeypatch.setattr(sigmod, "os", gated)
    t = threading.Thread(target=sig.signal, daemon=True)
    t.start()
    time.sleep(0.05)
    reset()
    gated.gate.set()
    t.join(2)
    monkeypatch.setattr(sigmod, "os", gated._os)


def test_io_thread_does_not_spin_on_a_stale_wakeup(monkeypatch):
    from purezmq.reactor.io_thread import IOThread

    from purezmq.reactor import signaler as sigmod

    io = IOThread("audit-io")
    try:
        armed = threading.Event()
        io.post(lambda: (io.call_later(0.15, lambda: None), armed.set()))
        assert armed.wait(2)
        # A post whose fd write is late (the poster pre-empted after setting
        # the flag); the loop, woken by its timer, drains the mailbox and
        # resets the flag meanwhile; then the late write lands.
        gated = _GatedWrites(sigmod.os, io._wake.fileno())
        monkeypatch.setattr(sigmod, "os", gated)
        ran = threading.Event()
        io._mailbox.append((ran.set, ()))
        poster = threading.Thread(target=io._wake.signal, daemon=True)
        poster.start()
        assert ran.wait(2)
        gated.gate.set()
        poster.join(2)
        monkeypatch.setattr(sigmod, "os", gated._os)
        calls = []
        real = io._drain_mailbox
        io._drain_mailbox = lambda: (calls.append(1), real())
        time.sleep(0.2)  # idle: nothing posted, no timers
        assert len(calls) < 5, f"I/O thread woke {len(calls)} times while idle"
    finally:
        io.stop()


def test_poller_does_not_spin_on_a_stale_wakeup(ctx, monkeypatch):
    s = sock(ctx, zmq.PULL)
    s.bind("inproc://audit-stale-poll")
    core = s.underlying
    _stale_wakeup(monkeypatch, core._sig, lambda: s.getsockopt(zmq.EVENTS))
    poller = zmq.Poller()
    poller.register(s, zmq.POLLIN)
    cpu0 = time.thread_time()
    assert poller.poll(300) == []
    used = time.thread_time() - cpu0
    assert used < 0.1, f"Poller.poll burnt {used:.2f} s of CPU waiting 0.3 s"


# ---------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------
def test_fd_exhaustion_is_a_zmqerror():
    """pyzmq: ZMQError(EMFILE) from ctx.socket() and bind() when the process
    is out of file descriptors (run in a child: it lowers RLIMIT_NOFILE)."""
    code = textwrap.dedent("""
        import os, resource, sys
        import purezmq as zmq
        ctx = zmq.Context()
        keep = [ctx.socket(zmq.PULL)]
        keep[0].bind("inproc://x")
        n = len(os.listdir("/proc/self/fd"))
        resource.setrlimit(resource.RLIMIT_NOFILE, (n + 2, 4096))
        out = []
        try:
            for _ in range(10):
                keep.append(ctx.socket(zmq.PUSH))
            out.append("none")
        except zmq.ZMQError as e:
            out.append(str(int(e.errno)))
        except Exception as e:
            out.append(type(e).__name__)
        print(" ".join(out))
        os._exit(0)
    """)
    env = dict(os.environ)
    src = os.path.join(os.path.dirname(__file__), "..", "..", "src")
    env["PYTHONPATH"] = os.path.abspath(src) + os.pathsep + env.get("PYTHONPATH", "")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=10, env=env).stdout.split()
    assert out == [str(errno.EMFILE)], out
