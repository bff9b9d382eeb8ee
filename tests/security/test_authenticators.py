"""The real authenticators against the other library: a purezmq client
against libzmq guarded by pyzmq's ThreadAuthenticator, and a libzmq client
against purezmq guarded by purezmq.auth's ThreadAuthenticator, for PLAIN and
CURVE, over tcp and ipc, for REQ/REP, DEALER/ROUTER and PUB/SUB.  And
purezmq without PyNaCl: NULL and PLAIN work, CURVE says what it needs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import purezmq as pz
from purezmq.auth.thread import ThreadAuthenticator as PzAuthenticator
from .test_plain import PAIRS, endpoint, exchange, make

zmq = pytest.importorskip("zmq")
from zmq.auth.thread import ThreadAuthenticator as LzAuthenticator  # noqa: E402

SRC = Path(__file__).resolve().parents[2] / "src"
DIRECTIONS = [("pz", "lz"), ("lz", "pz")]  # (client side, server side)


@pytest.fixture
def contexts():
    ours, theirs = pz.Context(), zmq.Context()
    yield {"pz": (pz, ours, PzAuthenticator), "lz": (zmq, theirs, LzAuthenticator)}
    ours.destroy(0)
    theirs.destroy(0)


@pytest.mark.parametrize("transport", ["tcp", "ipc"])
@pytest.mark.parametrize("ctype,stype", PAIRS)
@pytest.mark.parametrize("client_side,server_side", DIRECTIONS)
def test_plain_with_the_real_authenticators(contexts, tmp_path, transport, ctype, stype,
                                            client_side, server_side):
    smod, sctx, Auth = contexts[server_side]
    cmod, cctx, _ = contexts[client_side]
    auth = Auth(sctx)
    auth.start()
    try:
        auth.configure_plain(domain="*", passwords={"admin": "secret"})
        server = make(smod, sctx, stype, plain_server=1)
        server.bind(endpoint(transport, tmp_path))
        address = server.getsockopt(smod.LAST_ENDPOINT).decode()
        bad = make(cmod, cctx, ctype, plain_username=b"admin", plain_password=b"wrong")
        bad.connect(address)
        if ctype != "SUB":
            bad.send(b"sneaky")
            assert not server.poll(300), "an unauthenticated peer's message arrived"
        client = make(cmod, cctx, ctype, plain_username=b"admin", plain_password=b"secret")
        client.connect(address)
        assert exchange(client, server, ctype)
        for s in (bad, client, server):
            s.close()
    finally:
        auth.stop()


@pytest.mark.parametrize("transport", ["tcp", "ipc"])
@pytest.mark.parametrize("ctype,stype", PAIRS)
@pytest.mark.parametrize("client_side,server_side", DIRECTIONS)
def test_curve_with_the_real_authenticators(contexts, tmp_path, transport, ctype, stype,
                                            client_side, server_side):
    pytest.importorskip("nacl")
    smod, sctx, Auth = contexts[server_side]
    cmod, cctx, _ = contexts[client_side]
    keys = tmp_path / "keys"
    keys.mkdir()
    # The allowed client's certificate, written by the server side's library.
    smod.auth.create_certificates(str(keys), "client")
    client_public, client_secret = smod.auth.load_certificate(str(keys / "client.key_secret"))
    server_public, server_secret = smod.curve_keypair()
    rogue_public, rogue_secret = cmod.curve_keypair()
    auth = Auth(sctx)
    auth.start()
    try:
        auth.configure_curve(domain="*", location=str(keys))
        server = make(smod, sctx, stype, curve_server=1, curve_secretkey=server_secret)
        server.bind(endpoint(transport, tmp_path))
        address = server.getsockopt(smod.LAST_ENDPOINT).decode()
        rogue = make(cmod, cctx, ctype, curve_serverkey=server_public,
                     curve_publickey=rogue_public, curve_secretkey=rogue_secret)
        rogue.connect(address)
        if ctype != "SUB":
            rogue.send(b"sneaky")
            assert not server.poll(300), "an unknown key's message arrived"
        client = make(cmod, cctx, ctype, curve_serverkey=server_public,
                      curve_publickey=client_public, curve_secretkey=client_secret)
        client.connect(address)
        assert exchange(client, server, ctype)
        for s in (rogue, client, server):
            s.close()
    finally:
        auth.stop()


def test_without_pynacl_null_and_plain_work_and_curve_says_why():
    code = r'''
import sys
sys.modules["nacl"] = None          # as if PyNaCl were not installed
sys.modules["nacl.bindings"] = None
import purezmq as zmq
ctx = zmq.Context()
a, b = ctx.socket(zmq.PAIR), ctx.socket(zmq.PAIR)
port = a.bind_to_random_port("tcp://127.0.0.1")
b.connect("tcp://127.0.0.1:%d" % port)
b.send(b"null works")
a.rcvtimeo = 5000
print(a.recv().decode())
print(zmq.has("curve"))
try:
    a.curve_server = 1
except zmq.ZMQError as e:
    print(e.errno == zmq.EINVAL, e)
public, secret = zmq.curve_keypair()   # key generation needs no PyNaCl
print(zmq.curve_public(secret) == public)
a.close(0); b.close(0); ctx.term()
'''
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")]))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60, env=env)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0] == "null works"
    assert lines[1] == "False"
    assert lines[2].startswith("True") and "pip install pynacl" in lines[2]
    assert lines[3] == "True"
