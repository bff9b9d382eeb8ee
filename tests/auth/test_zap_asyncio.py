"""AsyncioAuthenticator (and the deprecated IOLoopAuthenticator) serving
ZAP requests on the running loop, on purezmq.asyncio contexts, including
a loop that cannot watch file descriptors."""

from __future__ import annotations

import asyncio
import importlib
import sys
import warnings

import pytest

import purezmq
import purezmq.asyncio as zaio
from purezmq.auth import CURVE_ALLOW_ANY
from purezmq.auth.asyncio import AsyncioAuthenticator
from purezmq.curve_keys import curve_keypair
from purezmq.utils import z85

from auth_util import NoAddReaderLoop, TIMEOUT_MS, ZAP, run, zap_reply, zap_request

LOOPS = [pytest.param(None, id="default"), pytest.param(NoAddReaderLoop, id="no-add-reader")]


async def _ask(sock, frames):
    await sock.send_multipart(frames)
    return [bytes(f) for f in await asyncio.wait_for(sock.recv_multipart(), TIMEOUT_MS / 1000)]


def _client(ctx):
    sock = ctx.socket(purezmq.REQ)
    sock.linger = 0
    sock.connect(ZAP)
    return sock


@pytest.fixture
def actx():
    c = zaio.Context()
    yield c
    c.destroy(linger=0)


@pytest.mark.parametrize("loop_factory", LOOPS)
def test_asyncio_authenticator(actx, loop_factory):
    public, _ = curve_keypair()

    class Provider:
        async def callback(self, domain, key):
            await asyncio.sleep(0.01)
            return key == public

    async def main():
        auth = AsyncioAuthenticator(actx)
        auth.start()
        sock = _client(actx)
        try:
            auth.allow("127.0.0.1")
            auth.configure_plain("*", {"admin": "secret"})
            auth.configure_curve_callback("*", Provider())
            assert await _ask(sock, zap_request(b"1", b"NULL")) == \
                zap_reply(b"1", b"200", b"OK", b"anonymous")
            assert await _ask(sock, zap_request(b"2", b"NULL", address=b"10.0.0.1")) == \
                zap_reply(b"2", b"400", b"Address not allowed")
            assert await _ask(sock, zap_request(b"3", b"PLAIN", b"admin", b"secret")) == \
                zap_reply(b"3", b"200", b"OK", b"admin")
            assert await _ask(sock, zap_request(b"4", b"PLAIN", b"admin", b"no")) == \
                zap_reply(b"4", b"400", b"Invalid password")
            assert await _ask(sock, zap_request(b"5", b"CURVE", z85.decode(public))) == \
                zap_reply(b"5", b"200", b"OK", public)
            other, _ = curve_keypair()
            assert await _ask(sock, zap_request(b"6", b"CURVE", z85.decode(other))) == \
                zap_reply(b"6", b"400", b"Unknown key")
            assert await _ask(sock, zap_request(b"7", b"NULL", version=b"9")) == \
                zap_reply(b"7", b"400", b"Invalid version")
        finally:
            sock.close(linger=0)
            auth.stop()

    run(main(), loop_factory)


def test_sync_client_from_another_thread(actx):
    # The authenticator runs on the loop; the client is a plain socket in a
    # worker thread of the same context.
    def ask_in_thread():
        sock = actx.socket(purezmq.REQ, socket_class=purezmq.Socket)
        sock.linger = 0
        sock.rcvtimeo = TIMEOUT_MS
        sock.connect(ZAP)
        try:
            sock.send_multipart(zap_request(b"1", b"PLAIN", b"u", b"p"))
            return sock.recv_multipart()
        finally:
            sock.close()

    async def main():
        auth = AsyncioAuthenticator(actx)
        auth.configure_plain("*", {"u": "p"})
        auth.start()
        try:
            return await asyncio.to_thread(ask_in_thread)
        finally:
            auth.stop()

    assert run(main()) == zap_reply(b"1", b"200", b"OK", b"u")


def test_stop_cancels_and_unbinds(actx):
    async def main():
        first = AsyncioAuthenticator(actx)
        first.start()
        task = first._task
        await asyncio.sleep(0.01)
        first.stop()
        await asyncio.sleep(0)
        assert task.cancelled() or task.done()
        assert first.zap_socket is None
        first.stop()  # twice is fine
        second = AsyncioAuthenticator(actx)
        second.start()
        sock = _client(actx)
        try:
            second.deny("127.0.0.1")
            assert await _ask(sock, zap_request(b"1", b"NULL")) == \
                zap_reply(b"1", b"400", b"Address denied")
        finally:
            sock.close(linger=0)
            second.stop()

    run(main())


def test_loop_argument_is_deprecated(actx):
    async def main():
        with pytest.warns(DeprecationWarning):
            AsyncioAuthenticator(actx, loop=asyncio.get_running_loop())

    run(main())


def test_exception_in_provider_answers_500(actx):
    class Broken:
        async def callback(self, domain, key):
            raise RuntimeError("no")

    async def main():
        auth = AsyncioAuthenticator(actx)
        auth.configure_curve_callback("*", Broken())
        auth.start()
        sock = _client(actx)
        key, _ = curve_keypair()
        try:
            assert await _ask(sock, zap_request(b"1", b"CURVE", z85.decode(key))) == \
                zap_reply(b"1", b"500", b"Internal error")
            assert await _ask(sock, zap_request(b"2", b"NULL")) == \
                zap_reply(b"2", b"200", b"OK", b"anonymous")
        finally:
            sock.close(linger=0)
            auth.stop()

    run(main())


def test_ioloop_authenticator_is_deprecated(actx):
    sys.modules.pop("purezmq.auth.ioloop", None)
    with pytest.warns(DeprecationWarning):
        mod = importlib.import_module("purezmq.auth.ioloop")
    assert issubclass(mod.IOLoopAuthenticator, AsyncioAuthenticator)

    async def main():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            auth = mod.IOLoopAuthenticator(actx)
        auth.configure_curve("*", CURVE_ALLOW_ANY)
        auth.start()
        sock = _client(actx)
        key, _ = curve_keypair()
        try:
            assert await _ask(sock, zap_request(b"1", b"CURVE", z85.decode(key))) == \
                zap_reply(b"1", b"200", b"OK", key)
        finally:
            sock.close(linger=0)
            auth.stop()

    run(main())


def test_same_replies_as_pyzmq_asyncio(actx, ref_ctx):
    """pyzmq's AsyncioAuthenticator and purezmq's, same policy, same requests."""
    if ref_ctx is None:
        pytest.skip("pyzmq is not installed")
    import zmq
    import zmq.asyncio
    import zmq.auth.asyncio

    zref = zmq.asyncio.Context(ref_ctx)
    public, _ = curve_keypair()
    requests = [
        zap_request(b"1", b"NULL"),
        zap_request(b"2", b"NULL", address=b"10.6.6.6"),
        zap_request(b"3", b"PLAIN", b"admin", b"secret"),
        zap_request(b"4", b"PLAIN", b"admin", b"secret", address=b"10.6.6.6"),
        zap_request(b"5", b"PLAIN", b"root", b"secret"),
        zap_request(b"6", b"PLAIN", b"admin", b"secret", domain=b"d"),
        zap_request(b"7", b"CURVE", z85.decode(public)),
        zap_request(b"8", b"GSSAPI", b"p@R"),
        zap_request(b"9", b"XYZ"),
        [b"1.0", b"10", b"", b""],
        zap_request(b"11", b"NULL", version=b"1.1"),
    ]

    def configure(auth):
        auth.deny("10.6.6.6")
        auth.configure_plain("*", {"admin": "secret"})
        auth.configure_curve("*", CURVE_ALLOW_ANY)

    async def replies(auth_cls, ctx, req_type):
        auth = auth_cls(ctx)
        configure(auth)
        auth.start()
        sock = ctx.socket(req_type)
        sock.linger = 0
        sock.connect(ZAP)
        try:
            return [await _ask(sock, r) for r in requests]
        finally:
            sock.close(linger=0)
            auth.stop()

    async def main():
        ours = await replies(AsyncioAuthenticator, actx, purezmq.REQ)
        theirs = await replies(zmq.auth.asyncio.AsyncioAuthenticator, zref, zmq.REQ)
        return ours, theirs

    ours, theirs = run(main())
    assert ours == theirs
    # (XYZ passes: an address not on the blacklist counts as allowed.)
    assert [r[2] for r in ours] == [b"200", b"400", b"200", b"400", b"400", b"400",
                                    b"200", b"200", b"200", b"400", b"400"]
