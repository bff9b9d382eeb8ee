"""Contexts: term() and blocked threads, instance(), context managers,
bind_to_random_port, clean shutdown after traffic."""

from __future__ import annotations

import threading
import time

import pytest

import purezmq as zmq
from tests.conftest import TRANSPORTS

from .helpers import endpoint, run_with_timeout, sync_pub_sub


def _blocked_call_result(c, call):
    """In a thread, make a socket with call.make() and block in call.block();
    term() the context; return what the blocked call raised."""
    result = {}
    started = threading.Event()

    def run():
        s = call.make(c)
        started.set()
        try:
            call.block(s)
            result["error"] = None
        except BaseException as e:  # noqa: BLE001
            result["error"] = e
        finally:
            s.close()

    t = threading.Thread(target=run, daemon=True)
    t.start()
    assert started.wait(2)
    time.sleep(0.2)  # it is blocked now
    finished, _ = run_with_timeout(c.term, 5)
    assert finished, "term() hung"
    t.join(2)
    assert not t.is_alive(), "the blocked call was not woken"
    return result["error"]


class _Recv:
    @staticmethod
    def make(c):
        s = c.socket(zmq.PULL)
        s.bind("inproc://blocked-recv")
        return s

    @staticmethod
    def block(s):
        s.recv()  # no timeout: only term() can end this


class _Send:
    @staticmethod
    def make(c):
        return c.socket(zmq.PUSH)  # no peers: send blocks

    @staticmethod
    def block(s):
        s.send(b"nowhere")


class _RecvMultipart:
    @staticmethod
    def make(c):
        return c.socket(zmq.SUB)

    @staticmethod
    def block(s):
        s.recv_multipart()


@pytest.mark.parametrize("call", [_Recv, _Send, _RecvMultipart], ids=["recv", "send", "recv_multipart"])
def test_term_wakes_blocked_call_with_context_terminated(call):
    c = zmq.Context()
    err = _blocked_call_result(c, call)
    assert isinstance(err, zmq.ContextTerminated), repr(err)
    assert isinstance(err, zmq.ZMQError)
    assert err.errno == zmq.ETERM


def test_term_waits_for_open_sockets_and_fails_their_calls():
    c = zmq.Context()
    s = c.socket(zmq.PULL)
    s.linger = 0
    done = threading.Event()
    threading.Thread(target=lambda: (c.term(), done.set()), daemon=True).start()
    assert not done.wait(0.3), "term() returned with a socket still open"
    with pytest.raises(zmq.ContextTerminated):
        s.recv(zmq.DONTWAIT)
    with pytest.raises(zmq.ContextTerminated):
        s.bind("inproc://too-late")
    s.close()
    assert done.wait(3)
    assert c.closed


def test_socket_on_terminated_context():
    c = zmq.Context()
    c.term()
    assert c.closed
    with pytest.raises(zmq.ZMQError) as e:
        c.socket(zmq.PAIR)
    assert e.value.errno == zmq.ENOTSUP  # as pyzmq
    c.term()  # idempotent


def test_context_instance():
    a = zmq.Context.instance()
    b = zmq.Context.instance()
    assert a is b
    assert isinstance(a, zmq.Context)
    s = a.socket(zmq.PAIR)
    s.close(linger=0)
    a.term()
    c = zmq.Context.instance()
    assert c is not a and not c.closed
    c.term()


def test_context_manager():
    with zmq.Context() as c:
        with c.socket(zmq.PAIR) as s:
            s.bind("inproc://cm")
            assert not s.closed
        assert s.closed
        assert not c.closed
    assert c.closed


def test_bind_connect_context_managers(ctx, bind_endpoint):
    a = ctx.socket(zmq.PULL)
    a.linger = 0
    ep = bind_endpoint("inproc")
    b = ctx.socket(zmq.PUSH)
    b.linger = 0
    with a.bind(ep) as bound:
        assert bound is a
        with b.connect(ep) as connected:
            assert connected is b
            b.send(b"x")
            assert a.recv() == b"x"
        with pytest.raises(zmq.Again):  # disconnected on exit
            b.send(b"y", zmq.DONTWAIT)
    other = ctx.socket(zmq.PULL)
    other.linger = 0
    other.bind(ep)  # unbound on exit


def test_destroy_closes_sockets():
    c = zmq.Context()
    socks = [c.socket(t) for t in (zmq.PAIR, zmq.PUB, zmq.DEALER)]
    socks[0].bind("inproc://destroy")
    socks[2].connect("tcp://127.0.0.1:1")
    socks[2].send(b"pending", zmq.DONTWAIT)  # would make term() wait
    finished, _ = run_with_timeout(lambda: c.destroy(linger=0), 5)
    assert finished
    assert all(s.closed for s in socks)
    assert c.closed


def test_bind_to_random_port(ctx):
    s = ctx.socket(zmq.PULL)
    s.linger = 0
    s.rcvtimeo = 2000
    port = s.bind_to_random_port("tcp://127.0.0.1")
    assert isinstance(port, int) and 0 < port < 65536
    assert s.last_endpoint == b"tcp://127.0.0.1:%d" % port
    port2 = s.bind_to_random_port("tcp://127.0.0.1", min_port=40000, max_port=40100)
    assert 40000 <= port2 < 40100
    push = ctx.socket(zmq.PUSH)
    push.linger = 0
    push.connect("tcp://127.0.0.1:%d" % port2)
    push.send(b"random")
    assert s.recv() == b"random"


def test_bind_to_random_port_exhausted(ctx):
    busy = ctx.socket(zmq.PULL)
    busy.linger = 0
    port = busy.bind_to_random_port("tcp://127.0.0.1")
    s = ctx.socket(zmq.PULL)
    s.linger = 0
    with pytest.raises(zmq.ZMQBindError):
        s.bind_to_random_port("tcp://127.0.0.1", min_port=port, max_port=port + 1, max_tries=3)


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_destroy_after_traffic_does_not_hang(bind_endpoint, transport):
    """Close and terminate right after traffic, many times over: term() must
    always return (the I/O thread must not miss its stop request)."""
    for i in range(10):
        c = zmq.Context()
        sub = c.socket(zmq.SUB)
        sub.linger = 0
        sub.rcvtimeo = 2000
        sub.subscribe(b"early")
        pub = c.socket(zmq.PUB)
        pub.linger = 0
        pub.bind(bind_endpoint(transport))
        sub.connect(endpoint(pub))
        sync_pub_sub(pub, sub, probe=b"early")
        pub.send(b"late")
        pub.send(b"early bird")
        assert sub.recv() == b"early bird"
        sub.close()
        pub.close()
        finished, _ = run_with_timeout(c.term, 5)
        assert finished, f"Context.term() hung (iteration {i})"
