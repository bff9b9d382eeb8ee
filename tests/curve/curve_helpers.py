"""Helpers for the CURVE tests: key pairs, in-memory connection pairs and
a timeout-guarded driver between a plain TCP socket and a Connection."""

from __future__ import annotations

import socket
import time

import pytest

nacl_bindings = pytest.importorskip("nacl.bindings")

from purezmq.zmtp import Connection, ProtocolError  # noqa: E402
from purezmq.zmtp.mechanisms.base import SecurityOptions  # noqa: E402
from purezmq.zmtp.mechanisms.curve import (  # noqa: E402
    CurveClientMechanism, CurveServerMechanism,
)

TIMEOUT = 5.0


def keypair() -> tuple[bytes, bytes]:
    """(public, secret), 32 raw octets each."""
    return nacl_bindings.crypto_box_keypair()


class Keys:
    def __init__(self) -> None:
        self.server_public, self.server_secret = keypair()
        self.client_public, self.client_secret = keypair()


def client_connection(keys: Keys, socket_type: str = "DEALER", server_key: bytes | None = None,
                      **kwargs) -> Connection:
    security = SecurityOptions(
        curve_serverkey=keys.server_public if server_key is None else server_key,
        curve_publickey=keys.client_public, curve_secretkey=keys.client_secret)
    return Connection(socket_type, mechanism=CurveClientMechanism(), security=security,
                      **kwargs)


def server_connection(keys: Keys, socket_type: str = "ROUTER", zap=None,
                      zap_domain: bytes = b"", zap_enforce_domain: bool = False,
                      **kwargs) -> Connection:
    security = SecurityOptions(curve_secretkey=keys.server_secret, zap_domain=zap_domain,
                               zap_enforce_domain=zap_enforce_domain)
    return Connection(socket_type, as_server=True, mechanism=CurveServerMechanism(),
                      security=security, zap=zap, **kwargs)


def joined(conn: Connection) -> bytes:
    return b"".join(bytes(c) for c in conn.data_to_send())


def pump(a: Connection, b: Connection, rounds: int = 5) -> tuple[list, list]:
    """Exchange queued bytes between two in-memory connections."""
    got_a: list = []
    got_b: list = []
    for _ in range(rounds):
        data = joined(a)
        if data:
            got_b += b.receive_data(data)
        data = joined(b)
        if data:
            got_a += a.receive_data(data)
    return got_a, got_b


def split_frames(data: bytes) -> list[tuple[int, bytes]]:
    """Parse raw ZMTP frames (after the greeting) into (flags, body)."""
    frames = []
    pos = 0
    while pos < len(data):
        flags = data[pos]
        if flags & 2:
            size = int.from_bytes(data[pos + 1:pos + 9], "big")
            start = pos + 9
        else:
            size = data[pos + 1]
            start = pos + 2
        frames.append((flags, data[start:start + size]))
        pos = start + size
    return frames


def frame(flags: int, body: bytes) -> bytes:
    if len(body) > 255:
        return bytes([flags | 2]) + len(body).to_bytes(8, "big") + body
    return bytes([flags, len(body)]) + body


class Driver:
    """Blocking, timeout-guarded plumbing between a TCP socket and a Connection."""

    def __init__(self, sock: socket.socket, conn: Connection, kick=None) -> None:
        self.sock = sock
        self.conn = conn
        self.kick = kick  # called while waiting (lets libzmq attach pipes)
        self.items: list = []
        self.eof = False
        self.sock.settimeout(TIMEOUT)
        self.flush()

    def flush(self) -> None:
        chunks = self.conn.data_to_send()
        if chunks:
            self.sock.sendall(b"".join(bytes(c) for c in chunks))

    def pump_once(self, timeout: float = 0.2) -> None:
        self.sock.settimeout(timeout)
        try:
            data = self.sock.recv(1 << 16)
        except socket.timeout:
            return
        except ConnectionResetError:
            data = b""
        if not data:
            self.eof = True
            raise EOFError("peer closed the connection")
        try:
            self.items += self.conn.receive_data(data)
        finally:
            self.flush()

    def wait_for(self, predicate, timeout: float = TIMEOUT):
        deadline = time.monotonic() + timeout
        while True:
            for i, item in enumerate(self.items):
                if predicate(item):
                    del self.items[i]
                    return item
            if time.monotonic() > deadline:
                raise TimeoutError(f"nothing matched; have {self.items!r}")
            if self.kick is not None:
                self.kick()
            self.pump_once()

    def wait_handshake(self, timeout: float = TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while not self.conn.handshake_done:
            if time.monotonic() > deadline:
                raise TimeoutError("CURVE handshake did not complete")
            if self.kick is not None:
                self.kick()
            self.pump_once()

    def wait_eof(self, timeout: float = TIMEOUT) -> None:
        """Pump until the peer closes; ProtocolErrors are collected."""
        deadline = time.monotonic() + timeout
        while not self.eof:
            if time.monotonic() > deadline:
                raise TimeoutError("peer did not close the connection")
            try:
                self.pump_once()
            except EOFError:
                return

    def close(self) -> None:
        self.sock.close()


__all__ = ["Keys", "keypair", "client_connection", "server_connection", "pump", "joined",
           "split_frames", "frame", "Driver", "TIMEOUT", "ProtocolError"]
