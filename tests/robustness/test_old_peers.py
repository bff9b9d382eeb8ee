"""ZMTP 1.0 (RFC 13) and 2.0 (RFC 15) peers, spoken by a raw socket, served
by purezmq as libzmq 4.3 serves them.  Each scenario also runs against a
libzmq socket (pyzmq), which shows the expected bytes are libzmq's."""

from __future__ import annotations

import socket
import time

import pytest

import purezmq as pz

zmq = pytest.importorskip("zmq")
TYPES = {"PAIR": 0, "PUB": 1, "SUB": 2, "REQ": 3, "REP": 4, "DEALER": 5, "ROUTER": 6,
         "PULL": 7, "PUSH": 8}


def v1_frame(body: bytes, more: bool = False) -> bytes:
    size = len(body) + 1
    head = bytes((size,)) if size < 255 else b"\xff" + size.to_bytes(8, "big")
    return head + bytes((1 if more else 0,)) + body


def v2_frame(body: bytes, more: bool = False) -> bytes:
    flags = 1 if more else 0
    if len(body) < 256:
        return bytes((flags, len(body))) + body
    return bytes((flags | 2,)) + len(body).to_bytes(8, "big") + body


class RawPeer:
    """A TCP client speaking an old ZMTP revision by hand."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.buf = b""

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def read(self, n: int) -> bytes:
        while len(self.buf) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError(f"closed with {self.buf!r}")
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def read_v1(self) -> tuple:
        size = self.read(1)[0]
        if size == 0xFF:
            size = int.from_bytes(self.read(8), "big")
        flags = self.read(1)[0]
        return self.read(size - 1), bool(flags & 1)

    def read_v2(self) -> tuple:
        flags = self.read(1)[0]
        size = int.from_bytes(self.read(8), "big") if flags & 2 else self.read(1)[0]
        return self.read(size), bool(flags & 1)

    def close(self) -> None:
        self.sock.close()


@pytest.fixture(params=["purezmq", "libzmq"])
def lib(request):
    mod = pz if request.param == "purezmq" else zmq
    ctx = mod.Context()
    yield mod, ctx
    ctx.destroy(0)


def bound(mod, ctx, kind: str, **opts):
    s = ctx.socket(getattr(mod, kind))
    s.linger = 0
    for k, v in opts.items():
        setattr(s, k, v)
    port = s.bind_to_random_port("tcp://127.0.0.1")
    return s, port


@pytest.mark.parametrize("revision", [0, 1])
def test_versioned_old_peer_pushes_and_pulls(lib, revision):
    mod, ctx = lib
    frame, read = (v1_frame, "read_v1") if revision == 0 else (v2_frame, "read_v2")
    server, port = bound(mod, ctx, "PAIR")
    peer = RawPeer(port)
    try:
        peer.send(b"\xff" + bytes(8) + b"\x7f" + bytes((revision, TYPES["PAIR"])))
        sig = peer.read(10)
        assert sig[0] == 0xFF and sig[9] == 0x7F
        assert peer.read(2) == bytes((3, TYPES["PAIR"]))  # major 3, then our type
        assert getattr(peer, read)() == (b"", False)  # our (empty) identity
        peer.send(frame(b""))  # its identity
        peer.send(frame(b"part one", more=True) + frame(b"x" * 300))
        assert server.poll(3000)
        assert server.recv_multipart() == [b"part one", b"x" * 300]
        server.send_multipart([b"reply", b"y" * 400])
        assert getattr(peer, read)() == (b"reply", True)
        assert getattr(peer, read)() == (b"y" * 400, False)
    finally:
        peer.close()
        server.close()


def test_unversioned_zmtp10_peer(lib):
    """A libzmq 2.x peer: no signature, its identity message comes first."""
    mod, ctx = lib
    server, port = bound(mod, ctx, "PULL")
    peer = RawPeer(port)
    try:
        peer.send(v1_frame(b"") + v1_frame(b"hello from 2.x"))
        assert server.poll(3000)
        assert server.recv() == b"hello from 2.x"
        # Our signature was the header of our identity message (length 1:
        # just the flags octet; flags 0x7F), then its (empty) body.
        assert peer.read(10) == b"\xff" + (1).to_bytes(8, "big") + b"\x7f"
    finally:
        peer.close()
        server.close()


def test_unversioned_subscriber_gets_everything_from_pub(lib):
    """Old SUBs filtered locally: a PUB sends them everything."""
    mod, ctx = lib
    pub, port = bound(mod, ctx, "PUB")
    peer = RawPeer(port)
    try:
        peer.send(v1_frame(b""))
        peer.read(10)
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline:
            pub.send(b"topic news")
            peer.sock.settimeout(0.05)
            try:
                peer.buf += peer.sock.recv(4096)
            except socket.timeout:
                continue
            if b"topic news" in peer.buf:
                break
        assert b"topic news" in peer.buf
    finally:
        peer.close()
        pub.close()


def test_router_takes_identity_of_old_peer(lib):
    mod, ctx = lib
    router, port = bound(mod, ctx, "ROUTER")
    peer = RawPeer(port)
    try:
        peer.send(b"\xff" + bytes(8) + b"\x7f" + bytes((1, TYPES["DEALER"])))
        peer.read(12)
        peer.read_v2()
        peer.send(v2_frame(b"old-dealer") + v2_frame(b"hi"))
        assert router.poll(3000)
        assert router.recv_multipart() == [b"old-dealer", b"hi"]
        router.send_multipart([b"old-dealer", b"back"])
        assert peer.read_v2() == (b"back", False)
    finally:
        peer.close()
        router.close()


def test_old_peer_refused_when_security_is_on(lib):
    mod, ctx = lib
    server, port = bound(mod, ctx, "PULL", plain_server=1)
    peer = RawPeer(port)
    try:
        peer.send(b"\xff" + bytes(8) + b"\x7f" + bytes((1, TYPES["PUSH"])))
        peer.sock.settimeout(3)
        got = b""
        try:
            while True:
                chunk = peer.sock.recv(4096)
                if not chunk:
                    break
                got += chunk
        except (ConnectionResetError, socket.timeout):
            pass
        assert len(got) <= 12, "the handshake went on with security configured"
    finally:
        peer.close()
        server.close()


class RawServer:
    """A listening TCP socket that answers one connection as an old peer."""

    def __init__(self) -> None:
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(1)
        self.listener.settimeout(5)
        self.port = self.listener.getsockname()[1]

    def accept(self) -> RawPeer:
        conn, _ = self.listener.accept()
        conn.settimeout(5)
        peer = RawPeer.__new__(RawPeer)
        peer.sock, peer.buf = conn, b""
        return peer

    def close(self) -> None:
        self.listener.close()


def connected(mod, ctx, kind: str, port: int):
    s = ctx.socket(getattr(mod, kind))
    s.linger = 0
    s.connect(f"tcp://127.0.0.1:{port}")
    return s


@pytest.mark.parametrize("revision", [0, 1])
def test_connecting_to_versioned_old_peer(lib, revision):
    """Our connect() meets a libzmq 3.x (ZMTP 2.0) or 1.0-with-signature
    server: after our 10-byte signature it answers in its own revision, and
    we speak that revision from then on."""
    mod, ctx = lib
    frame, read = (v1_frame, "read_v1") if revision == 0 else (v2_frame, "read_v2")
    server = RawServer()
    client = connected(mod, ctx, "DEALER", server.port)
    peer = server.accept()
    try:
        sig = peer.read(10)
        assert sig[0] == 0xFF and sig[9] == 0x7F
        peer.send(b"\xff" + bytes(8) + b"\x7f" + bytes((revision, TYPES["ROUTER"])))
        peer.send(frame(b""))  # its (empty) identity
        assert peer.read(2) == bytes((3, TYPES["DEALER"]))
        assert getattr(peer, read)() == (b"", False)  # our identity
        client.send_multipart([b"to old", b"z" * 300])
        assert getattr(peer, read)() == (b"to old", True)
        assert getattr(peer, read)() == (b"z" * 300, False)
        peer.send(frame(b"from old", more=True) + frame(b"w" * 500))
        assert client.poll(3000)
        assert client.recv_multipart() == [b"from old", b"w" * 500]
    finally:
        peer.close()
        client.close()
        server.close()


def test_connecting_to_unversioned_zmtp10_peer(lib):
    """A libzmq 2.x server sends its identity message, no signature: we fall
    back to ZMTP 1.0 framing both ways."""
    mod, ctx = lib
    server = RawServer()
    client = connected(mod, ctx, "PUSH", server.port)
    peer = server.accept()
    try:
        # Our signature doubles as a whole ZMTP 1.0 message: our empty identity.
        assert peer.read(10) == b"\xff" + (1).to_bytes(8, "big") + b"\x7f"
        peer.send(v1_frame(b"old-pull"))  # its identity: a ZMTP 1.0 message
        client.send_multipart([b"a", b"b" * 400])
        assert peer.read_v1() == (b"a", True)
        assert peer.read_v1() == (b"b" * 400, False)
    finally:
        peer.close()
        client.close()
        server.close()


def _old_pair_peer(port: int, revision: int) -> RawPeer:
    """A versioned ZMTP 1.0/2.0 PAIR peer, handshake done, then quiet."""
    frame, read = (v1_frame, "read_v1") if revision == 0 else (v2_frame, "read_v2")
    peer = RawPeer(port)
    peer.send(b"\xff" + bytes(8) + b"\x7f" + bytes((revision, TYPES["PAIR"])))
    peer.read(12)
    getattr(peer, read)()
    peer.send(frame(b""))
    return peer


@pytest.mark.parametrize("revision", [0, 1])
def test_heartbeats_leave_old_peers_alone(lib, revision):
    """ZMTP 1.0/2.0 have no PING: libzmq neither pings nor times them out."""
    mod, ctx = lib
    server, port = bound(mod, ctx, "PAIR", heartbeat_ivl=100, heartbeat_timeout=300,
                         heartbeat_ttl=300)
    peer = _old_pair_peer(port, revision)
    frame = v1_frame if revision == 0 else v2_frame
    try:
        time.sleep(1.2)  # four heartbeat timeouts of silence
        peer.send(frame(b"still here"))
        assert server.poll(3000)
        assert server.recv() == b"still here"
        peer.sock.settimeout(0.2)
        with pytest.raises(socket.timeout):
            peer.sock.recv(1)  # nothing came: no PING, no close
    finally:
        peer.close()
        server.close()


@pytest.mark.parametrize("revision", [0, 1])
def test_monitor_events_of_an_old_peer(lib, revision):
    """libzmq runs no mechanism for old peers: no HANDSHAKE_SUCCEEDED, and
    their end is HANDSHAKE_FAILED_NO_DETAIL, then DISCONNECTED."""
    mod, ctx = lib
    server, port = bound(mod, ctx, "PAIR")
    server.monitor("inproc://old-peer-monitor", mod.EVENT_ALL)
    mon = ctx.socket(mod.PAIR)
    mon.connect("inproc://old-peer-monitor")
    from importlib import import_module
    recv_event = import_module(mod.__name__ + ".utils.monitor").recv_monitor_message

    def events(until: int, timeout: float = 3.0) -> list:
        seen, deadline = [], time.monotonic() + timeout
        while time.monotonic() < deadline and until not in seen:
            if mon.poll(100):
                seen.append(recv_event(mon)["event"])
        return seen

    peer = _old_pair_peer(port, revision)
    frame = v1_frame if revision == 0 else v2_frame
    try:
        peer.send(frame(b"hello"))
        assert server.poll(3000) and server.recv() == b"hello"
        connected = events(mod.EVENT_ACCEPTED)
        assert connected[-1] == mod.EVENT_ACCEPTED
        peer.close()
        ended = events(mod.EVENT_DISCONNECTED)
        assert mod.EVENT_HANDSHAKE_SUCCEEDED not in connected + ended
        assert ended[-2:] == [mod.EVENT_HANDSHAKE_FAILED_NO_DETAIL, mod.EVENT_DISCONNECTED]
    finally:
        server.disable_monitor()
        mon.close()
        server.close()


def test_stream_socket_with_heartbeat_options_keeps_quiet_raw_peers(lib):
    """A STREAM socket negotiates nothing: heartbeat options do not apply."""
    mod, ctx = lib
    server, port = bound(mod, ctx, "STREAM", heartbeat_ivl=100, heartbeat_timeout=300)
    peer = RawPeer(port)
    try:
        assert server.poll(3000)
        ident, empty = server.recv_multipart()  # the connect notification
        time.sleep(1.0)
        peer.send(b"raw bytes")
        assert server.poll(3000)
        assert server.recv_multipart() == [ident, b"raw bytes"]
    finally:
        peer.close()
        server.close()
