"""CURVE MESSAGE coding has two paths: libsodium's in-place *_easy_afternm
through PyNaCl's cffi module (fewer copies), and PyNaCl's wrappers (for a
PyNaCl without them).  Both talk to libzmq, both ways, with frames of every
size and with commands (subscriptions) inside MESSAGE boxes."""

from __future__ import annotations

import pytest

import purezmq as pz

zmq = pytest.importorskip("zmq")
pytest.importorskip("nacl")
from purezmq.zmtp.mechanisms import curve  # noqa: E402

PARTS = [b"", b"s", b"m" * 300, b"L" * (1 << 20)]


@pytest.fixture(params=["in-place", "pynacl-wrappers"])
def coding(request, monkeypatch):
    if request.param == "pynacl-wrappers":
        monkeypatch.setattr(curve, "_sodium_easy", lambda: None)
    elif curve._sodium_easy() is None:
        pytest.skip("this PyNaCl has no crypto_box_easy_afternm")
    return request.param


def _secure(sock, server_keys, client_keys=None, server=False):
    sock.linger = 0
    sock.rcvtimeo = 5000
    if server:
        sock.curve_server = True
        sock.curve_publickey, sock.curve_secretkey = server_keys
    else:
        sock.curve_publickey, sock.curve_secretkey = client_keys
        sock.curve_serverkey = server_keys[0]


@pytest.mark.timeout(60)
@pytest.mark.parametrize("purezmq_is", ["server", "client"])
def test_messages_both_ways_with_libzmq(coding, purezmq_is):
    skeys, ckeys = zmq.curve_keypair(), zmq.curve_keypair()
    pctx, lctx = pz.Context(), zmq.Context()
    try:
        smod, sctx = (pz, pctx) if purezmq_is == "server" else (zmq, lctx)
        cmod, cctx = (zmq, lctx) if purezmq_is == "server" else (pz, pctx)
        router = sctx.socket(smod.ROUTER)
        _secure(router, skeys, server=True)
        port = router.bind_to_random_port("tcp://127.0.0.1")
        dealer = cctx.socket(cmod.DEALER)
        _secure(dealer, skeys, ckeys)
        dealer.connect(f"tcp://127.0.0.1:{port}")
        for _ in range(3):
            dealer.send_multipart(PARTS)
            ident, *got = router.recv_multipart()
            assert got == PARTS
            router.send_multipart([ident, *reversed(PARTS)])
            assert dealer.recv_multipart() == list(reversed(PARTS))
    finally:
        pctx.destroy(0)
        lctx.destroy(0)


@pytest.mark.timeout(60)
def test_subscriptions_travel_inside_boxes(coding):
    skeys, ckeys = zmq.curve_keypair(), zmq.curve_keypair()
    pctx, lctx = pz.Context(), zmq.Context()
    try:
        pub = lctx.socket(zmq.XPUB)
        _secure(pub, skeys, server=True)
        port = pub.bind_to_random_port("tcp://127.0.0.1")
        sub = pctx.socket(pz.SUB)
        _secure(sub, skeys, ckeys)
        sub.connect(f"tcp://127.0.0.1:{port}")
        sub.subscribe(b"news")
        assert pub.recv() == b"\x01news"  # a SUBSCRIBE command, decrypted by libzmq
        pub.send_multipart([b"news", b"x" * 5000])
        pub.send_multipart([b"other", b"dropped"])
        pub.send(b"news again")
        assert sub.recv_multipart() == [b"news", b"x" * 5000]
        assert sub.recv() == b"news again"
    finally:
        pctx.destroy(0)
        lctx.destroy(0)
