"""The bound purezmq socket the robustness tests attack, with two
well-behaved peers (a libzmq DEALER and a purezmq DEALER) whose traffic is
sequenced end to end, so a lost, duplicated, reordered or smuggled message
is caught."""

from __future__ import annotations

import time

import pytest

import purezmq as pz
from raw_zmtp import open_fds

zmq = pytest.importorskip("zmq")

TIMEOUT_MS = 2000


class Server:
    """A bound purezmq ROUTER echoing for a libzmq and a purezmq DEALER."""

    def __init__(self, ctx, zctx, **options) -> None:
        r = ctx.socket(pz.ROUTER)
        r.linger = 0
        r.rcvtimeo = TIMEOUT_MS
        r.sndtimeo = TIMEOUT_MS
        r.router_mandatory = 1
        for name, value in options.items():
            r.setsockopt(getattr(pz, name.upper()), value)
        r.bind("tcp://127.0.0.1:*")
        self.router = r
        self.endpoint = r.last_endpoint.decode()
        self.port = int(self.endpoint.rsplit(":", 1)[1])
        self.peers = {}
        # Garbage that parses as ZMTP 1.0 is an (anonymous) peer's messages,
        # for libzmq and purezmq alike; tests may accept them.
        self.strangers_welcome = False
        for name, context, lib in ((b"lz", zctx, zmq), (b"pz", ctx, pz)):
            d = context.socket(lib.DEALER)
            d.linger = 0
            d.rcvtimeo = TIMEOUT_MS
            d.sndtimeo = TIMEOUT_MS
            d.routing_id = name
            d.connect(self.endpoint)
            self.peers[name] = d
        self.sent = {name: 0 for name in self.peers}      # next sequence number to send
        self.served = {name: 0 for name in self.peers}    # next one the router must see
        self.returned = {name: 0 for name in self.peers}  # next echo the dealer must see
        self.exchange(3)
        self.baseline_fds = open_fds()

    def send(self, n: int) -> None:
        """Each peer sends n sequenced messages (not yet served)."""
        for name, d in self.peers.items():
            for _ in range(n):
                d.send_multipart([b"%s-%d" % (name, self.sent[name]), b"", b"payload"])
                self.sent[name] += 1

    def serve(self) -> None:
        """Router takes every outstanding message, checks it, echoes it."""
        outstanding = sum(self.sent[n] - self.served[n] for n in self.peers)
        while outstanding:
            msg = self.router.recv_multipart()
            name = msg[0]
            if name not in self.peers and self.strangers_welcome:
                continue  # what an old-protocol peer legitimately sent
            assert name in self.peers, f"message from an unexpected connection: {msg!r}"
            outstanding -= 1
            expect = [name, b"%s-%d" % (name, self.served[name]), b"", b"payload"]
            assert msg == expect, f"lost/reordered/corrupted: expected {expect!r}, got {msg!r}"
            self.served[name] += 1
            self.router.send_multipart(msg)
        while self.strangers_welcome and self.router.poll(0):
            assert self.router.recv_multipart()[0] not in self.peers, "extra message"
        assert not self.router.poll(0), "extra message at the router"

    def collect(self) -> None:
        for name, d in self.peers.items():
            while self.returned[name] < self.served[name]:
                msg = d.recv_multipart()
                assert msg == [b"%s-%d" % (name, self.returned[name]), b"", b"payload"], msg
                self.returned[name] += 1

    def exchange(self, n: int = 20) -> None:
        self.send(n)
        self.serve()
        self.collect()

    def assert_no_fd_leak(self, timeout: float = 2.0) -> None:
        deadline = time.monotonic() + timeout
        while open_fds() > self.baseline_fds:
            if time.monotonic() > deadline:
                pytest.fail(f"{open_fds() - self.baseline_fds} file descriptor(s) leaked "
                            f"by dropped connections")
            time.sleep(0.02)
