"""Helpers for the monitor tests: run one scenario under libzmq (pyzmq) and
under purezmq, read each socket's monitor with bounded waits, and normalise
the events so that the two runs can be compared.

An event is recorded as ``(name, value, endpoint)``:

* ``name`` is libzmq's event name ("CONNECTED", "BIND_FAILED", ...);
* ``value`` is kept where libzmq's value is deterministic (an errno, a
  reconnect interval, a protocol error code, 0) and replaced by "fd" for the
  events whose value is a file descriptor (CONNECTED, LISTENING, ACCEPTED,
  CLOSED, DISCONNECTED): fd numbers of two processes' worth of sockets are
  not comparable.  Tests that care check fd *relations* separately (e.g.
  the fd in ACCEPTED is the one later in DISCONNECTED);
* ``endpoint`` has the scenario's concrete endpoints (random ports, temp
  paths) replaced by symbolic names given by the test.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from typing import Any, Callable, NamedTuple

import pytest

import purezmq as pz
import purezmq.utils.monitor as pz_monitor

zmq = pytest.importorskip("zmq")
import zmq.utils.monitor as lz_monitor  # noqa: E402

LIBS = {"lz": zmq, "pz": pz}
EVENT_WAIT = 3.0  # seconds: how long any expected event may take
QUIET_MS = 300  # "no more events": nothing for this long

FD_EVENTS = {"CONNECTED", "LISTENING", "ACCEPTED", "CLOSED", "DISCONNECTED"}
RETRY_EVENTS = {"CONNECT_DELAYED", "CONNECT_RETRIED", "CLOSED"}


class Ev(NamedTuple):
    name: str
    value: int
    endpoint: str


def lib_name(lib: Any) -> str:
    return "pz" if lib is pz else "lz"


def event_name(event_id: int) -> str:
    return zmq.Event(int(event_id) & 0xFFFF).name


def _recv_fn(lib: Any) -> Callable:
    return pz_monitor.recv_monitor_message if lib is pz else lz_monitor.recv_monitor_message


class Monitor:
    """Reads one monitor PAIR socket, never blocking without a timeout."""

    def __init__(self, lib: Any, mon_sock: Any, kick: Callable[[], None] | None = None) -> None:
        self.lib = lib
        self.sock = mon_sock
        self.kick = kick
        self.seen: list[Ev] = []

    @classmethod
    def of(cls, lib: Any, sock: Any, events: int | None = None, **kw: Any) -> "Monitor":
        return cls(lib, sock.get_monitor_socket(events), **kw)

    def next(self, timeout: float = EVENT_WAIT) -> Ev | None:
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            step = min(left, 0.05 if self.kick else left)
            if self.sock.poll(max(1, int(step * 1000))):
                break
            if self.kick is not None:
                self.kick()
        msg = _recv_fn(self.lib)(self.sock)
        ev = Ev(event_name(int(msg["event"])), int(msg["value"]),
                bytes(msg["endpoint"]).decode("utf-8", "replace"))
        self.seen.append(ev)
        return ev

    def until(self, stop: str | Callable[[Ev], bool], timeout: float = EVENT_WAIT,
              count: int = 1) -> list[Ev]:
        """Events up to and including the `count`-th one matching `stop`;
        fails the test if that does not happen within `timeout`."""
        pred = (lambda e: e.name == stop) if isinstance(stop, str) else stop
        out: list[Ev] = []
        hits = 0
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            ev = self.next(left) if left > 0 else None
            if ev is None:
                pytest.fail(f"[{lib_name(self.lib)}] timed out waiting for {stop!r}; got {out}")
            out.append(ev)
            if pred(ev):
                hits += 1
                if hits >= count:
                    return out

    def quiet(self, quiet_ms: int = QUIET_MS, limit: float = EVENT_WAIT) -> list[Ev]:
        """Everything until the monitor is silent for quiet_ms (at most `limit` s)."""
        out: list[Ev] = []
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            ev = self.next(quiet_ms / 1000.0)
            if ev is None:
                break
            out.append(ev)
        return out


def norm(events: list[Ev], names: dict[str, str] | None = None,
         keep_fd: bool = False, drop_values: tuple = ()) -> list[tuple]:
    """Comparable form: fd values hidden, concrete endpoints renamed."""
    names = names or {}
    out = []
    for e in events:
        value: Any = e.value
        if e.name in FD_EVENTS and not keep_fd:
            value = "fd"
        elif e.name in drop_values:
            value = "*"
        ep = names.get(e.endpoint, e.endpoint)
        out.append((e.name, value, ep))
    return out


def endpoint_names(ep: str, label: str = "EP") -> dict[str, str]:
    """{concrete endpoint: label, bare address: label-addr} for one endpoint
    (libzmq reports BIND_FAILED with the address minus 'tcp://')."""
    bare = ep.split("://", 1)[1] if "://" in ep else ep
    return {ep: label, bare: label + "-addr"}


def last_ep(sock: Any) -> str:
    ep = sock.last_endpoint
    return ep.decode() if isinstance(ep, bytes) else ep


def lib_name_of(sock: Any) -> str:
    return "pz" if isinstance(sock, pz.Socket) else "lz"


def sock(ctx: Any, lib: Any, kind: str = "PAIR", **options: Any) -> Any:
    s = ctx.socket(getattr(lib, kind))
    s.setsockopt(lib.LINGER, 0)
    s.setsockopt(lib.RCVTIMEO, 2000)
    s.setsockopt(lib.SNDTIMEO, 2000)
    for name, value in options.items():
        s.setsockopt(getattr(lib, name.upper()), value)
    return s


def destroy(ctx: Any) -> None:
    """Destroy a context of either library, failing (not hanging) if stuck."""
    done = threading.Event()
    err: list = []

    def run() -> None:
        try:
            ctx.destroy(linger=0)
        except Exception as e:  # pragma: no cover - reported below
            err.append(e)
        done.set()

    t = threading.Thread(target=run, daemon=True)
    t.start()
    if not done.wait(10):
        pytest.fail(f"{ctx!r}.destroy() hung for 10 s")
    if err:
        raise err[0]


def run_both(scenario: Callable, *args: Any, libs: tuple = ("lz", "pz"), **kw: Any) -> dict:
    """scenario(lib, ctx, *args) once per library, each in a fresh context."""
    results = {}
    for key in libs:
        lib = LIBS[key]
        ctx = lib.Context()
        try:
            results[key] = scenario(lib, ctx, *args, **kw)
        finally:
            destroy(ctx)
    return results


def assert_same(results: dict, expected_lz: Any = None) -> None:
    """libzmq's result is the reference: check it (when the test knows it),
    then require purezmq's to equal it."""
    lz, pz_ = results["lz"], results["pz"]
    if expected_lz is not None:
        assert lz == expected_lz, f"libzmq reference changed?\n  libzmq: {lz}\n  expected: {expected_lz}"
    assert pz_ == lz, f"purezmq differs from libzmq\n  libzmq:  {lz}\n  purezmq: {pz_}"


# -- endpoints ----------------------------------------------------------------
_counter = iter(range(1, 1 << 30))


def bind_ep(transport: str, ipc_dir: str) -> str:
    if transport == "tcp":
        return "tcp://127.0.0.1:*"
    if transport == "ipc":
        return f"ipc://{ipc_dir}/m{next(_counter)}"
    if transport == "inproc":
        return f"inproc://monitor-test-{os.getpid()}-{next(_counter)}"
    raise ValueError(transport)


class Vacant:
    """An endpoint with nothing listening on it, held until release().

    tcp: a port kept by a bound, *not listening* OS socket (connects to it are
    refused), so nobody else takes it before the test binds it itself.
    ipc: a path in the test's private directory that does not exist yet.
    """

    def __init__(self, transport: str, ipc_dir: str) -> None:
        self._holder: socket.socket | None = None
        if transport == "tcp":
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            self._holder = s
            self.endpoint = "tcp://127.0.0.1:%d" % s.getsockname()[1]
        else:
            self.endpoint = bind_ep(transport, ipc_dir)

    def release(self) -> str:
        if self._holder is not None:
            self._holder.close()
            self._holder = None
        return self.endpoint


# -- raw (non-ZMTP) peers -------------------------------------------------------
def raw_connect(endpoint: str) -> socket.socket:
    transport, addr = endpoint.split("://", 1)
    if transport == "tcp":
        host, port = addr.rsplit(":", 1)
        s = socket.create_connection((host, int(port)), timeout=2)
    else:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(2)
        s.connect(addr)
    return s


def recv_exactly(s: socket.socket, n: int, timeout: float = 2.0) -> bytes:
    s.settimeout(timeout)
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            break
        buf += chunk
    return buf


def drain_raw(s: socket.socket, quiet: float = 0.1) -> bytes:
    s.settimeout(quiet)
    buf = b""
    try:
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            buf += chunk
    except (socket.timeout, OSError):
        pass
    return buf


def greeting(mechanism: bytes = b"NULL", major: int = 3, minor: int = 0, as_server: bool = False) -> bytes:
    """A ZMTP 3 greeting (64 bytes)."""
    return (b"\xff" + b"\x00" * 8 + b"\x7f" + bytes([major, minor])
            + mechanism.ljust(20, b"\x00") + bytes([1 if as_server else 0]) + b"\x00" * 31)


def ready_command(socket_type: bytes) -> bytes:
    body = b"\x05READY" + b"\x0bSocket-Type" + len(socket_type).to_bytes(4, "big") + socket_type
    return bytes([0x04, len(body)]) + body


class RawServer:
    """A listening OS socket whose every accepted connection gets
    `behaviour(conn)`, on a thread; stop() ends it (bounded)."""

    def __init__(self, transport: str, ipc_dir: str, behaviour: Callable[[socket.socket], None]) -> None:
        if transport == "tcp":
            self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            self.sock.bind(("127.0.0.1", 0))
            self.endpoint = "tcp://127.0.0.1:%d" % self.sock.getsockname()[1]
        else:
            path = f"{ipc_dir}/raw{next(_counter)}"
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.sock.bind(path)
            self.endpoint = f"ipc://{path}"
        self.sock.listen(16)
        self.sock.settimeout(0.05)
        self.behaviour = behaviour
        self.accepted = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            self.accepted += 1
            try:
                conn.settimeout(2)
                self.behaviour(conn)
            except OSError:
                pass
            finally:
                conn.close()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self.sock.close()
