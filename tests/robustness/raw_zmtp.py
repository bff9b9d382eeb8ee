"""A ZMTP 3.1 peer over a plain TCP socket, with every byte built by hand
from RFC 23/37 (deliberately not using purezmq's codec), so tests can stop,
corrupt or reorder a handshake anywhere.

Greeting (64 octets): signature ``FF 00*7 01 7F``, version ``03 01``,
mechanism "NULL" padded with NULs to 20 octets, as-server ``00``, 31 NULs.
Frame: flags (bit0 MORE, bit1 LONG, bit2 COMMAND), size (1 octet, or 8
octets big-endian when LONG), body.  Command body: name length, name, data.
READY data: properties, each name length (1), name, value length (4, big
endian), value.
"""

from __future__ import annotations

import os
import socket
import struct
import time

MORE, LONG, COMMAND = 0x01, 0x02, 0x04
SIGNATURE = b"\xff" + b"\x00" * 7 + b"\x01" + b"\x7f"
TIMEOUT = 3.0


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


def parse_properties(data: bytes) -> dict:
    props, pos = {}, 0
    while pos < len(data):
        n = data[pos]
        name = data[pos + 1:pos + 1 + n].decode("latin-1")
        pos += 1 + n
        (size,) = struct.unpack(">I", data[pos:pos + 4])
        props[name] = data[pos + 4:pos + 4 + size]
        pos += 4 + size
    return props


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


class RawPeer:
    """A TCP connection driven byte by byte; every read has a deadline."""

    def __init__(self, port: int = 0, host: str = "127.0.0.1", timeout: float = TIMEOUT,
                 sock: socket.socket | None = None) -> None:
        self.sock = sock if sock is not None else socket.create_connection((host, port),
                                                                           timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.timeout = timeout
        self.buf = b""
        self.peer_greeting = b""
        self.peer_ready: dict = {}

    # -- plumbing ----------------------------------------------------------
    def send(self, data: bytes) -> bool:
        """Send everything; False if the server already dropped us."""
        try:
            self.sock.sendall(data)
            return True
        except OSError:
            return False

    def recv_exact(self, n: int, timeout: float | None = None) -> bytes:
        deadline = time.monotonic() + (timeout or self.timeout)
        while len(self.buf) < n:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"waited for {n} octets, have {len(self.buf)}")
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                raise TimeoutError(f"waited for {n} octets, have {len(self.buf)}") from None
            if not chunk:
                raise EOFError(f"EOF after {len(self.buf)} of {n} octets")
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def wait_closed(self, timeout: float = 2.0) -> bool:
        """Read and discard until EOF or reset: True; still open at the deadline: False."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                return False
            except OSError:  # ECONNRESET: the server closed with our bytes unread
                return True
            if not chunk:
                return True

    def is_open(self, wait: float = 0.05) -> bool:
        """Peek: the server has not closed the connection (data may be pending)."""
        self.sock.settimeout(wait)
        try:
            data = self.sock.recv(1, socket.MSG_PEEK)
        except socket.timeout:
            return True
        except OSError:
            return False
        return bool(data)

    def close(self, reset: bool = False) -> None:
        if reset:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.sock.close()

    # -- ZMTP ----------------------------------------------------------------
    def recv_frame(self, timeout: float | None = None) -> tuple[int, bytes]:
        flags = self.recv_exact(1, timeout)[0]
        if flags & LONG:
            (size,) = struct.unpack(">Q", self.recv_exact(8, timeout))
        else:
            size = self.recv_exact(1, timeout)[0]
        return flags, self.recv_exact(size, timeout)

    def recv_message(self, timeout: float | None = None) -> list:
        """Next data message (commands such as PING are skipped)."""
        parts = []
        while True:
            flags, body = self.recv_frame(timeout)
            if flags & COMMAND:
                continue
            parts.append(body)
            if not flags & MORE:
                return parts

    def read_greeting(self) -> bytes:
        g = self.recv_exact(64)
        assert g[0] == 0xFF and g[9] & 1 and g[9] == 0x7F, g[:10]
        assert g[10] == 3, f"server major version {g[10]}"
        assert g[11] >= 1, f"server minor version {g[11]}"
        assert g[12:32] == b"NULL".ljust(20, b"\x00"), g[12:32]
        self.peer_greeting = g
        return g

    def read_ready(self) -> dict:
        flags, body = self.recv_frame()
        assert flags == COMMAND, flags
        assert body[:6] == b"\x05READY", body[:16]
        self.peer_ready = parse_properties(body[6:])
        return self.peer_ready

    def handshake(self, socket_type: bytes = b"DEALER", identity: bytes | None = b"",
                  minor: int = 1, extra: bytes = b"") -> dict:
        """Complete the NULL handshake; return the server's READY properties."""
        self.send(greeting(minor=minor))
        self.read_greeting()
        self.send(ready(socket_type, identity, extra))
        return self.read_ready()


class RawListener:
    """A plain TCP listener on a free port: a raw ZMTP *server* for a
    connecting purezmq socket."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.endpoint = f"tcp://127.0.0.1:{self.port}"

    def accept(self, timeout: float = TIMEOUT) -> RawPeer:
        self.sock.settimeout(timeout)
        conn, _ = self.sock.accept()
        conn.settimeout(timeout)
        return RawPeer(sock=conn, timeout=timeout)

    def close(self) -> None:
        self.sock.close()
