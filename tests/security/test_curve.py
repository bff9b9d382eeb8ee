"""CURVE (RFC 26) over real sockets: purezmq and libzmq in both directions,
ZAP on the server side, and the failures libzmq reports."""

from __future__ import annotations

import pytest

import purezmq as pz
import purezmq.utils.z85
from .test_plain import PAIRS, endpoint, exchange, make
from .zap_helpers import ZapHandler, events_until

zmq = pytest.importorskip("zmq")
pytest.importorskip("nacl")
SERVER_PUBLIC, SERVER_SECRET = zmq.curve_keypair()
CLIENT_PUBLIC, CLIENT_SECRET = zmq.curve_keypair()
ROGUE_PUBLIC, ROGUE_SECRET = zmq.curve_keypair()


def client_opts(server_key=SERVER_PUBLIC, public=CLIENT_PUBLIC, secret=CLIENT_SECRET):
    return {"curve_serverkey": server_key, "curve_publickey": public, "curve_secretkey": secret}


def key_decider(allowed):
    from purezmq.utils import z85

    def decide(request):
        key = request[6]
        if z85.encode(key) in allowed:
            return b"200", z85.encode(key)
        return b"400", b""
    return decide


@pytest.fixture
def contexts():
    ours, theirs = pz.Context(), zmq.Context()
    yield ours, theirs
    ours.destroy(0)
    theirs.destroy(0)


def sides(contexts, client_side, server_side):
    mods = {"pz": (pz, contexts[0]), "lz": (zmq, contexts[1])}
    return mods[server_side] + mods[client_side]


@pytest.mark.parametrize("transport", ["tcp", "ipc"])
@pytest.mark.parametrize("ctype,stype", PAIRS)
@pytest.mark.parametrize("client_side,server_side", [("pz", "pz"), ("pz", "lz"), ("lz", "pz")])
def test_curve_interop_with_zap(contexts, tmp_path, transport, ctype, stype, client_side,
                                server_side):
    smod, sctx, cmod, cctx = sides(contexts, client_side, server_side)
    zap = ZapHandler(smod, sctx, key_decider({CLIENT_PUBLIC}))
    try:
        server = make(smod, sctx, stype, curve_server=1, curve_secretkey=SERVER_SECRET)
        server.bind(endpoint(transport, tmp_path))
        client = make(cmod, cctx, ctype, **client_opts())
        client.connect(server.getsockopt(smod.LAST_ENDPOINT).decode())
        assert exchange(client, server, ctype)
        assert zap.requests[0][5] == b"CURVE"
        assert zap.requests[0][6] == pz.utils.z85.decode(CLIENT_PUBLIC)
        client.close()
        server.close()
    finally:
        zap.stop()


@pytest.mark.parametrize("client_side,server_side", [("pz", "pz"), ("pz", "lz"), ("lz", "pz")])
def test_without_zap_handler_any_client_knowing_the_key_gets_in(contexts, client_side,
                                                                  server_side):
    smod, sctx, cmod, cctx = sides(contexts, client_side, server_side)
    server = make(smod, sctx, "ROUTER", curve_server=1, curve_secretkey=SERVER_SECRET)
    port = server.bind_to_random_port("tcp://127.0.0.1")
    client = make(cmod, cctx, "DEALER", **client_opts(public=ROGUE_PUBLIC, secret=ROGUE_SECRET))
    client.connect("tcp://127.0.0.1:%d" % port)
    assert exchange(client, server, "DEALER")
    client.close()
    server.close()


@pytest.mark.parametrize("client_side,server_side", [("pz", "pz"), ("pz", "lz"), ("lz", "pz")])
def test_unknown_key_refused_then_good_client_served(contexts, client_side, server_side):
    smod, sctx, cmod, cctx = sides(contexts, client_side, server_side)
    zap = ZapHandler(smod, sctx, key_decider({CLIENT_PUBLIC}))
    try:
        server = make(smod, sctx, "ROUTER", curve_server=1, curve_secretkey=SERVER_SECRET)
        server_mon = server.get_monitor_socket()
        port = server.bind_to_random_port("tcp://127.0.0.1")
        rogue = make(cmod, cctx, "DEALER",
                     **client_opts(public=ROGUE_PUBLIC, secret=ROGUE_SECRET))
        rogue_mon = rogue.get_monitor_socket()
        rogue.connect("tcp://127.0.0.1:%d" % port)
        rogue.send(b"let me in")
        assert events_until(cmod, rogue_mon, {zmq.EVENT_HANDSHAKE_FAILED_AUTH})[-1] == (
            zmq.EVENT_HANDSHAKE_FAILED_AUTH, 400)
        assert events_until(smod, server_mon, {zmq.EVENT_HANDSHAKE_FAILED_AUTH})[-1] == (
            zmq.EVENT_HANDSHAKE_FAILED_AUTH, 400)
        assert not server.poll(200)
        good = make(cmod, cctx, "DEALER", **client_opts())
        good.connect("tcp://127.0.0.1:%d" % port)
        good.send(b"hello")
        assert server.poll(3000)
        frame = server.recv_multipart(copy=False)[-1]
        assert frame.bytes == b"hello"
        assert frame.get("User-Id") == CLIENT_PUBLIC.decode()
        for s in (rogue, good, server, rogue_mon, server_mon):
            s.close()
    finally:
        zap.stop()


@pytest.mark.parametrize("client_side,server_side", [("pz", "pz"), ("pz", "lz"), ("lz", "pz")])
def test_wrong_server_key_fails_cryptographically(contexts, client_side, server_side):
    """A client with the wrong server key: the server's HELLO box does not
    open (libzmq: HANDSHAKE_FAILED_PROTOCOL, ZMTP_CRYPTOGRAPHIC)."""
    smod, sctx, cmod, cctx = sides(contexts, client_side, server_side)
    server = make(smod, sctx, "PULL", curve_server=1, curve_secretkey=SERVER_SECRET)
    mon = server.get_monitor_socket()
    port = server.bind_to_random_port("tcp://127.0.0.1")
    client = make(cmod, cctx, "PUSH", **client_opts(server_key=ROGUE_PUBLIC))
    client.connect("tcp://127.0.0.1:%d" % port)
    client.send(b"x")
    got = events_until(smod, mon, {zmq.EVENT_HANDSHAKE_FAILED_PROTOCOL})
    assert got[-1] == (zmq.EVENT_HANDSHAKE_FAILED_PROTOCOL, zmq.PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC)
    assert not server.poll(200)
    for s in (client, server, mon):
        s.close()


def test_curve_keys_as_binary_or_z85(contexts):
    from purezmq.utils import z85
    ctx = contexts[0]
    server = make(pz, ctx, "PAIR", curve_server=1, curve_secretkey=z85.decode(SERVER_SECRET))
    port = server.bind_to_random_port("tcp://127.0.0.1")
    client = make(pz, ctx, "PAIR", curve_serverkey=z85.decode(SERVER_PUBLIC),
                  curve_publickey=CLIENT_PUBLIC, curve_secretkey=z85.decode(CLIENT_SECRET))
    client.connect("tcp://127.0.0.1:%d" % port)
    assert exchange(client, server, "PAIR")
    with pytest.raises(pz.ZMQError) as e:
        client.curve_secretkey = b"too short"
    assert e.value.errno == pz.EINVAL
    client.close()
    server.close()
