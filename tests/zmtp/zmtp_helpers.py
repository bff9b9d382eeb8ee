"""Byte builders for the ZMTP codec tests, written from RFC 23/37 directly
(deliberately not using the codec's own encoders)."""

from __future__ import annotations

import struct

from purezmq.zmtp import Connection


def signature(identity_size: int = 0) -> bytes:
    return b"\xff" + struct.pack(">Q", identity_size + 1) + b"\x7f"


def greeting(mechanism: bytes = b"NULL", major: int = 3, minor: int = 1,
             as_server: int = 0) -> bytes:
    g = signature() + bytes([major, minor]) + mechanism.ljust(20, b"\x00") \
        + bytes([as_server]) + bytes(31)
    assert len(g) == 64
    return g


def frame(flags: int, body: bytes, long: bool | None = None) -> bytes:
    if long is None:
        long = len(body) > 255
    if long:
        return bytes([flags | 2]) + struct.pack(">Q", len(body)) + body
    return bytes([flags, len(body)]) + body


def command(name: bytes, data: bytes = b"", flags: int = 4) -> bytes:
    return frame(flags, bytes([len(name)]) + name + data)


def prop(name: bytes, value: bytes) -> bytes:
    return bytes([len(name)]) + name + struct.pack(">I", len(value)) + value


def ready(socket_type: bytes | None = b"ROUTER", **extra: bytes) -> bytes:
    body = b""
    if socket_type is not None:
        body += prop(b"Socket-Type", socket_type)
    for name, value in extra.items():
        body += prop(name.replace("_", "-").encode(), value)
    return command(b"READY", body)


def message(*parts: bytes) -> bytes:
    out = b""
    for i, part in enumerate(parts):
        out += frame(1 if i < len(parts) - 1 else 0, part)
    return out


def joined(conn: Connection) -> bytes:
    return b"".join(bytes(c) for c in conn.data_to_send())


def handshaken(socket_type: str = "DEALER", peer_type: bytes = b"ROUTER",
               minor: int = 1, **kwargs) -> Connection:
    """A Connection that has completed the NULL handshake with a fake peer."""
    conn = Connection(socket_type, **kwargs)
    events = conn.receive_data(greeting(minor=minor) + ready(peer_type))
    assert conn.handshake_done, events
    joined(conn)
    return conn


def pump(a: Connection, b: Connection, rounds: int = 4) -> tuple[list, list]:
    """Exchange queued bytes between two in-memory connections."""
    got_a: list = []
    got_b: list = []
    for _ in range(rounds):
        for chunk in a.data_to_send():
            got_b += b.receive_data(chunk)
        for chunk in b.data_to_send():
            got_a += a.receive_data(chunk)
    return got_a, got_b
