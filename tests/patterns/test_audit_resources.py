"""Lifetimes: no fd or thread leaks across many socket lifetimes (closed or
just dropped), TCP_NODELAY on both ends of a connection, close() from
another thread, and term() with the default LINGER while the peer is away
(libzmq blocks until the message is delivered, and so must we).
Every wait is bounded."""

from __future__ import annotations

import gc
import os
import socket
import threading
import time

import pytest

import purezmq as zmq

from .helpers import endpoint, run_with_timeout, sock, wait_until


def _open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


pytestmark = pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc")


def _pipes(s) -> int:
    """Live connections of `s`; EVENTS lets it process its commands first
    (as in libzmq, a socket learns of departed peers only when called)."""
    s.getsockopt(zmq.EVENTS)
    return len(s.underlying.pipes)


def test_no_fd_or_thread_leak_over_200_socket_lifetimes(ctx):
    """200 rounds of tcp, ipc and inproc peers: half closed, half dropped
    without close() (garbage collected).  The fd count and the thread count
    come back to where they were."""
    server = sock(ctx, zmq.ROUTER)
    server.bind("tcp://127.0.0.1:*")
    ipc_server = sock(ctx, zmq.ROUTER)
    ipc_server.bind("ipc://@purezmq-audit-leak-%d" % os.getpid())
    # Warm up: the I/O thread and its fds exist before we count.
    w = sock(ctx, zmq.DEALER)
    w.connect(endpoint(server))
    w.send(b"warm")
    server.recv_multipart()
    w.close()
    gc.collect()
    assert wait_until(lambda: _pipes(server) == 0, 2.0)
    fds0, threads0 = _open_fds(), threading.active_count()
    for i in range(200):
        d = sock(ctx, zmq.DEALER)
        d.connect(endpoint(server))
        d.send(b"x")
        assert server.recv_multipart()[1] == b"x"
        r = sock(ctx, zmq.REQ)
        r.connect(endpoint(ipc_server))
        r.send(b"y")
        assert ipc_server.recv_multipart()[2] == b"y"
        a = sock(ctx, zmq.PAIR)
        a.bind("inproc://audit-leak-%d" % i)
        b = sock(ctx, zmq.PAIR)
        b.connect("inproc://audit-leak-%d" % i)
        b.send(b"z")
        assert a.recv() == b"z"
        if i % 2:
            for s in (d, r, a, b):
                s.close()
        del d, r, a, b  # even rounds: never closed, only dropped
    gc.collect()
    assert wait_until(lambda: _open_fds() <= fds0, 3.0), (fds0, _open_fds())
    assert threading.active_count() <= threads0
    # Every connection went away on the serving side too.
    assert wait_until(lambda: _pipes(server) == 0 and _pipes(ipc_server) == 0, 3.0)


def test_terminated_context_releases_threads_and_fds():
    fds0, threads0 = _open_fds(), threading.active_count()
    for _ in range(5):
        c = zmq.Context()
        s = c.socket(zmq.PULL)
        s.bind("tcp://127.0.0.1:*")
        p = c.socket(zmq.PUSH)
        p.connect(s.last_endpoint.decode())
        p.send(b"m")
        s.rcvtimeo = 2000
        assert s.recv() == b"m"
        s.close(linger=0)
        p.close(linger=0)
        finished, _ = run_with_timeout(c.term, 5)
        assert finished
    assert wait_until(lambda: threading.active_count() <= threads0, 2.0)
    assert wait_until(lambda: _open_fds() <= fds0, 2.0)


def _tcp_sockets_on_port(port: int) -> list:
    """Every Python socket object of this process on either end of `port`."""
    found = []
    for obj in gc.get_objects():
        if isinstance(obj, socket.socket) and obj.fileno() >= 0 \
                and obj.family in (socket.AF_INET, socket.AF_INET6) \
                and obj.type == socket.SOCK_STREAM:
            try:
                ends = (obj.getsockname()[1], obj.getpeername()[1])
            except OSError:
                continue  # a listener has no peer
            if port in ends:
                found.append(obj)
    return found


def test_tcp_nodelay_on_accepted_and_connected_sockets(ctx):
    a = sock(ctx, zmq.PAIR)
    a.bind("tcp://127.0.0.1:*")
    b = sock(ctx, zmq.PAIR)
    b.connect(endpoint(a))
    b.send(b"x")
    assert a.recv() == b"x"
    a.send(b"y")
    assert b.recv() == b"y"
    port = int(endpoint(a).rsplit(":", 1)[1])
    conns = _tcp_sockets_on_port(port)
    assert len(conns) == 2, conns  # the accepted end and the dialled end
    for c in conns:
        assert c.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY), c


@pytest.mark.parametrize("peer", ["none", "tcp-peer", "inproc-peer"])
def test_close_from_another_thread_wakes_a_blocked_recv(ctx, peer):
    """purezmq's own promise (libzmq leaves this undefined): the blocked
    call raises ENOTSOCK.  With one tcp peer the blocked thread is waiting
    on the borrowed connection itself, a different wait."""
    s = sock(ctx, zmq.PULL, timeout=-1)
    if peer == "inproc-peer":
        s.bind("inproc://audit-xclose")
    else:
        s.bind("tcp://127.0.0.1:*")
    if peer != "none":
        p = sock(ctx, zmq.PUSH)
        p.connect(endpoint(s))
        p.send(b"first")
        assert s.recv() == b"first"
    box = {}

    def blocked():
        try:
            s.recv()
        except zmq.ZMQError as e:
            box["errno"] = e.errno

    t = threading.Thread(target=blocked, daemon=True)
    t.start()
    time.sleep(0.1)
    s.close()
    t.join(2)
    assert not t.is_alive(), "recv() still blocked after close()"
    assert box.get("errno") == zmq.ENOTSOCK


def test_close_twice_and_context_manager_socket(ctx):
    s = ctx.socket(zmq.PAIR)
    s.close()
    s.close()
    s.close(linger=0)
    assert s.closed
    with ctx.socket(zmq.PUSH) as p:
        p.connect("tcp://127.0.0.1:1")
        p.linger = 0
    assert p.closed


def test_context_instance_is_one_object_across_threads():
    got = []
    barrier = threading.Barrier(8)

    def grab():
        barrier.wait(2)
        got.append(zmq.Context.instance())

    threads = [threading.Thread(target=grab) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(3)
    assert len(got) == 8 and len({id(c) for c in got}) == 1


def _free_tcp_port() -> int:
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test_term_with_default_linger_waits_for_unreachable_peer_like_libzmq():
    """LINGER -1 (the default): term() blocks while a message is pending for
    an absent peer -- libzmq's documented behaviour -- and returns once the
    peer appears and the message is delivered."""
    port = _free_tcp_port()
    c = zmq.Context()
    push = c.socket(zmq.PUSH)
    assert push.linger == -1
    push.reconnect_ivl = 20
    push.connect("tcp://127.0.0.1:%d" % port)
    push.send(b"pending")
    push.close()
    done = threading.Event()
    threading.Thread(target=lambda: (c.term(), done.set()), daemon=True).start()
    assert not done.wait(0.4), "term() gave up on a pending message"
    peer_ctx = zmq.Context()
    try:
        pull = peer_ctx.socket(zmq.PULL)
        pull.linger = 0
        pull.rcvtimeo = 2000
        pull.bind("tcp://127.0.0.1:%d" % port)
        assert pull.recv() == b"pending"
        assert done.wait(2), "term() did not return after delivery"
        pull.close()
    finally:
        peer_ctx.destroy(linger=0)


def test_term_with_default_linger_and_nothing_pending_returns_at_once():
    c = zmq.Context()
    push = c.socket(zmq.PUSH)
    push.connect("tcp://127.0.0.1:%d" % _free_tcp_port())
    push.close()
    finished, _ = run_with_timeout(c.term, 2)
    assert finished
