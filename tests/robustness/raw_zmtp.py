"""A ZMTP 3.1 peer over a plain TCP socket, with every byte built by hand
from RFC 23/37 (deliberately not using purezmq's codec), so tests can stop,
corrupt or reorder a handshake anywhere.

The bytes themselves come from tests/zmtp_bytes.py.
"""

from __future__ import annotations

import os
import socket
import struct
import time

from zmtp_bytes import (COMMAND, LONG, MORE, SIGNATURE, command, frame,  # noqa: F401
                        greeting, long_header, message, prop, ready)

TIMEOUT = 3.0


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
