"""Random and mutated handshake bytes sent to PLAIN and CURVE servers over
TCP: each bad connection is dropped cleanly and the server keeps serving
good clients."""

from __future__ import annotations

import socket
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import purezmq as pz
import purezmq.utils.z85
from .zap_helpers import ZapHandler, plain_decider

pytest.importorskip("nacl")
SERVER_PUBLIC, SERVER_SECRET = pz.curve_keypair()
CLIENT_PUBLIC, CLIENT_SECRET = pz.curve_keypair()


def greeting(mechanism: bytes) -> bytes:
    return b"\xff" + bytes(8) + b"\x7f\x03\x01" + mechanism.ljust(20, b"\x00") + bytes(32)


def valid_start(mechanism: bytes) -> bytes:
    """A greeting and a first command a real client would send."""
    if mechanism == b"PLAIN":
        hello = b"\x05HELLO\x05admin\x06secret"
        return greeting(mechanism) + b"\x04" + bytes((len(hello),)) + hello
    # A CURVE HELLO-shaped command: right length, junk crypto.
    hello = b"\x05HELLO\x01\x00" + bytes(72) + bytes(32) + bytes(8) + bytes(80)
    return greeting(mechanism) + b"\x04" + bytes((len(hello),)) + hello


@pytest.fixture(scope="module", params=[b"PLAIN", b"CURVE"])
def server(request):
    ctx = pz.Context()
    check_password = plain_decider({b"admin": b"secret"})

    def decide(request):
        if request[5] == b"CURVE":
            ok = request[6] == pz.utils.z85.decode(CLIENT_PUBLIC)
            return (b"200", b"client") if ok else (b"400", b"")
        return check_password(request)

    zap = ZapHandler(pz, ctx, decide)
    sock = ctx.socket(pz.ROUTER)
    sock.linger = 0
    if request.param == b"PLAIN":
        sock.plain_server = 1
    else:
        sock.curve_server = 1
        sock.curve_secretkey = SERVER_SECRET
    port = sock.bind_to_random_port("tcp://127.0.0.1")
    yield request.param, ctx, sock, port
    sock.close()
    zap.stop()
    ctx.destroy(0)


def good_client_gets_through(mechanism, ctx, server, port) -> bool:
    client = ctx.socket(pz.DEALER)
    client.linger = 0
    if mechanism == b"PLAIN":
        client.plain_username, client.plain_password = b"admin", b"secret"
    else:
        client.curve_serverkey = SERVER_PUBLIC
        client.curve_publickey, client.curve_secretkey = CLIENT_PUBLIC, CLIENT_SECRET
    client.connect("tcp://127.0.0.1:%d" % port)
    try:
        client.send(b"still there?")
        if not server.poll(3000):
            return False
        return server.recv_multipart()[-1] == b"still there?"
    finally:
        client.close()


def hurl(port: int, data: bytes) -> None:
    """Send data; the server closes, or waits for more (a cut handshake)."""
    with socket.create_connection(("127.0.0.1", port), timeout=0.3) as s:
        try:
            s.sendall(data)
            deadline = time.monotonic() + 0.3
            while time.monotonic() < deadline:
                if not s.recv(4096):
                    return  # closed by the server: the clean outcome
        except (ConnectionResetError, BrokenPipeError, socket.timeout):
            return


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_mutated_handshakes_cost_only_their_connection(server, data):
    mechanism, ctx, sock, port = server
    base = bytearray(valid_start(mechanism))
    mode = data.draw(st.sampled_from(["flip", "truncate", "random", "append"]))
    if mode == "flip":
        for _ in range(data.draw(st.integers(1, 6))):
            i = data.draw(st.integers(0, len(base) - 1))
            base[i] ^= data.draw(st.integers(1, 255))
        payload = bytes(base)
    elif mode == "truncate":
        payload = bytes(base[:data.draw(st.integers(0, len(base)))])
    elif mode == "append":
        payload = bytes(base) + data.draw(st.binary(min_size=1, max_size=300))
    else:
        payload = greeting(mechanism) + data.draw(st.binary(max_size=400))
    hurl(port, payload)
    assert not sock.poll(0), "bytes from an unauthenticated peer became a message"


def test_server_still_serves_after_the_barrage(server):
    mechanism, ctx, sock, port = server
    for i in range(20):
        hurl(port, greeting(mechanism) + bytes([i]) * 50)
    assert good_client_gets_through(mechanism, ctx, sock, port)
