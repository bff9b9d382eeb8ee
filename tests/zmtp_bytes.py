"""ZMTP 3.x bytes built by hand from RFC 23/37 (deliberately not with
purezmq's codec), shared by the raw peers of the robustness and fault
suites so that they can stop, corrupt or reorder a handshake anywhere.

Greeting (64 octets): signature ``FF 00*7 01 7F``, version ``03 01``,
mechanism "NULL" padded with NULs to 20 octets, as-server ``00``, 31 NULs.
Frame: flags (bit0 MORE, bit1 LONG, bit2 COMMAND), size (1 octet, or 8
octets big-endian when LONG), body.  Command body: name length, name, data.
READY data: properties, each name length (1), name, value length (4, big
endian), value.
"""

from __future__ import annotations

import struct

MORE, LONG, COMMAND = 0x01, 0x02, 0x04
SIGNATURE = b"\xff" + b"\x00" * 7 + b"\x01" + b"\x7f"


def greeting(mechanism: bytes = b"NULL", major: int = 3, minor: int = 1,
             as_server: int = 0) -> bytes:
    g = SIGNATURE + bytes([major, minor]) + mechanism.ljust(20, b"\x00")[:20] \
        + bytes([as_server]) + bytes(31)
    assert len(g) == 64
    return g


def frame(body: bytes, flags: int = 0, long: bool | None = None) -> bytes:
    if long is None:
        long = len(body) > 255
    if long:
        return bytes([flags | LONG]) + struct.pack(">Q", len(body)) + body
    return bytes([flags & ~LONG, len(body)]) + body


def long_header(size: int, flags: int = 0) -> bytes:
    """A LONG frame header announcing ``size`` octets (any 64-bit value)."""
    return bytes([flags | LONG]) + struct.pack(">Q", size)


def command(name: bytes, data: bytes = b"", flags: int = COMMAND) -> bytes:
    return frame(bytes([len(name)]) + name + data, flags)


def prop(name: bytes, value: bytes) -> bytes:
    return bytes([len(name)]) + name + struct.pack(">I", len(value)) + value


def ready(socket_type: bytes | None = b"DEALER", identity: bytes | None = None,
          extra: bytes = b"") -> bytes:
    body = b""
    if socket_type is not None:
        body += prop(b"Socket-Type", socket_type)
    if identity is not None:
        body += prop(b"Identity", identity)
    return command(b"READY", body + extra)


def message(*parts: bytes) -> bytes:
    return b"".join(frame(p, MORE if i < len(parts) - 1 else 0) for i, p in enumerate(parts))
