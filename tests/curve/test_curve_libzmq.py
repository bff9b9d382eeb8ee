"""CURVE against real libzmq 4.3.5 (pyzmq), at the byte level: a plain TCP
socket driven by a purezmq Connection with a CURVE mechanism on one side,
a pyzmq socket on the other.  Every wait is bounded; ports are random."""

from __future__ import annotations

import socket
import threading
import time

import pytest

zmq = pytest.importorskip("zmq")
if not zmq.has("curve"):
    pytest.skip("libzmq built without CURVE", allow_module_level=True)

from zmq.utils.monitor import recv_monitor_message  # noqa: E402

from curve_helpers import (  # noqa: E402
    TIMEOUT, Driver, Keys, client_connection, keypair, server_connection,
)
from purezmq.zmtp import MechanismFailure, PeerError, Ping, ProtocolError  # noqa: E402
from purezmq.zmtp.mechanisms.base import ZapReply  # noqa: E402

CRYPTOGRAPHIC = 0x11000001


@pytest.fixture
def zctx():
    context = zmq.Context()
    yield context
    context.destroy(linger=0)


def recv_multipart(sock, timeout: float = TIMEOUT):
    if not sock.poll(int(timeout * 1000)):
        raise TimeoutError("libzmq socket received nothing")
    return sock.recv_multipart()


def wait_event(monitor, wanted: int, timeout: float = TIMEOUT) -> dict:
    deadline = time.monotonic() + timeout
    seen = []
    while time.monotonic() < deadline:
        if monitor.poll(100):
            event = recv_monitor_message(monitor)
            if event["event"] == wanted:
                return event
            seen.append(event)
    raise TimeoutError(f"no monitor event {wanted}; saw {seen}")


def curve_router(zctx, keys, **options):
    router = zctx.socket(zmq.ROUTER)
    router.linger = 0
    router.curve_server = 1
    router.curve_secretkey = keys.server_secret
    for name, value in options.items():
        router.setsockopt(getattr(zmq, name.upper()), value)
    port = router.bind_to_random_port("tcp://127.0.0.1")
    return router, port


def connect(port: int) -> socket.socket:
    return socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)


class ZapHandler(threading.Thread):
    """A minimal ZAP handler in the pyzmq context (RFC 27)."""

    def __init__(self, zctx, status: bytes, user_id: bytes = b"") -> None:
        super().__init__(daemon=True)
        self.sock = zctx.socket(zmq.REP)
        self.sock.linger = 0
        self.sock.bind("inproc://zeromq.zap.01")
        self.status = status
        self.user_id = user_id
        self.requests: list = []
        self.stop = threading.Event()
        self.start()

    def run(self) -> None:
        while not self.stop.is_set():
            if not self.sock.poll(50):
                continue
            request = self.sock.recv_multipart()
            self.requests.append(request)
            self.sock.send_multipart([b"1.0", request[1], self.status, b"text",
                                      self.user_id, b""])

    def close(self) -> None:
        self.stop.set()
        self.join(TIMEOUT)
        self.sock.close()


# -- purezmq client, libzmq server ------------------------------------------

def test_client_to_libzmq_router(zctx):
    keys = Keys()
    router, port = curve_router(zctx, keys)
    driver = Driver(connect(port), client_connection(keys, identity=b"pz-client"))
    try:
        driver.wait_handshake()
        assert driver.conn.peer_metadata["Socket-Type"] == b"ROUTER"
        big = bytes(range(256)) * 300
        driver.conn.send_message([b"hello", b"", big])
        driver.flush()
        assert recv_multipart(router) == [b"pz-client", b"hello", b"", big]
        for i in range(20):
            router.send_multipart([b"pz-client", b"reply %d" % i, b"x" * i])
        for i in range(20):
            assert driver.wait_for(lambda m: isinstance(m, list)) == [b"reply %d" % i, b"x" * i]
        driver.conn.send_message([b"again"])
        driver.flush()
        assert recv_multipart(router) == [b"pz-client", b"again"]
    finally:
        driver.close()


def test_client_answers_libzmq_heartbeats(zctx):
    keys = Keys()
    router, port = curve_router(zctx, keys, heartbeat_ivl=50, heartbeat_timeout=500)
    driver = Driver(connect(port), client_connection(keys, identity=b"hb"))
    try:
        driver.wait_handshake()
        ping = driver.wait_for(lambda m: isinstance(m, Ping))  # decrypted command
        assert ping.ttl == 0
        end = time.monotonic() + 1.0  # well past heartbeat_timeout
        while time.monotonic() < end:
            driver.pump_once(0.05)     # PONGs go back encrypted
        driver.conn.send_message([b"still here"])
        driver.flush()
        assert recv_multipart(router) == [b"hb", b"still here"]
    finally:
        driver.close()


def test_client_with_wrong_server_key(zctx):
    keys = Keys()
    router, port = curve_router(zctx, keys)
    monitor = router.get_monitor_socket()
    wrong, _ = keypair()
    driver = Driver(connect(port), client_connection(keys, server_key=wrong))
    try:
        driver.wait_eof()  # libzmq drops us after our HELLO
        assert not driver.conn.handshake_done
        event = wait_event(monitor, zmq.EVENT_HANDSHAKE_FAILED_PROTOCOL)
        assert event["value"] == CRYPTOGRAPHIC
    finally:
        driver.close()
        router.disable_monitor()
        monitor.close()


def test_client_denied_by_libzmq_zap(zctx):
    keys = Keys()
    zap = ZapHandler(zctx, b"400")
    router, port = curve_router(zctx, keys)
    driver = Driver(connect(port), client_connection(keys))
    try:
        error = driver.wait_for(lambda m: isinstance(m, PeerError))
        assert error.reason == b"400"
        assert not driver.conn.handshake_done
        assert zap.requests[0][5:] == [b"CURVE", keys.client_public]
    finally:
        driver.close()
        zap.close()


def test_client_allowed_by_libzmq_zap_user_id(zctx):
    keys = Keys()
    zap = ZapHandler(zctx, b"200", user_id=b"alice")
    router, port = curve_router(zctx, keys)
    driver = Driver(connect(port), client_connection(keys, identity=b"a"))
    try:
        driver.wait_handshake()
        driver.conn.send_message([b"who am i"])
        driver.flush()
        assert router.poll(int(TIMEOUT * 1000))
        frames = router.recv_multipart(copy=False)
        assert frames[1].bytes == b"who am i"
        assert frames[1].get("User-Id") == "alice"
    finally:
        driver.close()
        zap.close()


def test_client_subscribes_to_libzmq_xpub(zctx):
    # SUBSCRIBE travels as an encrypted command (inner COMMAND flag).
    keys = Keys()
    xpub = zctx.socket(zmq.XPUB)
    xpub.linger = 0
    xpub.curve_server = 1
    xpub.curve_secretkey = keys.server_secret
    port = xpub.bind_to_random_port("tcp://127.0.0.1")
    driver = Driver(connect(port), client_connection(keys, socket_type="SUB"))
    try:
        driver.wait_handshake()
        driver.conn.send_subscribe(b"news")
        driver.flush()
        assert recv_multipart(xpub) == [b"\x01news"]
        xpub.send_multipart([b"sports", b"no"])
        xpub.send_multipart([b"news", b"yes"])
        assert driver.wait_for(lambda m: isinstance(m, list)) == [b"news", b"yes"]
    finally:
        driver.close()


# -- libzmq client, purezmq server -------------------------------------------

@pytest.fixture
def listener():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(4)
    sock.settimeout(TIMEOUT)
    yield sock
    sock.close()


def curve_dealer(zctx, keys, port: int, server_key: bytes | None = None, **options):
    dealer = zctx.socket(zmq.DEALER)
    dealer.linger = 0
    dealer.curve_serverkey = keys.server_public if server_key is None else server_key
    dealer.curve_publickey = keys.client_public
    dealer.curve_secretkey = keys.client_secret
    for name, value in options.items():
        dealer.setsockopt(getattr(zmq, name.upper()), value)
    return dealer


def test_libzmq_dealer_to_server(zctx, listener):
    keys = Keys()
    port = listener.getsockname()[1]
    dealer = curve_dealer(zctx, keys, port, heartbeat_ivl=50, heartbeat_timeout=500)
    dealer.connect(f"tcp://127.0.0.1:{port}")
    dealer.send_multipart([b"first", b"x" * 1000])  # queued until the handshake
    conn, _ = listener.accept()
    driver = Driver(conn, server_connection(keys))
    try:
        driver.wait_handshake()
        assert driver.conn.peer_metadata["Socket-Type"] == b"DEALER"
        assert driver.conn.mechanism.client_key == keys.client_public
        assert driver.wait_for(lambda m: isinstance(m, list)) == [b"first", b"x" * 1000]
        driver.wait_for(lambda m: isinstance(m, Ping))  # libzmq heartbeat, answered
        driver.conn.send_message([b"back", b""])
        driver.conn.send_message([b"y" * 70000])
        driver.flush()
        assert recv_multipart(dealer) == [b"back", b""]
        assert recv_multipart(dealer) == [b"y" * 70000]
        end = time.monotonic() + 1.0  # past heartbeat_timeout: still alive
        while time.monotonic() < end:
            driver.pump_once(0.05)
        for i in range(10):
            dealer.send_multipart([b"n", str(i).encode()])
        for i in range(10):
            assert driver.wait_for(lambda m: isinstance(m, list)) == [b"n", str(i).encode()]
    finally:
        driver.close()
        dealer.close()


def test_server_zap_deny_reaches_libzmq(zctx, listener):
    keys = Keys()
    port = listener.getsockname()[1]
    dealer = curve_dealer(zctx, keys, port)
    monitor = dealer.get_monitor_socket()
    dealer.connect(f"tcp://127.0.0.1:{port}")
    calls = []
    conn, _ = listener.accept()
    driver = Driver(conn, server_connection(
        keys, zap=lambda mech, creds: calls.append((mech, creds)) or True))
    try:
        deadline = time.monotonic() + TIMEOUT
        while not calls and time.monotonic() < deadline:
            driver.pump_once()
        assert calls == [(b"CURVE", [keys.client_public])]
        driver.conn.mechanism.zap_reply = ZapReply(b"400", b"no", b"", [])
        with pytest.raises(MechanismFailure) as info:
            driver.conn.resume_handshake()
        assert info.value.auth_status == 400
        driver.flush()  # the ERROR command
        event = wait_event(monitor, zmq.EVENT_HANDSHAKE_FAILED_AUTH)
        assert event["value"] == 400
    finally:
        driver.close()
        dealer.disable_monitor()
        monitor.close()
        dealer.close()


def test_server_zap_allow_reaches_libzmq(zctx, listener):
    keys = Keys()
    port = listener.getsockname()[1]
    dealer = curve_dealer(zctx, keys, port)
    dealer.connect(f"tcp://127.0.0.1:{port}")
    conn, _ = listener.accept()
    driver = Driver(conn, server_connection(keys, zap=lambda mech, creds: True))
    try:
        deadline = time.monotonic() + TIMEOUT
        while driver.conn.mechanism._state != "waiting for zap reply":
            assert time.monotonic() < deadline, "no INITIATE from libzmq"
            driver.pump_once()
        assert not driver.conn.handshake_done
        driver.conn.mechanism.zap_reply = ZapReply(b"200", b"OK", b"bob", [])
        driver.items += driver.conn.resume_handshake()
        driver.flush()
        assert driver.conn.handshake_done
        assert driver.conn.mechanism.user_id == b"bob"
        dealer.send(b"hi")
        assert driver.wait_for(lambda m: isinstance(m, list)) == [b"hi"]
    finally:
        driver.close()
        dealer.close()


def test_libzmq_client_with_wrong_server_key(zctx, listener):
    keys = Keys()
    port = listener.getsockname()[1]
    wrong, _ = keypair()
    dealer = curve_dealer(zctx, keys, port, server_key=wrong)
    dealer.connect(f"tcp://127.0.0.1:{port}")
    conn, _ = listener.accept()
    driver = Driver(conn, server_connection(keys))
    try:
        with pytest.raises(ProtocolError) as info:
            deadline = time.monotonic() + TIMEOUT
            while time.monotonic() < deadline:
                driver.pump_once()
        assert info.value.code == CRYPTOGRAPHIC
        assert not driver.conn.handshake_done
    finally:
        driver.close()
        dealer.close()
