"""Shared helpers for the fault-injection suite: child processes that can be
killed or SIGSTOPped, a hand-built ZMTP 3.x peer over a plain TCP socket,
a TCP proxy that can cut or black-hole connections, and resource counters
(fds, threads, RSS, live purezmq objects).  Every wait has a deadline."""

from __future__ import annotations

import collections
import gc
import os
import selectors
import signal
import socket
import struct
import subprocess
import sys
import threading
import time

import purezmq as pz
from zmtp_bytes import (COMMAND, LONG, MORE, SIGNATURE, command, frame,  # noqa: F401
                        greeting, long_header, message, prop, ready)

SRC = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "src"))
TESTS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # zmtp_bytes


# ----------------------------------------------------------------------------
# Waiting and counting
# ----------------------------------------------------------------------------
def wait_until(cond, timeout: float, step: float = 0.01) -> bool:
    deadline = time.monotonic() + timeout
    while True:
        if cond():
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(step)


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def rss_bytes(pid: int | str = "self") -> int:
    with open(f"/proc/{pid}/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def purezmq_objects() -> collections.Counter:
    """Live gc-tracked objects whose class lives in purezmq, by class name."""
    gc.collect()
    c: collections.Counter = collections.Counter()
    for o in gc.get_objects():
        mod = getattr(type(o), "__module__", None)
        if isinstance(mod, str) and mod.startswith("purezmq"):
            c[type(o).__qualname__] += 1
    return c


def pipes(s) -> int:
    s.getsockopt(pz.EVENTS)  # let it process pending commands first
    return len(s.underlying.pipes)


def tcp_sockets_on_port(port: int) -> list:
    """Every Python socket object of this process on either end of `port`."""
    found = []
    for obj in gc.get_objects():
        if isinstance(obj, socket.socket) and obj.fileno() >= 0 \
                and obj.family in (socket.AF_INET, socket.AF_INET6) \
                and obj.type == socket.SOCK_STREAM:
            try:
                ends = (obj.getsockname()[1], obj.getpeername()[1])
            except OSError:
                continue
            if port in ends:
                found.append(obj)
    return found


def port_of(s) -> int:
    return int(s.last_endpoint.decode().rsplit(":", 1)[1])


def free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


# ----------------------------------------------------------------------------
# Child processes
# ----------------------------------------------------------------------------
class Child:
    """`python -c code args...` with purezmq importable; line-based stdout."""

    def __init__(self, code: str, *args, env: dict | None = None) -> None:
        e = dict(os.environ)
        e["PYTHONPATH"] = os.pathsep.join([SRC, TESTS, e.get("PYTHONPATH", "")])
        e["PYTHONUNBUFFERED"] = "1"
        if env:
            e.update(env)
        self.proc = subprocess.Popen([sys.executable, "-c", code, *map(str, args)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, env=e)
        self.pid = self.proc.pid
        self._buf = b""
        self.lines: list = []

    def readline(self, timeout: float = 10.0) -> str:
        deadline = time.monotonic() + timeout
        fd = self.proc.stdout.fileno()
        while b"\n" not in self._buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"child {self.pid} said nothing for {timeout} s; "
                                   f"got {self._buf!r}; stderr: {self.stderr_now()}")
            sel = selectors.DefaultSelector()
            sel.register(fd, selectors.EVENT_READ)
            ready = sel.select(left)
            sel.close()
            if ready:
                chunk = os.read(fd, 65536)
                if not chunk:
                    raise EOFError(f"child {self.pid} exited (rc={self.proc.poll()}) "
                                   f"after {self._buf!r}; stderr: {self.stderr_now()}")
                self._buf += chunk
        line, self._buf = self._buf.split(b"\n", 1)
        s = line.decode()
        self.lines.append(s)
        return s

    def expect(self, prefix: str, timeout: float = 10.0) -> str:
        while True:
            line = self.readline(timeout)
            if line.startswith(prefix):
                return line[len(prefix):].strip()

    def write(self, line: str) -> None:
        self.proc.stdin.write(line.encode() + b"\n")
        self.proc.stdin.flush()

    def stderr_now(self) -> str:
        if self.proc.poll() is None:
            return "(still running)"
        try:
            return self.proc.stderr.read().decode(errors="replace")[-3000:]
        except Exception:
            return "?"

    def signal(self, sig: int) -> None:
        if self.proc.poll() is None:
            os.kill(self.pid, sig)

    def wait(self, timeout: float = 10.0) -> int:
        return self.proc.wait(timeout)

    def kill(self) -> None:
        if self.proc.poll() is None:
            try:
                os.kill(self.pid, signal.SIGCONT)
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            pass
        for f in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            try:
                f.close()
            except Exception:
                pass


class Raw:
    """A ZMTP peer on a plain blocking TCP socket; reads have deadlines."""

    def __init__(self, sock: socket.socket, timeout: float = 3.0) -> None:
        self.sock = sock
        self.timeout = timeout
        self.buf = b""
        self.received = 0  # octets read off the wire

    @classmethod
    def connect(cls, port: int, timeout: float = 3.0, rcvbuf: int | None = None) -> "Raw":
        s = socket.socket()
        if rcvbuf:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        s.settimeout(timeout)
        s.connect(("127.0.0.1", port))
        return cls(s, timeout)

    def send(self, data: bytes) -> bool:
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
                chunk = self.sock.recv(min(65536, max(n - len(self.buf), 4096)))
            except socket.timeout:
                raise TimeoutError(f"waited for {n} octets, have {len(self.buf)}") from None
            if not chunk:
                raise EOFError(f"EOF after {len(self.buf)} of {n} octets")
            self.received += len(chunk)
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def recv_frame(self, timeout: float | None = None) -> tuple:
        flags = self.recv_exact(1, timeout)[0]
        if flags & LONG:
            (size,) = struct.unpack(">Q", self.recv_exact(8, timeout))
        else:
            size = self.recv_exact(1, timeout)[0]
        return flags, self.recv_exact(size, timeout)

    def recv_message(self, timeout: float | None = None) -> list:
        parts = []
        while True:
            flags, body = self.recv_frame(timeout)
            if flags & COMMAND:
                continue
            parts.append(body)
            if not flags & MORE:
                return parts

    def handshake(self, socket_type: bytes = b"DEALER", identity: bytes | None = None,
                  as_server_first: bool = False) -> None:
        self.send(greeting())
        g = self.recv_exact(64)
        assert g[:1] == b"\xff" and g[10] == 3, g
        self.send(ready(socket_type, identity))
        flags, body = self.recv_frame()
        assert flags & COMMAND and body[:6] == b"\x05READY", (flags, body[:20])

    def wait_closed(self, timeout: float = 2.0) -> bool:
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
            except OSError:
                return True
            if not chunk:
                return True

    def close(self, reset: bool = False) -> None:
        if reset:
            try:
                self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            except OSError:
                pass
        self.sock.close()


class RawListener:
    def __init__(self, rcvbuf: int | None = None) -> None:
        self.sock = socket.socket()
        if rcvbuf:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.endpoint = f"tcp://127.0.0.1:{self.port}"

    def accept(self, timeout: float = 3.0) -> Raw:
        self.sock.settimeout(timeout)
        conn, _ = self.sock.accept()
        return Raw(conn, timeout)

    def close(self) -> None:
        self.sock.close()


# ----------------------------------------------------------------------------
# A TCP proxy that can cut (RST) or black-hole its connections
# ----------------------------------------------------------------------------
class Proxy:
    """Listens on a free port, forwards each connection to `target_port`.
    cut(): reset every live connection.  blackhole(True): keep connections
    open but silently drop everything in both directions."""

    def __init__(self, target_port: int) -> None:
        self.target = target_port
        self.lsock = socket.socket()
        self.lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.lsock.bind(("127.0.0.1", 0))
        self.lsock.listen(64)
        self.lsock.settimeout(0.1)
        self.port = self.lsock.getsockname()[1]
        self.endpoint = f"tcp://127.0.0.1:{self.port}"
        self.conns: list = []
        self.lock = threading.Lock()
        self.drop = False
        self.accepted = 0
        self.stopped = False
        self.threads = [threading.Thread(target=self._accept_loop, daemon=True)]
        self.threads[0].start()

    def _accept_loop(self) -> None:
        while not self.stopped:
            try:
                a, _ = self.lsock.accept()
            except (socket.timeout, OSError):
                continue
            try:
                b = socket.create_connection(("127.0.0.1", self.target), timeout=2)
            except OSError:
                a.close()
                continue
            with self.lock:
                self.conns.append((a, b))
                self.accepted += 1
            for src, dst in ((a, b), (b, a)):
                t = threading.Thread(target=self._pump, args=(src, dst), daemon=True)
                t.start()
                self.threads.append(t)

    def _pump(self, src, dst) -> None:
        src.settimeout(0.1)
        while not self.stopped:
            try:
                data = src.recv(65536)
            except socket.timeout:
                continue
            except OSError:
                break
            if not data:
                break
            if self.drop:
                continue
            try:
                dst.sendall(data)
            except OSError:
                break
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def blackhole(self, on: bool) -> None:
        self.drop = on

    def cut(self) -> None:
        with self.lock:
            conns, self.conns = self.conns, []
        for a, b in conns:
            for s in (a, b):
                try:
                    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    s.close()
                except OSError:
                    pass

    def close(self) -> None:
        self.stopped = True
        self.cut()
        self.lsock.close()
        for t in self.threads:
            t.join(2)


# ----------------------------------------------------------------------------
# Monitor helper
# ----------------------------------------------------------------------------
def wait_event(mon, wanted: int, timeout: float) -> dict | None:
    """Next monitor event of type `wanted` within timeout (others skipped)."""
    from purezmq.utils.monitor import recv_monitor_message  # type: ignore
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        if not mon.poll(int(left * 1000) + 1):
            return None
        ev = recv_monitor_message(mon)
        if ev["event"] == wanted:
            return ev
