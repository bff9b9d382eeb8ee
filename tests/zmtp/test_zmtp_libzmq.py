"""The codec against real libzmq 4.3.5 (through pyzmq): a plain TCP socket
driven by Connection talks to a pyzmq socket bound on a random port."""

from __future__ import annotations

import socket
import time

import pytest

zmq = pytest.importorskip("zmq")

from purezmq.zmtp import (  # noqa: E402
    Cancel, Connection, HandshakeComplete, Ping, Pong, ProtocolError, Subscribe,
)
from zmtp_helpers import frame, prop  # noqa: E402

TIMEOUT = 5.0


@pytest.fixture
def ctx():
    context = zmq.Context()
    yield context
    context.destroy(linger=0)


def bind(ctx, kind, **options):
    sock = ctx.socket(kind)
    sock.linger = 0
    for name, value in options.items():
        sock.setsockopt(getattr(zmq, name.upper()), value)
    port = sock.bind_to_random_port("tcp://127.0.0.1")
    return sock, port


class Driver:
    """Blocking, timeout-guarded plumbing between a TCP socket and a Connection."""

    def __init__(self, zsock, port: int, conn: Connection, raw_greeting: bytes | None = None):
        # libzmq attaches a new pipe (and e.g. a SUB sends its subscriptions)
        # only when the application thread enters the socket API, so kick
        # the pyzmq socket while we wait.
        self.zsock = zsock
        self.conn = conn
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
        self.items: list = []
        self.eof = False
        self.raw = raw_greeting is not None
        if self.raw:
            self.sock.sendall(raw_greeting)
        self.flush()

    def flush(self) -> None:
        chunks = self.conn.data_to_send()
        if chunks and not self.raw:     # raw mode: the Connection only parses
            self.sock.sendall(b"".join(chunks))

    def pump_once(self, timeout: float = TIMEOUT) -> None:
        self.sock.settimeout(timeout)
        try:
            data = self.sock.recv(1 << 16)
        except ConnectionResetError:
            data = b""  # libzmq closed with our bytes unread: an RST, not a FIN
        if not data:
            self.eof = True
            raise EOFError("libzmq closed the connection")
        self.items += self.conn.receive_data(data)
        self.flush()

    def wait_for(self, predicate, timeout: float = TIMEOUT):
        deadline = time.monotonic() + timeout
        while True:
            for i, item in enumerate(self.items):
                if predicate(item):
                    del self.items[i]
                    return item
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"nothing matched; have {self.items!r}")
            self.zsock.getsockopt(zmq.EVENTS)
            try:
                self.pump_once(min(remaining, 0.05))
            except (TimeoutError, socket.timeout):
                pass

    def handshake(self) -> HandshakeComplete:
        return self.wait_for(lambda e: isinstance(e, HandshakeComplete))

    def messages(self, count: int, timeout: float = TIMEOUT) -> list:
        return [self.wait_for(lambda e: type(e) is list, timeout) for _ in range(count)]

    def close(self) -> None:
        self.sock.close()


def test_dealer_router_both_directions(ctx):
    router, port = bind(ctx, zmq.ROUTER)
    d = Driver(router, port, Connection("DEALER", identity=b"purezmq", metadata={"X-Lib": b"pure"}))
    try:
        hs = d.handshake()
        assert hs.peer_version == (3, 1)
        assert hs.peer_metadata["Socket-Type"] == b"ROUTER"
        assert hs.peer_property("identity") == b""      # libzmq ROUTER sends it, empty
        big = bytes(range(256)) * 300
        d.conn.send_message([b"hello", b"", big])
        for i in range(200):
            d.conn.send_message([b"n%d" % i])
        d.flush()
        assert router.poll(int(TIMEOUT * 1000))
        first = router.recv_multipart(copy=False)
        assert [bytes(f) for f in first] == [b"purezmq", b"hello", b"", big]
        assert first[1].get("X-Lib") == "pure"            # our READY metadata reached libzmq
        for i in range(200):
            assert router.poll(int(TIMEOUT * 1000))
            assert router.recv_multipart() == [b"purezmq", b"n%d" % i]
        router.send_multipart([b"purezmq", b"reply", b"y" * 70000])
        for i in range(200):
            router.send_multipart([b"purezmq", b"r%d" % i])
        got = d.messages(201)
        assert got[0] == [b"reply", b"y" * 70000]
        assert got[1:] == [[b"r%d" % i] for i in range(200)]
    finally:
        d.close()


def test_libzmq_sub_subscription_arrives_as_event(ctx):
    sub, port = bind(ctx, zmq.SUB)
    sub.setsockopt(zmq.SUBSCRIBE, b"news")
    d = Driver(sub, port, Connection("PUB"))
    try:
        d.handshake()
        assert d.wait_for(lambda e: isinstance(e, Subscribe)) == Subscribe(b"news")
        d.conn.send_message([b"other stuff"])
        d.conn.send_message([b"news", b"today"])
        d.flush()
        assert sub.poll(int(TIMEOUT * 1000))
        assert sub.recv_multipart() == [b"news", b"today"]
        sub.setsockopt(zmq.UNSUBSCRIBE, b"news")
        assert d.wait_for(lambda e: isinstance(e, Cancel)) == Cancel(b"news")
    finally:
        d.close()


def test_our_subscribe_reaches_libzmq_pub(ctx):
    pub, port = bind(ctx, zmq.PUB)
    d = Driver(pub, port, Connection("SUB"))
    try:
        d.handshake()
        d.conn.send_subscribe(b"a")
        d.flush()
        deadline = time.monotonic() + TIMEOUT
        got = None
        while got is None and time.monotonic() < deadline:
            pub.send_multipart([b"b-ignored"])
            pub.send_multipart([b"a-wanted", b"x"])
            try:
                d.pump_once(0.05)
            except (TimeoutError, socket.timeout):
                pass
            pub.getsockopt(zmq.EVENTS)
            got = next((m for m in d.items if type(m) is list), None)
        assert got == [b"a-wanted", b"x"]
        assert all(m[0].startswith(b"a") for m in d.items if type(m) is list)
    finally:
        d.close()


def test_libzmq_treats_zmtp30_peer_subscriptions_as_data_frames(ctx):
    """A hand-made ZMTP 3.0 greeting: libzmq then sends \\x01topic data frames,
    the behaviour our codec reproduces for 3.0 peers."""
    sub, port = bind(ctx, zmq.SUB)
    sub.setsockopt(zmq.SUBSCRIBE, b"t")
    g30 = b"\xff" + bytes(7) + b"\x01\x7f" + b"\x03\x00" + b"NULL".ljust(20, b"\x00") + bytes(32)
    ready = frame(4, b"\x05READY" + prop(b"Socket-Type", b"PUB"))
    d = Driver(sub, port, Connection("PUB"), raw_greeting=g30 + ready)
    try:
        d.handshake()
        assert d.wait_for(lambda e: type(e) is list) == [b"\x01t"]
    finally:
        d.close()


def test_libzmq_heartbeat_pings_answered_automatically(ctx):
    pull, port = bind(ctx, zmq.PULL, heartbeat_ivl=100, heartbeat_timeout=400,
                      heartbeat_ttl=2000)
    d = Driver(pull, port, Connection("PUSH"))
    try:
        d.handshake()
        pings = [d.wait_for(lambda e: isinstance(e, Ping), 2.0) for _ in range(8)]
        assert pings[0].ttl == 20                           # 2000 ms in deciseconds
        # Eight PINGs (> 2 heartbeat timeouts) and libzmq has not hung up:
        # our automatic PONGs kept the connection alive.
        d.conn.send_message([b"still alive"])
        d.flush()
        assert pull.poll(int(TIMEOUT * 1000))
        assert pull.recv() == b"still alive"
    finally:
        d.close()


def test_our_ping_gets_libzmq_pong(ctx):
    rep, port = bind(ctx, zmq.REP)
    d = Driver(rep, port, Connection("REQ"))
    try:
        d.handshake()
        d.conn.send_ping(0, b"0123456789abcdef")
        d.flush()
        assert d.wait_for(lambda e: isinstance(e, Pong)) == Pong(b"0123456789abcdef")
        d.conn.send_message([b"", b"question"])              # REQ envelope
        d.flush()
        assert rep.poll(int(TIMEOUT * 1000))
        assert rep.recv() == b"question"
        rep.send(b"answer")
        assert d.messages(1) == [[b"", b"answer"]]
    finally:
        d.close()


def test_we_refuse_incompatible_libzmq_peer(ctx):
    push, port = bind(ctx, zmq.PUSH)
    d = Driver(push, port, Connection("PUSH"))
    try:
        # Both ends refuse: usually libzmq's READY reaches us first and we
        # refuse it; under load libzmq may read ours and hang up first.
        with pytest.raises((ProtocolError, EOFError)) as info:
            d.handshake()
        assert info.type is EOFError or "socket type" in str(info.value)
    finally:
        d.close()


def test_libzmq_refuses_our_incompatible_type(ctx):
    push, port = bind(ctx, zmq.PUSH)
    d = Driver(push, port, Connection("PUSH", check_peer_type=False))
    try:
        # We accept PUSH; libzmq hangs up, before or after its READY is out
        # (it may read ours in the same pass as our greeting).
        with pytest.raises(EOFError):
            d.handshake()
            d.wait_for(lambda e: False)
    finally:
        d.close()


def test_mechanism_mismatch_with_libzmq(ctx):
    pull, port = bind(ctx, zmq.PULL, plain_server=1)
    d = Driver(pull, port, Connection("PUSH"))
    try:
        # libzmq reads our whole greeting at once and closes before writing
        # the rest of its own; if its rest does arrive we refuse it ourselves.
        with pytest.raises((ProtocolError, EOFError)) as info:
            d.handshake()
        assert info.type is EOFError or "mechanism" in str(info.value)
    finally:
        d.close()


def test_libzmq_maxmsgsize_also_limits_handshake_commands(ctx):
    pull, port = bind(ctx, zmq.PULL, maxmsgsize=10)
    d = Driver(pull, port, Connection("PUSH"))
    try:
        d.handshake()                     # libzmq's READY reaches us...
        with pytest.raises(EOFError):     # ...but ours (28 octets > 10) kills the link
            d.wait_for(lambda e: False)
    finally:
        d.close()
