"""A monitored socket whose peer is a libzmq socket (in its own pyzmq
context): the monitored socket is libzmq's (reference) or purezmq's."""

from __future__ import annotations

import errno

import pytest

from monitor_util import (
    Monitor,
    assert_same,
    bind_ep,
    destroy,
    endpoint_names,
    last_ep,
    norm,
    run_both,
    sock,
    zmq,
)

WIRE = ["tcp", "ipc"]


def _prefix(transport):
    return [("CONNECT_DELAYED", errno.EINPROGRESS, "EP")] if transport == "tcp" else []


def _after_last_retry(events):
    idx = [i for i, e in enumerate(events) if e[0] == "CONNECT_RETRIED"]
    return events[idx[-1] + 1:] if idx else events


def _with_lz_peer(scenario, *args):
    def run(lib, ctx):
        peer_ctx = zmq.Context()
        try:
            return scenario(lib, ctx, peer_ctx, *args)
        finally:
            destroy(peer_ctx)
    return run_both(run)


@pytest.mark.parametrize("transport", WIRE)
def test_monitored_binder_libzmq_connector(transport, ipc_dir):
    def scenario(lib, ctx, peer_ctx):
        b = sock(ctx, lib, "DEALER")
        mb = Monitor.of(lib, b)
        b.bind(bind_ep(transport, ipc_dir))
        ep = last_ep(b)
        peer = sock(peer_ctx, zmq, "DEALER")
        peer.connect(ep)
        up = mb.until("HANDSHAKE_SUCCEEDED") + mb.quiet()
        peer.send(b"hi")
        assert b.poll(2000) and b.recv() == b"hi"
        peer.close()
        down = mb.until("DISCONNECTED") + mb.quiet()
        names = endpoint_names(ep)
        return {"up": norm(up, names), "down": norm(down, names)}

    assert_same(_with_lz_peer(scenario), {
        "up": [("LISTENING", "fd", "EP"), ("ACCEPTED", "fd", "EP"), ("HANDSHAKE_SUCCEEDED", 0, "EP")],
        "down": [("DISCONNECTED", "fd", "EP")],
    })


@pytest.mark.parametrize("transport", WIRE)
def test_monitored_connector_libzmq_binder_goes_and_comes_back(transport, ipc_dir):
    def scenario(lib, ctx, peer_ctx):
        peer = sock(peer_ctx, zmq, "DEALER")
        peer.bind(bind_ep(transport, ipc_dir))
        ep = last_ep(peer)
        c = sock(ctx, lib, "DEALER", reconnect_ivl=100, reconnect_ivl_max=400)
        mc = Monitor.of(lib, c)
        c.connect(ep)
        up = mc.until("HANDSHAKE_SUCCEEDED")
        peer.close()
        gone = mc.until("CONNECT_RETRIED")
        peer2 = sock(peer_ctx, zmq, "DEALER")
        peer2.bind(ep)
        back = mc.until("HANDSHAKE_SUCCEEDED")
        c.send(b"again")
        assert peer2.poll(2000) and peer2.recv() == b"again"
        names = endpoint_names(ep)
        return {"up": norm(up, names), "gone": norm(gone, names),
                "back": _after_last_retry(norm(back, names))}

    assert_same(_with_lz_peer(scenario), {
        "up": _prefix(transport) + [("CONNECTED", "fd", "EP"), ("HANDSHAKE_SUCCEEDED", 0, "EP")],
        "gone": [("DISCONNECTED", "fd", "EP"), ("CONNECT_RETRIED", 100, "EP")],
        "back": _prefix(transport) + [("CONNECTED", "fd", "EP"), ("HANDSHAKE_SUCCEEDED", 0, "EP")],
    })


@pytest.mark.parametrize("transport", WIRE)
def test_monitored_connector_before_libzmq_binds(transport, ipc_dir):
    from monitor_util import Vacant

    def scenario(lib, ctx, peer_ctx):
        vacant = Vacant(transport, ipc_dir)
        c = sock(ctx, lib, reconnect_ivl=100, reconnect_ivl_max=200)
        mc = Monitor.of(lib, c)
        c.connect(vacant.endpoint)
        retrying = mc.until("CONNECT_RETRIED", count=2)
        peer = sock(peer_ctx, zmq)
        peer.bind(vacant.release())
        tail = mc.until("HANDSHAKE_SUCCEEDED")
        names = endpoint_names(vacant.endpoint)
        return {"retrying": norm(retrying, names), "tail": _after_last_retry(norm(tail, names))}

    fail = _prefix(transport) + [("CLOSED", "fd", "EP")]
    assert_same(_with_lz_peer(scenario), {
        "retrying": fail + [("CONNECT_RETRIED", 100, "EP")] + fail + [("CONNECT_RETRIED", 200, "EP")],
        "tail": _prefix(transport) + [("CONNECTED", "fd", "EP"), ("HANDSHAKE_SUCCEEDED", 0, "EP")],
    })


@pytest.mark.parametrize("transport", WIRE)
def test_monitored_binder_incompatible_libzmq_peer(transport, ipc_dir):
    def scenario(lib, ctx, peer_ctx):
        b = sock(ctx, lib, "PAIR")
        mb = Monitor.of(lib, b)
        b.bind(bind_ep(transport, ipc_dir))
        ep = last_ep(b)
        peer = sock(peer_ctx, zmq, "PUB")
        peer.connect(ep)
        # Only up to the first DISCONNECTED: whether the libzmq PUB then
        # redials is a race in libzmq itself (it redials when the binder hung
        # up before its READY was out, and gives up when it read that READY).
        events = mb.until("DISCONNECTED")
        racy = [e for e in events if e.name != "HANDSHAKE_FAILED_NO_DETAIL"]
        return norm(racy, endpoint_names(ep))

    assert_same(_with_lz_peer(scenario),
                [("LISTENING", "fd", "EP"), ("ACCEPTED", "fd", "EP"), ("DISCONNECTED", "fd", "EP")])


def test_monitored_libzmq_peer_unbinds(ipc_dir):
    """The libzmq binder unbinds: the monitored connector loses the connection."""

    def scenario(lib, ctx, peer_ctx):
        peer = sock(peer_ctx, zmq)
        peer.bind("tcp://127.0.0.1:*")
        ep = last_ep(peer)
        c = sock(ctx, lib, reconnect_ivl=200, reconnect_ivl_max=1000)
        mc = Monitor.of(lib, c)
        c.connect(ep)
        mc.until("HANDSHAKE_SUCCEEDED")
        peer.unbind(ep)
        mc.kick = lambda: peer.getsockopt(zmq.EVENTS)
        return norm(mc.until("CONNECT_RETRIED"), endpoint_names(ep))

    assert_same(_with_lz_peer(scenario), [("DISCONNECTED", "fd", "EP"), ("CONNECT_RETRIED", 200, "EP")])
