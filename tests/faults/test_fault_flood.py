"""A bound purezmq ROUTER flooded with random bytes by 50 raw TCP
connections (in another process, redialling whenever dropped), some pure
noise, some a valid greeting then noise, some a full handshake then noise,
while a libzmq DEALER and a purezmq DEALER keep exchanging sequenced
messages with it: none is lost, duplicated, reordered or corrupted, and
once the flood stops every hostile connection is gone."""

from __future__ import annotations

import time

import pytest

import purezmq as pz
from fault_tools import Child, open_fds, pipes, wait_until

zmq = pytest.importorskip("zmq")

FLOODER = r"""
import os, random, selectors, socket, sys, time, struct
port, n, seconds = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
SIG = b"\xff" + b"\x00" * 7 + b"\x01\x7f"
GREET = SIG + b"\x03\x01" + b"NULL".ljust(20, b"\x00") + b"\x00" + bytes(31)
def prop(k, v): return bytes([len(k)]) + k + struct.pack(">I", len(v)) + v
READY = b"\x04" + bytes([len(b"\x05READY" + prop(b"Socket-Type", b"DEALER"))]) \
    + b"\x05READY" + prop(b"Socket-Type", b"DEALER")
rng = random.Random(1234)
sel = selectors.DefaultSelector()
stats = {"dials": 0, "dropped": 0, "bytes": 0}
def dial(i):
    s = socket.socket()
    s.setblocking(False)
    s.connect_ex(("127.0.0.1", port))
    kind = i % 3
    pre = [b"", GREET, GREET + READY][kind]
    sel.register(s, selectors.EVENT_READ | selectors.EVENT_WRITE, [i, pre])
    stats["dials"] += 1
for i in range(n):
    dial(i)
end = time.monotonic() + seconds
while time.monotonic() < end:
    for key, ev in sel.select(0.05):
        s = key.fileobj
        i, pre = key.data
        dead = False
        if ev & selectors.EVENT_READ:
            try:
                if not s.recv(65536):
                    dead = True
            except (BlockingIOError, InterruptedError):
                pass
            except OSError:
                dead = True
        if not dead and ev & selectors.EVENT_WRITE:
            data = pre + os.urandom(rng.randint(1, 4096))
            key.data[1] = b""
            try:
                stats["bytes"] += s.send(data)
            except (BlockingIOError, InterruptedError):
                pass
            except OSError:
                dead = True
        if dead:
            sel.unregister(s)
            s.close()
            stats["dropped"] += 1
            dial(i)
    time.sleep(0.001)
for key in list(sel.get_map().values()):
    key.fileobj.close()
print("stats", stats["dials"], stats["dropped"], stats["bytes"], flush=True)
"""


def test_flood_of_random_bytes_from_50_connections(ctx, zctx):
    router = ctx.socket(pz.ROUTER)
    router.linger = 0
    router.rcvtimeo = 3000
    router.sndtimeo = 3000
    router.router_mandatory = 1
    router.bind("tcp://127.0.0.1:*")
    ep = router.last_endpoint.decode()
    port = int(ep.rsplit(":", 1)[1])
    peers = {}
    for name, context, lib in ((b"lz", zctx, zmq), (b"pz", ctx, pz)):
        d = context.socket(lib.DEALER)
        d.linger = 0
        d.rcvtimeo = 3000
        d.routing_id = name
        d.connect(ep)
        peers[name] = d
    for name, d in peers.items():   # both connected before the flood
        d.send(b"hello")
    for _ in peers:
        ident, m = router.recv_multipart()
        assert m == b"hello"
        router.send_multipart([ident, b"hello"])
    for d in peers.values():
        assert d.recv() == b"hello"
    fds0 = open_fds()
    sent = {n: 0 for n in peers}
    served = {n: 0 for n in peers}
    returned = {n: 0 for n in peers}
    strangers = 0
    child = Child(FLOODER, port, 50, 4.0)
    try:
        t_end = time.monotonic() + 4.0
        while time.monotonic() < t_end:
            for name, d in peers.items():
                for _ in range(10):
                    d.send_multipart([b"%s-%d" % (name, sent[name]), b"payload"])
                    sent[name] += 1
            deadline = time.monotonic() + 5
            while any(served[n] < sent[n] for n in peers):
                assert time.monotonic() < deadline, \
                    f"messages lost under flood: sent {sent}, served {served}"
                if not router.poll(100):
                    continue
                msg = router.recv_multipart()
                name = msg[0]
                if name not in peers:
                    strangers += 1   # what a ZMTP-1.0-shaped burst of noise "sent"
                    continue
                expect = [name, b"%s-%d" % (name, served[name]), b"payload"]
                assert msg == expect, f"lost/reordered/corrupted: want {expect!r}, got {msg!r}"
                served[name] += 1
                router.send_multipart(msg)
            for name, d in peers.items():
                while returned[name] < served[name]:
                    m = d.recv_multipart()
                    assert m == [b"%s-%d" % (name, returned[name]), b"payload"], m
                    returned[name] += 1
        stats = child.expect("stats", 15).split()
        dials, dropped, flooded = map(int, stats)
        assert child.wait(10) == 0
    finally:
        child.kill()
    assert flooded > 1_000_000, f"flood too weak to mean anything: {flooded} octets"
    assert dropped > 50, f"the router dropped only {dropped} hostile connections"
    assert min(sent.values()) > 100, sent
    # Afterwards: only the two real peers remain, no fd leaked.
    while router.poll(50):
        assert router.recv_multipart()[0] not in peers, "extra message from a real peer"
    assert wait_until(lambda: pipes(router) == 2, 5.0), f"{pipes(router)} pipes remain"
    assert wait_until(lambda: open_fds() <= fds0, 5.0), f"{open_fds() - fds0} fds leaked"
    for name, d in peers.items():
        d.send_multipart([b"final", name])
        assert router.recv_multipart() == [name, b"final", name]
