"""The bare Authenticator: no thread, no loop; the test reads the ZAP
socket itself and hands each request to handle_zap_message, as pyzmq's
documentation shows."""

from __future__ import annotations

import asyncio
import inspect

import pytest

import purezmq
from purezmq.auth import CURVE_ALLOW_ANY, Authenticator
from purezmq.auth.base import VERSION
from purezmq.curve_keys import curve_keypair
from purezmq.utils import z85

from auth_util import TIMEOUT_MS, Client, zap_reply, zap_request


@pytest.fixture
def auth(ctx):
    a = Authenticator(ctx)
    a.start()
    yield a
    a.stop()


@pytest.fixture
def client(ctx, auth):
    c = Client(purezmq, ctx)
    yield c
    c.close()


def _serve_one(auth: Authenticator) -> None:
    assert auth.zap_socket.poll(TIMEOUT_MS), "no ZAP request arrived"
    msg = auth.zap_socket.recv_multipart()
    asyncio.run(asyncio.wait_for(auth.handle_zap_message(msg), 5))


def _ask(auth, client, frames):
    client.sock.send_multipart(frames)
    _serve_one(auth)
    return [bytes(f) for f in client.sock.recv_multipart()]


def test_api_shape(ctx):
    a = Authenticator(ctx)
    assert inspect.iscoroutinefunction(a.handle_zap_message)  # as pyzmq 27
    assert VERSION == b"1.0"
    assert CURVE_ALLOW_ANY == "*"
    assert a.zap_socket is None
    assert a.encoding == "utf-8"
    assert a.log.name == "zmq.auth"
    assert a.passwords == {} and a.certs == {} and a.credentials_providers == {}
    assert a.allow_any is False


def test_zap_socket_is_a_sync_rep(auth):
    assert isinstance(auth.zap_socket, purezmq.Socket)
    assert auth.zap_socket.socket_type == purezmq.REP
    assert auth.zap_socket.linger == 1


def test_on_an_asyncio_context_the_zap_socket_is_still_sync():
    import purezmq.asyncio as zaio

    c = zaio.Context()
    a = Authenticator(c)
    a.start()
    try:
        assert type(a.zap_socket) is purezmq.Socket
    finally:
        a.stop()
        c.destroy(linger=0)


def test_handle_messages_by_hand(auth, client):
    auth.configure_plain("*", {"u": "p"})
    assert _ask(auth, client, zap_request(b"1", b"NULL")) == \
        zap_reply(b"1", b"200", b"OK", b"anonymous")
    assert _ask(auth, client, zap_request(b"2", b"PLAIN", b"u", b"p")) == \
        zap_reply(b"2", b"200", b"OK", b"u")
    assert _ask(auth, client, zap_request(b"3", b"PLAIN", b"u", b"x")) == \
        zap_reply(b"3", b"400", b"Invalid password")
    assert _ask(auth, client, zap_request(b"4", b"NULL", version=b"0.9")) == \
        zap_reply(b"4", b"400", b"Invalid version")


def test_frames_as_memoryviews(auth, client):
    # handle_zap_message takes frames as a copy=False receive gives them too.
    client.sock.send_multipart(zap_request(b"1", b"NULL"))
    assert auth.zap_socket.poll(TIMEOUT_MS)
    frames = auth.zap_socket.recv_multipart(copy=False)
    asyncio.run(asyncio.wait_for(auth.handle_zap_message(frames), 5))
    assert client.sock.recv_multipart() == zap_reply(b"1", b"200", b"OK", b"anonymous")


def test_curve_allow_any(auth, client):
    public, _ = curve_keypair()
    auth.configure_curve(location=CURVE_ALLOW_ANY)
    assert auth.allow_any
    assert _ask(auth, client, zap_request(b"1", b"CURVE", z85.decode(public))) == \
        zap_reply(b"1", b"200", b"OK", public)


def test_other_encoding(ctx):
    a = Authenticator(ctx, encoding="latin-1")
    a.start()
    c = Client(purezmq, ctx)
    try:
        a.configure_plain("*", {"jörg": "pw"})
        name = "jörg".encode("latin-1")
        assert _ask(a, c, zap_request(b"1", b"PLAIN", name, b"pw")) == \
            zap_reply(b"1", b"200", b"OK", name)
    finally:
        c.close()
        a.stop()


def test_custom_logger(ctx):
    import logging

    log = logging.getLogger("purezmq-auth-test")
    assert Authenticator(ctx, log=log).log is log


def test_stop_then_start_again(ctx):
    a = Authenticator(ctx)
    a.start()
    a.stop()
    assert a.zap_socket is None
    a.stop()
    b = Authenticator(ctx)
    b.start()  # the endpoint is free again
    b.stop()
