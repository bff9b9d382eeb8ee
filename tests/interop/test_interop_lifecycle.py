"""Connections coming and going between purezmq and libzmq: reconnection to
a peer re-bound on the same address, incompatible socket types that must
never exchange a message (nor redial in a loop), high-water marks pushing
back across the wire, and LINGER delivering what close() left behind.
"""

from __future__ import annotations

import socket
import threading
import time

import pytest

import purezmq as pz
from interop_util import (
    LIBS, assert_silent, endpoint, make, probe_until_received, recv_kicking, recv_or_none, zmq,
)
from zmq.utils.monitor import recv_monitor_message  # noqa: E402 (after the importorskip)

# -- reconnection ------------------------------------------------------------------


def rebind(sock, addr: str, timeout: float = 3.0) -> None:
    """Bind to a concrete address a just-closed socket used (its listener is
    closed asynchronously, so EADDRINUSE may show up for a moment)."""
    lib = LIBS["pz"] if isinstance(sock, pz.Socket) else zmq
    deadline = time.monotonic() + timeout
    while True:
        try:
            sock.bind(addr)
            return
        except lib.ZMQError as e:
            if e.errno != lib.EADDRINUSE or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def _push(conn, bound, tag):
    conn.send(tag)
    assert bound.recv() == tag


def _dealer(conn, bound, tag):
    conn.send(tag)
    assert bound.recv_multipart() == [b"the-dealer", tag]
    bound.send_multipart([b"the-dealer", b"re:" + tag])
    assert conn.recv() == b"re:" + tag


def _both_ways(conn, bound, tag):  # PAIR, REQ-REP
    conn.send(tag)
    assert bound.recv() == tag
    bound.send(b"re:" + tag)
    assert conn.recv() == b"re:" + tag


def _sub(conn, bound, tag):
    # The (re)connected SUB must (re)send its subscription to the new PUB.
    probe_until_received(bound, conn, prefix=b"t-" + tag)


def _xsub(conn, bound, tag):
    assert recv_kicking(bound, conn) == b"\x01t", "subscription not (re)sent"
    bound.send(b"t-" + tag)
    assert conn.recv() == b"t-" + tag


RECONNECT = {
    ("PUSH", "PULL"): (_push, True),
    ("DEALER", "ROUTER"): (_dealer, True),
    ("PAIR", "PAIR"): (_both_ways, True),
    ("REQ", "REP"): (_both_ways, False),
    ("SUB", "PUB"): (_sub, False),
    ("XSUB", "XPUB"): (_xsub, False),
}


def _setup_connecter(sock, conn_type):
    if conn_type == "DEALER":
        sock.routing_id = b"the-dealer"
    if conn_type == "SUB":
        sock.subscribe(b"t")
    if conn_type == "XSUB":
        sock.send(b"\x01t")


@pytest.mark.parametrize("transport", ["tcp", "ipc"])
@pytest.mark.parametrize("rebinder", ["lz", "pz"], ids=["pz-connects", "lz-connects"])
@pytest.mark.parametrize("types", list(RECONNECT), ids=["-".join(t) for t in RECONNECT])
def test_reconnect_after_peer_rebinds_same_address(ctx, zctx, bind_endpoint, types, rebinder,
                                                   transport):
    conn_type, bound_type = types
    exchange, queues_while_away = RECONNECT[types]
    contexts = {"pz": ctx, "lz": zctx}
    conn_ctx = contexts["pz" if rebinder == "lz" else "lz"]
    bound_ctx = contexts[rebinder]

    bound = make(bound_ctx, bound_type)
    bound.bind(bind_endpoint(transport))
    addr = endpoint(bound)
    conn = make(conn_ctx, conn_type, reconnect_ivl=50)
    _setup_connecter(conn, conn_type)
    conn.connect(addr)
    exchange(conn, bound, b"before")

    bound.close()
    time.sleep(0.15)  # let the connecting side notice the disconnection
    if queues_while_away:
        conn.send(b"during")  # waits in the connecting side's queue

    bound = make(bound_ctx, bound_type)
    rebind(bound, addr)
    if queues_while_away:
        got = bound.recv_multipart()
        assert got[-1] == b"during", f"message queued while disconnected: got {got!r}"
        if bound_type == "ROUTER":
            bound.send_multipart([got[0], b"re:during"])
            assert conn.recv() == b"re:during"
        elif bound_type == "PAIR":
            bound.send(b"re:during")
            assert conn.recv() == b"re:during"
    exchange(conn, bound, b"after")


# -- incompatible socket types -------------------------------------------------------

INVALID = [
    ("PUSH", "PUB"),    # purezmq PUSH vs libzmq PUB
    ("PULL", "PUB"),    # libzmq PUB publishes; a PULL could read it
    ("SUB", "PUSH"),    # libzmq PUSH sends; a SUB could read it
    ("PUSH", "SUB"),
    ("PUB", "PULL"),
    ("PAIR", "DEALER"),
    ("REQ", "DEALER"),
    ("ROUTER", "PUSH"),
]
RECEIVERS = {"PULL", "SUB", "PAIR", "DEALER", "ROUTER"}
SENDERS = {"PUSH", "PUB", "PAIR", "DEALER", "REQ"}


def _try_send(sock, lib, msg):
    try:
        sock.send(msg, lib.DONTWAIT)
    except lib.ZMQError:
        pass  # Again (no peer) is what we hope for


@pytest.mark.parametrize("pz_binds", [True, False], ids=["pz-binds", "lz-binds"])
@pytest.mark.parametrize("pz_type,lz_type", INVALID, ids=["pz_%s-lz_%s" % p for p in INVALID])
def test_incompatible_pair_never_passes_a_message(ctx, zctx, bind_endpoint, pz_type, lz_type,
                                                  pz_binds):
    p = make(ctx, pz_type)
    z = make(zctx, lz_type)
    for s, typename in ((p, pz_type), (z, lz_type)):
        if typename == "SUB":
            s.subscribe(b"")
    monitor = z.get_monitor_socket(zmq.EVENT_HANDSHAKE_SUCCEEDED | zmq.EVENT_DISCONNECTED)
    binder, connecter = (p, z) if pz_binds else (z, p)
    binder.bind(bind_endpoint("tcp"))
    connecter.connect(endpoint(binder))

    events = []
    deadline = time.monotonic() + 0.3
    i = 0
    while time.monotonic() < deadline:
        i += 1
        if pz_type in SENDERS:
            if pz_binds and pz_type in ("PUSH", "REQ", "PAIR", "DEALER"):
                # A bound purezmq socket gets a queue only for an accepted
                # peer: none may exist, so there is nowhere to send to.
                with pytest.raises(pz.Again):
                    p.send(b"pz-%d" % i, pz.DONTWAIT)
            else:
                _try_send(p, pz, b"pz-%d" % i)
        if lz_type in SENDERS:
            _try_send(z, zmq, b"lz-%d" % i)
        if pz_type in RECEIVERS:
            assert_silent(p, 10)
        if lz_type in RECEIVERS:
            assert_silent(z, 10)
        while monitor.poll(0):
            events.append(recv_monitor_message(monitor)["event"])
        if pz_type in ("REQ",):
            break  # REQ cannot send twice; one try is all it gets
    if pz_type == "REQ":
        assert_silent(z, 300)
    while monitor.poll(50):
        events.append(recv_monitor_message(monitor)["event"])
    assert zmq.EVENT_HANDSHAKE_SUCCEEDED not in events
    assert zmq.EVENT_DISCONNECTED in events  # the connection was made, then refused
    z.disable_monitor()
    monitor.close(linger=0)


@pytest.mark.parametrize("pz_type,lz_type", [("PUSH", "PUB"), ("PULL", "PUB"), ("DEALER", "PULL")])
def test_no_reconnect_storm_after_incompatible_handshake(ctx, zctx, bind_endpoint, pz_type, lz_type):
    """libzmq 4.3.5 ends a connecting session whose handshake failed with a
    protocol error (session_base_t::engine_error, protocol_error case): it
    does not redial.  A purezmq connecter must not hammer the peer either.
    When the libzmq binder reads our READY before its own is out, it hangs
    up instead, and a hang-up is a lost connection that libzmq's connecters
    redial too: an occasional second attempt, never a storm (at 20 ms
    intervals a storm would be ~30 connections here)."""
    z = make(zctx, lz_type)
    monitor = z.get_monitor_socket(zmq.EVENT_ACCEPTED)
    z.bind(bind_endpoint("tcp"))
    p = make(ctx, pz_type, reconnect_ivl=20)
    p.connect(endpoint(z))
    accepted = 0
    deadline = time.monotonic() + 0.6
    while time.monotonic() < deadline:
        if monitor.poll(20):
            recv_monitor_message(monitor)
            accepted += 1
    z.disable_monitor()
    monitor.close(linger=0)
    assert 1 <= accepted <= 3, f"{accepted} connections in 0.6 s (a redial storm)"


# -- high-water marks across the wire ------------------------------------------------

MSG = 16 * 1024
LIMIT = 2000  # 32 MiB: far beyond two HWMs of 10 plus small kernel buffers
HWM = 10
KBUF = 64 * 1024


def _fill(push, lib) -> int:
    """Send numbered messages with DONTWAIT until the socket stays unwritable
    for 300 ms; return how many went."""
    payload = b"x" * (MSG - 8)
    sent = 0
    while sent < LIMIT:
        try:
            push.send(b"%08d" % sent + payload, lib.DONTWAIT)
            sent += 1
        except lib.Again:
            if not push.poll(300, lib.POLLOUT):
                break
    return sent


def _drain_in_order(pull, count: int) -> None:
    for i in range(count):
        msg = pull.recv()
        assert msg[:8] == b"%08d" % i, f"message {i}: got #{msg[:8]!r}"
        assert len(msg) == MSG


@pytest.mark.parametrize("transport", ["tcp", "ipc"])
@pytest.mark.parametrize("pusher", ["pz", "lz"], ids=["pz-push", "lz-push"])
def test_push_blocks_when_pull_stops_reading(ctx, zctx, bind_endpoint, pusher, transport):
    contexts = {"pz": ctx, "lz": zctx}
    puller = "lz" if pusher == "pz" else "pz"
    push = make(contexts[pusher], "PUSH", sndhwm=HWM, sndbuf=KBUF)
    pull = make(contexts[puller], "PULL", rcvhwm=HWM, rcvbuf=KBUF)
    pull.bind(bind_endpoint(transport))
    push.connect(endpoint(pull))
    push.send(b"warm-up")
    assert pull.recv() == b"warm-up"

    sent = _fill(push, LIBS[pusher])
    assert sent < LIMIT, (f"{pusher} PUSH accepted {sent} x {MSG} bytes without ever "
                          f"blocking: the {puller} PULL side buffers without bound")
    assert sent >= HWM  # it did accept something before blocking
    # Nothing may be lost: the reader resumes and gets all of them in order.
    _drain_in_order(pull, sent)
    assert recv_or_none(pull, 50) is None
    push.send(b"after")
    assert pull.recv() == b"after"


@pytest.mark.parametrize("subscriber", ["lz", "pz"])
def test_purezmq_pub_drops_instead_of_blocking(ctx, zctx, bind_endpoint, subscriber):
    contexts = {"pz": ctx, "lz": zctx}
    pub = make(ctx, "PUB", sndhwm=HWM, sndbuf=KBUF)
    sub = make(contexts[subscriber], "SUB", rcvhwm=HWM, rcvbuf=KBUF)
    sub.subscribe(b"")
    pub.bind(bind_endpoint("tcp"))
    sub.connect(endpoint(pub))
    probe_until_received(pub, sub, prefix=b"~probe")
    payload = b"x" * (MSG - 8)
    for i in range(LIMIT // 4):
        pub.send(b"%08d" % i + payload, pz.DONTWAIT)  # never Again: PUB drops
    got = []
    while (msg := recv_or_none(sub, 300)) is not None:
        got.append(int(msg[0][:8]))
    assert got, "nothing arrived"
    assert got == sorted(set(got)), "reordered or duplicated messages"
    assert len(got) < LIMIT // 4, "a slow subscriber should have made the PUB drop"


@pytest.mark.parametrize("mandatory", [0, 1])
def test_purezmq_router_to_slow_libzmq_dealer(ctx, zctx, bind_endpoint, mandatory):
    """ROUTER at HWM: drops silently, or with ROUTER_MANDATORY says EAGAIN."""
    router = make(ctx, "ROUTER", sndhwm=HWM, sndbuf=KBUF, router_mandatory=mandatory)
    router.bind(bind_endpoint("tcp"))
    dealer = make(zctx, "DEALER", rcvhwm=HWM, rcvbuf=KBUF, routing_id=b"slow")
    dealer.connect(endpoint(router))
    dealer.send(b"hi")
    assert router.recv_multipart() == [b"slow", b"hi"]
    payload = b"x" * (MSG - 8)
    sent = 0
    while sent < LIMIT:
        try:
            router.send_multipart([b"slow", b"%08d" % sent + payload], pz.DONTWAIT)
            sent += 1
        except pz.Again:
            assert mandatory, "ROUTER without ROUTER_MANDATORY must drop, not raise EAGAIN"
            if not router.poll(300, pz.POLLOUT):
                break
    if mandatory:
        assert sent < LIMIT, "ROUTER_MANDATORY never reported a full peer"
        _drain_in_order(dealer, sent)
    else:
        assert sent == LIMIT
        got = []
        while (msg := recv_or_none(dealer, 300)) is not None:
            got.append(int(msg[0][:8]))
        assert got == sorted(set(got)) and len(got) < LIMIT


# -- LINGER: pending messages leave after close(), and term() returns ---------------

def _term_within(context, seconds: float) -> bool:
    done = threading.Event()
    threading.Thread(target=lambda: (context.term(), done.set()), daemon=True).start()
    return done.wait(seconds)


def _free_tcp_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


@pytest.mark.parametrize("linger", [-1, 1500])
def test_linger_delivers_to_peer_that_binds_after_close(zctx, linger):
    """Messages sent before any peer exists go out when the peer appears
    within LINGER after close(); then term() returns (libzmq: 0.3 s here)."""
    context = pz.Context()  # not the fixture: if term() hangs, leave it behind
    port = _free_tcp_port()
    push = context.socket(pz.PUSH)
    push.reconnect_ivl = 50
    push.connect(f"tcp://127.0.0.1:{port}")
    for i in range(10):
        push.send(b"%d" % i)
    push.close(linger=linger)
    time.sleep(0.2)
    pull = make(zctx, "PULL")
    pull.bind(f"tcp://127.0.0.1:{port}")
    assert [pull.recv() for _ in range(10)] == [b"%d" % i for i in range(10)]
    assert _term_within(context, 3.0), "Context.term() hung after a lingering close"


def test_linger_close_with_slow_reader_then_term(zctx, bind_endpoint):
    """close() while messages still wait for a slow reader: they are all
    delivered once it reads, other sockets of the context keep working,
    and term() returns."""
    context = pz.Context()
    pull = make(zctx, "PULL", rcvhwm=HWM, rcvbuf=KBUF)
    pull.bind(bind_endpoint("tcp"))
    push = context.socket(pz.PUSH)
    push.sndhwm = 1000
    push.sndbuf = KBUF
    push.connect(endpoint(pull))
    push.send(b"warm-up")
    assert pull.recv() == b"warm-up"
    payload = b"x" * (MSG - 8)
    for i in range(200):
        push.send(b"%08d" % i + payload)
    time.sleep(0.1)
    push.close(linger=5000)
    _drain_in_order(pull, 200)
    # The context's I/O thread still serves its other sockets.
    other = context.socket(pz.PAIR)
    other.linger = 0
    other.rcvtimeo = 2000
    peer = make(zctx, "PAIR")
    peer.bind(bind_endpoint("tcp"))
    other.connect(endpoint(peer))
    assert peer.poll(2000, zmq.POLLOUT), (
        "a new purezmq socket on the same context never connected: its I/O thread is stuck")
    peer.send(b"still alive?")
    assert other.recv() == b"still alive?"
    other.close()
    assert _term_within(context, 3.0), "Context.term() hung after a lingering close"
