"""STREAM (libzmq's stream_t): raw TCP peers addressed by routing id.

Nothing else in the suite covers STREAM.  Checked against plain TCP
clients and servers (the peer a STREAM socket exists for) and against
libzmq's own STREAM socket, in both roles.  Every wait is bounded.
"""

from __future__ import annotations

import socket
import time

import pytest

import purezmq as zmq

from .helpers import endpoint, sock

RAW_TIMEOUT = 2.0


def _port(s) -> int:
    return int(endpoint(s).rsplit(":", 1)[1])


def _raw_client(port: int) -> socket.socket:
    c = socket.create_connection(("127.0.0.1", port), timeout=RAW_TIMEOUT)
    c.settimeout(RAW_TIMEOUT)
    return c


def _recv_exactly(c: socket.socket, n: int) -> bytes:
    buf = b""
    while len(buf) < n:
        chunk = c.recv(n - len(buf))
        if not chunk:
            break
        buf += chunk
    return buf


def _poke_until_eof(s, c: socket.socket, timeout: float = RAW_TIMEOUT) -> bytes:
    """Read `c` until EOF, letting the STREAM socket process its commands
    meanwhile (libzmq, too, closes the connection only when the socket that
    asked for it next processes commands)."""
    c.settimeout(0.02)
    data = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        s.getsockopt(zmq.EVENTS)
        try:
            chunk = c.recv(65536)
        except socket.timeout:
            continue
        if not chunk:
            return data
        data += chunk
    raise AssertionError("the STREAM socket never closed the connection")


def test_stream_server_with_plain_tcp_client(ctx):
    s = sock(ctx, zmq.STREAM)
    s.bind("tcp://127.0.0.1:*")
    c = _raw_client(_port(s))
    try:
        rid, data = s.recv_multipart()
        assert data == b"", "STREAM_NOTIFY: an empty frame announces the peer"
        assert len(rid) == 5 and rid[0] == 0, "libzmq's generated 5-byte id"
        c.sendall(b"hello")
        got = b""
        while len(got) < 5:  # TCP may split the bytes over messages
            rid2, chunk = s.recv_multipart()
            assert rid2 == rid
            got += chunk
        assert got == b"hello"
        s.send_multipart([rid, b"world"])
        assert _recv_exactly(c, 5) == b"world"
    finally:
        c.close()


def test_stream_empty_frame_closes_after_queued_data(ctx):
    s = sock(ctx, zmq.STREAM)
    s.bind("tcp://127.0.0.1:*")
    c = _raw_client(_port(s))
    try:
        rid, _ = s.recv_multipart()
        payload = b"x" * 300000  # more than one socket buffer
        s.send_multipart([rid, payload])
        s.send_multipart([rid, b""])  # close that connection
        assert _poke_until_eof(s, c) == payload
    finally:
        c.close()
    # The connection is gone: its id no longer routes.
    deadline = time.monotonic() + RAW_TIMEOUT
    while True:
        try:
            s.send_multipart([rid, b"late"])
        except zmq.ZMQError as e:
            assert e.errno == zmq.EHOSTUNREACH
            break
        assert time.monotonic() < deadline, "closed peer still routable"
        time.sleep(0.01)


def test_stream_peer_disconnect_is_notified(ctx):
    s = sock(ctx, zmq.STREAM)
    s.bind("tcp://127.0.0.1:*")
    c = _raw_client(_port(s))
    rid, _ = s.recv_multipart()
    c.close()
    assert s.recv_multipart() == [rid, b""]


def test_stream_unknown_id_is_ehostunreach(ctx):
    s = sock(ctx, zmq.STREAM)
    s.bind("tcp://127.0.0.1:*")
    with pytest.raises(zmq.ZMQError) as info:
        s.send_multipart([b"\x00nope", b"data"])
    assert info.value.errno == zmq.EHOSTUNREACH


def test_stream_client_with_plain_tcp_server(ctx):
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    srv.settimeout(RAW_TIMEOUT)
    k = sock(ctx, zmq.STREAM)
    try:
        k.connect("tcp://127.0.0.1:%d" % srv.getsockname()[1])
        conn, _ = srv.accept()
        conn.settimeout(RAW_TIMEOUT)
        rid, data = k.recv_multipart()
        assert data == b""
        k.send_multipart([rid, b"ping"])
        assert _recv_exactly(conn, 4) == b"ping"
        conn.sendall(b"pong")
        assert k.recv_multipart() == [rid, b"pong"]
        conn.close()
        assert k.recv_multipart() == [rid, b""], "server hang-up is notified"
    finally:
        srv.close()


def test_stream_connect_routing_id(ctx):
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    srv.settimeout(RAW_TIMEOUT)
    k = sock(ctx, zmq.STREAM)
    try:
        k.setsockopt(zmq.CONNECT_ROUTING_ID, b"chosen")
        k.connect("tcp://127.0.0.1:%d" % srv.getsockname()[1])
        conn, _ = srv.accept()
        assert k.recv_multipart() == [b"chosen", b""]
        k.send_multipart([b"chosen", b"abc"])
        conn.settimeout(RAW_TIMEOUT)
        assert _recv_exactly(conn, 3) == b"abc"
        conn.close()
    finally:
        srv.close()


def test_stream_sees_no_zmtp(ctx):
    """A STREAM socket sends no greeting: a raw client reads nothing."""
    s = sock(ctx, zmq.STREAM)
    s.bind("tcp://127.0.0.1:*")
    c = _raw_client(_port(s))
    try:
        s.recv_multipart()  # the connect notification
        c.settimeout(0.2)
        with pytest.raises(socket.timeout):
            c.recv(100)
    finally:
        c.close()


@pytest.mark.parametrize("pz_binds", [True, False], ids=["pz-binds", "lz-binds"])
def test_stream_against_libzmq_stream(ctx, zctx, pz_binds):
    lzmq = pytest.importorskip("zmq")
    pz_s = sock(ctx, zmq.STREAM)
    lz_s = zctx.socket(lzmq.STREAM)
    lz_s.linger = 0
    lz_s.rcvtimeo = 2000
    lz_s.sndtimeo = 2000
    server, client = (pz_s, lz_s) if pz_binds else (lz_s, pz_s)
    server.bind("tcp://127.0.0.1:*")
    client.setsockopt(zmq.CONNECT_ROUTING_ID, b"cli")
    client.connect(server.last_endpoint.decode())
    assert client.recv_multipart() == [b"cli", b""]
    srv_rid, note = server.recv_multipart()
    assert note == b""
    client.send_multipart([b"cli", b"hello"])
    assert server.recv_multipart() == [srv_rid, b"hello"]
    server.send_multipart([srv_rid, b"world"])
    assert client.recv_multipart() == [b"cli", b"world"]
    client.close()
    assert server.recv_multipart() == [srv_rid, b""]
