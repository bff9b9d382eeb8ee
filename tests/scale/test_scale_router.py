"""Scale: one purezmq ROUTER with 10,000 concurrent TCP peers on loopback.

The peers are raw sockets in 4 helper processes (2,500 each, driven by
epoll), each speaking a minimal ZMTP 3.0 NULL DEALER handshake with its own
Identity.  All 10,000 stay connected at once; then every peer sends one
message and must get its own reply.  The ROUTER's memory per connection
(RSS growth from before the first peer to all 10,000 handshaken) is printed
(visible with -s) and written to purezmq-scale-last-run.txt in the temp directory.

Run: python -m pytest -s tests/scale
"""

from __future__ import annotations

import os
import tempfile
import resource
import selectors
import subprocess
import sys
import time

import pytest

import purezmq as pz

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.abspath(os.path.join(HERE, "..", "..", "src"))
PEERS = 10_000
HELPERS = 4
REPORT = os.path.join(tempfile.gettempdir(), "purezmq-scale-last-run.txt")

HELPER = r"""
import os, selectors, socket, struct, sys, time
port, first, count, inflight = map(int, sys.argv[1:5])
SIG = b"\xff" + b"\x00" * 7 + b"\x01\x7f"
GREET = SIG + b"\x03\x00" + b"NULL".ljust(20, b"\x00") + b"\x00" + bytes(31)   # ZMTP 3.0
def prop(k, v): return bytes([len(k)]) + k + struct.pack(">I", len(v)) + v
def ready(ident):
    body = b"\x05READY" + prop(b"Socket-Type", b"DEALER") + prop(b"Identity", ident)
    return bytes([0x04, len(body)]) + body
def frames(buf):
    # Complete frames at the front of buf: [(flags, body)], rest
    out, pos = [], 0
    while True:
        if len(buf) - pos < 2:
            break
        flags = buf[pos]
        if flags & 0x02:
            if len(buf) - pos < 9:
                break
            (size,) = struct.unpack(">Q", buf[pos + 1:pos + 9]); hdr = 9
        else:
            size = buf[pos + 1]; hdr = 2
        if len(buf) - pos < hdr + size:
            break
        out.append((flags, buf[pos + hdr:pos + hdr + size]))
        pos += hdr + size
    return out, buf[pos:]

sel = selectors.DefaultSelector()
conns = {}   # sock -> state dict
next_i = 0
handshaken = 0
pending = 0
errors = 0
def dial():
    global next_i, pending
    i = first + next_i
    next_i += 1
    s = socket.socket()
    s.setblocking(False)
    s.connect_ex(("127.0.0.1", port))
    st = {"id": b"peer-%05d" % i, "out": b"", "buf": b"", "phase": "connecting"}
    st["out"] = GREET + ready(st["id"])
    conns[s] = st
    sel.register(s, selectors.EVENT_WRITE, st)
    pending += 1

def on_event(s, st, ev):
    global handshaken, pending, errors, replied
    if ev & selectors.EVENT_WRITE and st["out"]:
        try:
            n = s.send(st["out"])
            st["out"] = st["out"][n:]
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            errors += 1; sel.unregister(s); s.close(); del conns[s]; pending -= 1
            return
        if not st["out"]:
            sel.modify(s, selectors.EVENT_READ, st)
        return
    if ev & selectors.EVENT_READ:
        try:
            data = s.recv(65536)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if not data:
            errors += 1; sel.unregister(s); s.close(); del conns[s]
            if st["phase"] != "done": pending -= 1
            return
        st["buf"] += data
        if st["phase"] == "connecting":
            if len(st["buf"]) < 64:
                return
            assert st["buf"][:1] == b"\xff" and st["buf"][10] == 3, st["buf"][:12]
            st["buf"] = st["buf"][64:]
            st["phase"] = "greeted"
        fr, st["buf"] = frames(st["buf"])
        for flags, body in fr:
            if st["phase"] == "greeted":
                assert flags & 0x04 and body[:6] == b"\x05READY", (flags, body[:10])
                st["phase"] = "ready"
                handshaken += 1
                pending -= 1
            elif flags & 0x04:
                continue   # PING etc.
            elif st["phase"] == "sent":
                if body == b"reply:" + st["id"]:
                    st["phase"] = "done"
                    replied += 1
                else:
                    errors += 1

replied = 0
deadline = time.monotonic() + 200
while handshaken + errors < count and time.monotonic() < deadline:
    while next_i < count and pending < inflight:
        dial()
    for key, ev in sel.select(0.05):
        on_event(key.fileobj, key.data, ev)
print("handshaken", handshaken, errors, flush=True)
line = sys.stdin.readline()          # "go"
t0 = time.monotonic()
for s, st in list(conns.items()):
    if st["phase"] == "ready":
        st["phase"] = "sent"
        msg = b"hello:" + st["id"]
        s.setblocking(True)
        s.sendall(bytes([0, len(msg)]) + msg)
        s.setblocking(False)
deadline = time.monotonic() + 60
while replied < handshaken and time.monotonic() < deadline:
    for key, ev in sel.select(0.05):
        on_event(key.fileobj, key.data, ev)
print("replied", replied, errors, "%.2f" % (time.monotonic() - t0), flush=True)
sys.stdin.readline()                 # "bye"
for s in list(conns):
    s.close()
"""


def _rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _readline(proc, timeout: float) -> str:
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    buf = b""
    deadline = time.monotonic() + timeout
    fd = proc.stdout.fileno()
    while not buf.endswith(b"\n"):
        left = deadline - time.monotonic()
        if left <= 0 or not sel.select(left):
            sel.close()
            raise TimeoutError(f"helper {proc.pid} silent for {timeout} s (have {buf!r})")
        chunk = os.read(fd, 1)
        if not chunk:
            sel.close()
            raise EOFError(f"helper {proc.pid} exited rc={proc.poll()}: "
                           f"{proc.stderr.read().decode()[-2000:]}")
        buf += chunk
    sel.close()
    return buf.decode().strip()


@pytest.mark.timeout(300)
def test_router_with_10000_concurrent_tcp_peers():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    need = PEERS + 1000
    if hard != resource.RLIM_INFINITY and hard < need:
        pytest.skip(f"RLIMIT_NOFILE hard limit {hard} < {need} needed for {PEERS} peers")
    new_soft = need * 2 if hard == resource.RLIM_INFINITY else hard
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(new_soft, 1 << 20)), hard))
    ctx = pz.Context()
    router = ctx.socket(pz.ROUTER)
    router.linger = 0
    router.backlog = 4096
    router.rcvtimeo = 10000
    router.sndtimeo = 10000
    router.router_mandatory = 1
    helpers = []
    lines = []

    def note(s: str) -> None:
        print(s, flush=True)
        lines.append(s)

    try:
        router.bind("tcp://127.0.0.1:*")
        port = int(router.last_endpoint.decode().rsplit(":", 1)[1])
        # Warm up: one connection in and out, so one-time costs are not counted.
        d = ctx.socket(pz.DEALER)
        d.linger = 0
        d.connect(router.last_endpoint.decode())
        d.send(b"warm")
        router.recv_multipart()
        d.close()
        time.sleep(0.2)
        router.getsockopt(pz.EVENTS)
        rss0 = _rss()
        t0 = time.monotonic()
        env = dict(os.environ, PYTHONPATH=SRC)
        per = PEERS // HELPERS
        for k in range(HELPERS):
            helpers.append(subprocess.Popen(
                [sys.executable, "-c", HELPER, str(port), str(k * per), str(per), "200"],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env))
        # The ROUTER accepts and handshakes in its I/O thread meanwhile.
        done = []
        for h in helpers:
            done.append(_readline(h, 200).split())
        t_hs = time.monotonic() - t0
        ok = sum(int(x[1]) for x in done)
        errs = sum(int(x[2]) for x in done)
        deadline = time.monotonic() + 30
        while len(router.underlying.pipes) < ok and time.monotonic() < deadline:
            router.getsockopt(pz.EVENTS)
            time.sleep(0.05)
        n_pipes = len(router.underlying.pipes)
        rss1 = _rss()
        note(f"[scale] {ok} peers handshaken ({errs} failed) in {t_hs:.1f} s; "
             f"ROUTER sees {n_pipes} pipes")
        note(f"[scale] ROUTER process RSS {rss0 / 2**20:.1f} MB -> {rss1 / 2**20:.1f} MB: "
             f"{(rss1 - rss0) / max(ok, 1) / 1024:.1f} KiB per connection")
        assert ok == PEERS, f"only {ok}/{PEERS} peers completed the handshake ({errs} failed)"
        assert n_pipes == PEERS, f"ROUTER has {n_pipes} pipes for {PEERS} peers"
        # Everyone talks at once; the ROUTER answers each by identity.
        for h in helpers:
            h.stdin.write(b"go\n")
            h.stdin.flush()
        t1 = time.monotonic()
        seen = set()
        while len(seen) < PEERS:
            ident, body = router.recv_multipart()
            assert body == b"hello:" + ident, (ident, body)
            assert ident not in seen, f"duplicate from {ident!r}"
            seen.add(ident)
            router.send_multipart([ident, b"reply:" + ident])
        t_x = time.monotonic() - t1
        replies = [_readline(h, 60).split() for h in helpers]
        replied = sum(int(x[1]) for x in replies)
        rss2 = _rss()
        note(f"[scale] {PEERS} requests served and {replied} replies verified in {t_x:.1f} s; "
             f"RSS after exchange {rss2 / 2**20:.1f} MB "
             f"({(rss2 - rss0) / PEERS / 1024:.1f} KiB per connection)")
        assert replied == PEERS, f"only {replied}/{PEERS} peers got their reply"
    finally:
        for h in helpers:
            try:
                h.stdin.write(b"bye\n")
                h.stdin.flush()
            except OSError:
                pass
        for h in helpers:
            try:
                h.wait(20)
            except subprocess.TimeoutExpired:
                h.kill()
                h.wait(5)
            for f in (h.stdin, h.stdout, h.stderr):
                f.close()
        router.close()
        ctx.destroy(linger=0)
        if lines:
            with open(REPORT, "w") as f:
                f.write(time.strftime("%Y-%m-%d %H:%M:%S") + "\n" + "\n".join(lines) + "\n")
