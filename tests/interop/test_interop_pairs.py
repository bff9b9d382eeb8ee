"""Every valid socket-type pair, purezmq on one side and libzmq on the other.

Each case is (pattern A-B, which side is purezmq, which side binds,
transport).  One test pushes the same payload set through every direction
the pattern allows: a single frame, multipart, empty frames, a 0-byte
message, a 4 MiB message, and a run of messages whose order must hold.
"""

from __future__ import annotations

import itertools

import pytest

from interop_util import make, probe_until_received, recv_kicking, send_until_routable

BIG = (b"Z" + bytes(range(256)) * 16384)[: 4 * 1024 * 1024]  # 4 MiB, not starting with \0/\1
ORDERED_PIPELINED = 500
ORDERED_LOCKSTEP = 100

PAYLOADS = [
    ("single", [b"hello"]),
    ("multipart", [b"a", b"bb", b"ccc", b"L" * 300]),
    ("frame-size-edges", [b"x" * 255, b"y" * 256, b"z" * 65536]),
    ("empty-frames", [b"", b"mid", b""]),
    ("all-empty-multipart", [b"", b""]),
    ("zero-byte", [b""]),
    ("4MiB", [BIG]),
]


class Pattern:
    """How to move a message body across one socket pair (sides a and b)."""

    directions = ("ab",)
    lockstep = False  # request a->b, then the reply b->a, strictly alternating

    def __init__(self, a_binds: bool) -> None:
        self.a_binds = a_binds

    def sync(self, a, b) -> None:
        pass

    def send(self, src: str, sock, body: list) -> None:
        sock.send_multipart(body)

    def recv(self, dst: str, sock) -> list:
        return sock.recv_multipart()


class PairPair(Pattern):
    directions = ("ab", "ba")


class PubSub(Pattern):
    def sync(self, a, b):
        b.subscribe(b"")
        probe_until_received(a, b)


class PubXSub(Pattern):
    def sync(self, a, b):
        b.send(b"\x01")
        probe_until_received(a, b)


class XPubSub(Pattern):
    def sync(self, a, b):
        b.subscribe(b"")
        assert recv_kicking(a, b) == b"\x01"


class XPubXSub(Pattern):
    directions = ("ab", "ba")  # XSUB may send data upstream to XPUB

    def sync(self, a, b):
        b.send(b"\x01")
        assert recv_kicking(a, b) == b"\x01"


class ReqRep(Pattern):
    lockstep = True


class ReqRouter(Pattern):
    lockstep = True

    def recv(self, dst, sock):
        if dst == "a":
            return sock.recv_multipart()
        msg = sock.recv_multipart()
        assert len(msg) >= 2 and msg[1] == b"", msg[:2]
        self.peer = msg[0]
        return msg[2:]

    def send(self, src, sock, body):
        if src == "a":
            sock.send_multipart(body)
        else:
            sock.send_multipart([self.peer, b""] + body)


class DealerRep(Pattern):
    lockstep = True

    def send(self, src, sock, body):
        sock.send_multipart([b""] + body if src == "a" else body)

    def recv(self, dst, sock):
        msg = sock.recv_multipart()
        if dst == "a":
            assert msg[0] == b"", msg[:1]
            return msg[1:]
        return msg


class DealerRouter(Pattern):
    directions = ("ab", "ba")

    def sync(self, a, b):
        a.send(b"hello")
        msg = b.recv_multipart()
        assert msg[1:] == [b"hello"]
        self.peer = msg[0]

    def send(self, src, sock, body):
        sock.send_multipart(body if src == "a" else [self.peer] + body)

    def recv(self, dst, sock):
        msg = sock.recv_multipart()
        if dst == "b":
            assert msg[0] == self.peer
            return msg[1:]
        return msg


class DealerDealer(Pattern):
    directions = ("ab", "ba")


class RouterRouter(Pattern):
    directions = ("ab", "ba")
    ids = {"a": b"router-a", "b": b"router-b"}
    options = {"routing_id": None, "router_mandatory": 1}

    def sync(self, a, b):
        # The connecting side learns the bound side's id from the handshake.
        conn, bound, cname, bname = (b, a, "b", "a") if self.a_binds else (a, b, "a", "b")
        send_until_routable(conn, [self.ids[bname], b"hello"])
        assert bound.recv_multipart() == [self.ids[cname], b"hello"]

    def send(self, src, sock, body):
        other = "b" if src == "a" else "a"
        sock.send_multipart([self.ids[other]] + body)

    def recv(self, dst, sock):
        other = "b" if dst == "a" else "a"
        msg = sock.recv_multipart()
        assert msg[0] == self.ids[other], msg[:1]
        return msg[1:]


class PushPull(Pattern):
    pass


PATTERNS = {
    ("PAIR", "PAIR"): PairPair,
    ("PUB", "SUB"): PubSub,
    ("PUB", "XSUB"): PubXSub,
    ("XPUB", "SUB"): XPubSub,
    ("XPUB", "XSUB"): XPubXSub,
    ("REQ", "REP"): ReqRep,
    ("REQ", "ROUTER"): ReqRouter,
    ("DEALER", "REP"): DealerRep,
    ("DEALER", "ROUTER"): DealerRouter,
    ("DEALER", "DEALER"): DealerDealer,
    ("ROUTER", "ROUTER"): RouterRouter,
    ("PUSH", "PULL"): PushPull,
}

CASES = [
    pytest.param(types, pz_side, binder, transport,
                 id=f"{types[0]}-{types[1]}|pz={pz_side}:{types[0] if pz_side == 'a' else types[1]}"
                    f"|bind={binder}|{transport}")
    for types, pz_side, binder, transport in itertools.product(
        PATTERNS, ("a", "b"), ("pz", "lz"), ("tcp", "ipc"))
]


def _make_side(side, types, pz_side, ctx, zctx, pattern_cls):
    typename = types[0] if side == "a" else types[1]
    context = ctx if side == pz_side else zctx
    sock = make(context, typename)
    if pattern_cls is RouterRouter:
        sock.routing_id = RouterRouter.ids[side]
        sock.router_mandatory = 1
    return sock


@pytest.mark.parametrize("types,pz_side,binder,transport", CASES)
def test_pair(ctx, zctx, bind_endpoint, types, pz_side, binder, transport):
    cls = PATTERNS[types]
    a = _make_side("a", types, pz_side, ctx, zctx, cls)
    b = _make_side("b", types, pz_side, ctx, zctx, cls)
    a_binds = (binder == "pz") == (pz_side == "a")
    pattern = cls(a_binds)
    binding, connecting = (a, b) if a_binds else (b, a)
    binding.bind(bind_endpoint(transport))
    ep = binding.last_endpoint
    connecting.connect(ep.decode() if isinstance(ep, bytes) else ep)
    pattern.sync(a, b)
    socks = {"a": a, "b": b}

    def one_way(src: str, body: list, what: str) -> None:
        dst = "b" if src == "a" else "a"
        got = pattern.recv(dst, socks[dst])
        assert got == body, f"{what} {src}->{dst}: sent {_short(body)}, got {_short(got)}"

    if pattern.lockstep:
        for what, body in PAYLOADS:
            pattern.send("a", a, body)
            one_way("a", body, what)
            pattern.send("b", b, body)
            one_way("b", body, what)
        for i in range(ORDERED_LOCKSTEP):
            body = [b"%d" % i] if i % 7 else [b"%d" % i, b"", b"tail"]
            pattern.send("a", a, body)
            one_way("a", body, f"ordered #{i}")
            pattern.send("b", b, body)
            one_way("b", body, f"ordered #{i}")
        return

    for src in pattern.directions:
        src = src[0]
        sender = socks[src]
        for what, body in PAYLOADS:
            pattern.send(src, sender, body)
            one_way(src, body, what)
        bodies = [[b"%d" % i] if i % 7 else [b"%d" % i, b"", b"tail"]
                  for i in range(ORDERED_PIPELINED)]
        for body in bodies:
            pattern.send(src, sender, body)
        for i, body in enumerate(bodies):
            one_way(src, body, f"ordered #{i}")


def _short(msg) -> str:
    return repr([m if len(m) < 40 else m[:20] + b"...(%d bytes)" % len(m) for m in msg])
