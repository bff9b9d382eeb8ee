"""PLAIN (RFC 24) with ZAP (RFC 27): between purezmq sockets and against
libzmq in both directions, with the failures libzmq reports."""

from __future__ import annotations

import os

import pytest

import purezmq as pz
from .zap_helpers import ZapHandler, events_until, plain_decider

zmq = pytest.importorskip("zmq")
PASSWORDS = {b"admin": b"secret"}
PAIRS = [("REQ", "REP"), ("DEALER", "ROUTER"), ("SUB", "PUB")]


def endpoint(transport, tmp_path):
    return "tcp://127.0.0.1:*" if transport == "tcp" else f"ipc://{tmp_path}/plain.ipc"


def exchange(client, server, ctype):
    """One message each way (PUB/SUB: server to client only); True if it got through."""
    if ctype == "SUB":
        client.setsockopt(zmq.SUBSCRIBE if not isinstance(client, pz.Socket) else pz.SUBSCRIBE, b"")
        for _ in range(50):
            server.send(b"news")
            if client.poll(100):
                return client.recv() == b"news"
        return False
    client.send(b"ping")
    if not server.poll(2000):
        return False
    frames = server.recv_multipart()
    server.send_multipart(frames[:-1] + [b"pong"])
    return client.poll(2000) and client.recv() == b"pong"


def make(module, ctx, kind, **opts):
    s = ctx.socket(getattr(module, kind))
    s.linger = 0
    for k, v in opts.items():
        setattr(s, k, v)
    return s


@pytest.fixture
def contexts():
    ours, theirs = pz.Context(), zmq.Context()
    yield ours, theirs
    ours.destroy(0)
    theirs.destroy(0)


@pytest.mark.parametrize("transport", ["tcp", "ipc"])
@pytest.mark.parametrize("ctype,stype", PAIRS)
@pytest.mark.parametrize("client_side,server_side", [("pz", "pz"), ("pz", "lz"), ("lz", "pz")])
def test_plain_interop(contexts, tmp_path, transport, ctype, stype, client_side, server_side):
    mods = {"pz": (pz, contexts[0]), "lz": (zmq, contexts[1])}
    smod, sctx = mods[server_side]
    cmod, cctx = mods[client_side]
    zap = ZapHandler(smod, sctx, plain_decider(PASSWORDS))
    try:
        server = make(smod, sctx, stype, plain_server=1)
        server.bind(endpoint(transport, tmp_path))
        client = make(cmod, cctx, ctype, plain_username=b"admin", plain_password=b"secret")
        client.connect(server.getsockopt(smod.LAST_ENDPOINT).decode())
        assert exchange(client, server, ctype)
        assert zap.requests[0][5:] == [b"PLAIN", b"admin", b"secret"]
        address = zap.requests[0][3]
        if transport == "tcp":
            assert address == b"127.0.0.1"
        else:  # libzmq: "localhost:uid:gid:pid" of the peer process
            assert address == b"localhost:%d:%d:%d" % (os.getuid(), os.getgid(), os.getpid())
        client.close()
        server.close()
    finally:
        zap.stop()


@pytest.mark.parametrize("client_side,server_side", [("pz", "pz"), ("pz", "lz"), ("lz", "pz")])
def test_wrong_password_is_refused_then_a_good_client_served(contexts, client_side, server_side):
    mods = {"pz": (pz, contexts[0]), "lz": (zmq, contexts[1])}
    smod, sctx = mods[server_side]
    cmod, cctx = mods[client_side]
    zap = ZapHandler(smod, sctx, plain_decider(PASSWORDS))
    try:
        server = make(smod, sctx, "ROUTER", plain_server=1)
        server_mon = server.get_monitor_socket()
        port = server.bind_to_random_port("tcp://127.0.0.1")
        bad = make(cmod, cctx, "DEALER", plain_username=b"admin", plain_password=b"nope")
        bad_mon = bad.get_monitor_socket()
        bad.connect("tcp://127.0.0.1:%d" % port)
        bad.send(b"sneaky")
        # libzmq's events for a ZAP refusal (status 400): both sides AUTH 400.
        got = events_until(cmod, bad_mon, {zmq.EVENT_HANDSHAKE_FAILED_AUTH})
        assert got[-1] == (zmq.EVENT_HANDSHAKE_FAILED_AUTH, 400)
        got = events_until(smod, server_mon, {zmq.EVENT_HANDSHAKE_FAILED_AUTH})
        assert got[-1] == (zmq.EVENT_HANDSHAKE_FAILED_AUTH, 400)
        assert not server.poll(200), "a message from an unauthenticated peer arrived"
        good = make(cmod, cctx, "DEALER", plain_username=b"admin", plain_password=b"secret")
        good.connect("tcp://127.0.0.1:%d" % port)
        good.send(b"hello")
        assert server.poll(3000)
        frame = server.recv_multipart(copy=False)[-1]
        assert frame.bytes == b"hello"
        assert frame.get("User-Id") == "admin"
        for s in (bad, good, server, bad_mon, server_mon):
            s.close()
    finally:
        zap.stop()


@pytest.mark.parametrize("server_side", ["pz", "lz"])
def test_plain_server_without_zap_handler_refuses(contexts, server_side):
    """libzmq 4.3: no ZAP handler, no PLAIN client gets in
    (HANDSHAKE_FAILED_NO_DETAIL with EFAULT on the server)."""
    smod, sctx = {"pz": (pz, contexts[0]), "lz": (zmq, contexts[1])}[server_side]
    server = make(smod, sctx, "PULL", plain_server=1)
    mon = server.get_monitor_socket()
    port = server.bind_to_random_port("tcp://127.0.0.1")
    client = make(pz, contexts[0], "PUSH", plain_username=b"a", plain_password=b"b")
    client.connect("tcp://127.0.0.1:%d" % port)
    client.send(b"x")
    got = events_until(smod, mon, {zmq.EVENT_HANDSHAKE_FAILED_NO_DETAIL})
    assert got[-1] == (zmq.EVENT_HANDSHAKE_FAILED_NO_DETAIL, 14)  # EFAULT
    assert not server.poll(200)
    for s in (client, server, mon):
        s.close()


@pytest.mark.parametrize("client_side,server_side", [("pz", "pz"), ("pz", "lz"), ("lz", "pz")])
def test_client_refused_by_hangup_keeps_queue_and_redials(contexts, client_side, server_side):
    """A server that refuses mid-handshake without an ERROR (no ZAP handler
    yet: it hangs up, or stays silent until the handshake deadline) costs
    the client nothing: as in libzmq the client treats it as a lost
    connection, keeps its queued message and redials, so once the server's
    ZAP handler is up the message arrives."""
    mods = {"pz": (pz, contexts[0]), "lz": (zmq, contexts[1])}
    smod, sctx = mods[server_side]
    cmod, cctx = mods[client_side]
    server = make(smod, sctx, "PULL", plain_server=1)
    mon = server.get_monitor_socket()
    port = server.bind_to_random_port("tcp://127.0.0.1")
    # HANDSHAKE_IVL: a libzmq server without a ZAP handler usually leaves the
    # refused connection open, silent (libzmq-to-libzmq too): a client only
    # gives up on it at its handshake deadline, and then redials.
    client = make(cmod, cctx, "PUSH", plain_username=b"admin", plain_password=b"secret",
                  reconnect_ivl=50, handshake_ivl=300)
    client.connect("tcp://127.0.0.1:%d" % port)
    events_until(smod, mon, {zmq.EVENT_HANDSHAKE_FAILED_NO_DETAIL})
    events_until(smod, mon, {zmq.EVENT_ACCEPTED})  # the client came back on its own
    client.send(b"queued", cmod.NOBLOCK)  # its connect() still holds a queue
    zap = ZapHandler(smod, sctx, plain_decider(PASSWORDS))
    try:
        assert server.poll(5000), "the client stopped redialling"
        assert server.recv() == b"queued"
    finally:
        zap.stop()
    for s in (client, server, mon):
        s.close()


def test_mechanism_mismatch_is_refused(contexts):
    """A PLAIN client and a NULL server never exchange a message."""
    server = make(pz, contexts[0], "PULL")
    port = server.bind_to_random_port("tcp://127.0.0.1")
    client = make(zmq, contexts[1], "PUSH", plain_username=b"a", plain_password=b"b")
    client.connect("tcp://127.0.0.1:%d" % port)
    client.send(b"x")
    assert not server.poll(300)
    client.close()
    server.close()
