"""The authenticator behind real PLAIN and CURVE handshakes over TCP.

The mechanisms are new in purezmq; these tests skip (rather than fail)
where a security option is not accepted at all."""

from __future__ import annotations

import pytest

import purezmq
import purezmq.auth
from purezmq.auth import create_certificates, load_certificate
from purezmq.auth.thread import ThreadAuthenticator

from auth_util import serving

TIMEOUT_MS = 3000
REFUSED_MS = 500  # how long a refused client waits for a reply that never comes


def _set(sock, **options):
    try:
        for name, value in options.items():
            setattr(sock, name, value)
    except (AttributeError, purezmq.ZMQError) as e:
        sock.close(linger=0)
        pytest.skip(f"security option not supported yet: {e}")


def _server(ctx, **options):
    sock = ctx.socket(purezmq.REP)
    sock.linger = 0
    sock.rcvtimeo = sock.sndtimeo = TIMEOUT_MS
    _set(sock, **options)
    port = sock.bind_to_random_port("tcp://127.0.0.1")
    return sock, f"tcp://127.0.0.1:{port}"


def _exchange(lib, ctx, endpoint, server, **client_options):
    """Send from a new client; the User-Id the server saw, or None if refused."""
    client = ctx.socket(lib.REQ)
    client.linger = 0
    client.rcvtimeo = client.sndtimeo = TIMEOUT_MS
    for name, value in client_options.items():
        setattr(client, name, value)
    client.connect(endpoint)
    try:
        client.send(b"hello")
        if not server.poll(REFUSED_MS):
            return None
        msg = server.recv(copy=False)
        assert msg.bytes == b"hello"
        server.send(b"welcome")
        assert client.recv() == b"welcome"
        return msg.get("User-Id")
    finally:
        client.close(linger=0)


def test_plain(ctx):
    with serving(ThreadAuthenticator, purezmq, ctx,
                 lambda a: a.configure_plain("*", {"admin": "secret"})):
        server, endpoint = _server(ctx, plain_server=True)
        try:
            assert _exchange(purezmq, ctx, endpoint, server,
                             plain_username=b"admin", plain_password=b"secret") == "admin"
            assert _exchange(purezmq, ctx, endpoint, server,
                             plain_username=b"admin", plain_password=b"wrong") is None
        finally:
            server.close(linger=0)


@pytest.mark.skipif(not purezmq.has("curve"), reason="CURVE not available")
@pytest.mark.parametrize("client_lib", ["purezmq", "pyzmq"])
def test_curve_certificate_directory(ctx, tmp_path, client_lib):
    if client_lib == "pyzmq":
        lib = pytest.importorskip("zmq")
        import zmq.auth as certs  # keys made and read by pyzmq
        cctx = lib.Context()
    else:
        lib, certs, cctx = purezmq, None, ctx
    trusted = tmp_path / "trusted"
    trusted.mkdir()
    make = (certs or purezmq.auth).create_certificates
    load = (certs or purezmq.auth).load_certificate
    server_public, server_secret = load_certificate(create_certificates(tmp_path, "server")[1])
    client_public, client_secret = load(make(str(trusted), "client")[1])
    stranger_public, stranger_secret = load(make(str(tmp_path), "stranger")[1])
    try:
        with serving(ThreadAuthenticator, purezmq, ctx,
                     lambda a: a.configure_curve("*", trusted)):
            server, endpoint = _server(ctx, curve_server=True, curve_publickey=server_public,
                                       curve_secretkey=server_secret)
            try:
                assert _exchange(lib, cctx, endpoint, server, curve_serverkey=server_public,
                                 curve_publickey=client_public,
                                 curve_secretkey=client_secret) == client_public.decode()
                assert _exchange(lib, cctx, endpoint, server, curve_serverkey=server_public,
                                 curve_publickey=stranger_public,
                                 curve_secretkey=stranger_secret) is None
            finally:
                server.close(linger=0)
    finally:
        if cctx is not ctx:
            cctx.destroy(linger=0)
