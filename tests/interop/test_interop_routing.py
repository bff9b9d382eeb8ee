"""ROUTER identities and REQ/REP envelopes across purezmq and libzmq."""

from __future__ import annotations

import time

import pytest

from interop_util import LIBS, endpoint, make, send_until_routable

BINDERS = ["router-binds", "dealer-binds"]


def connect(router, dealer, binder: str, addr: str) -> None:
    first, second = (router, dealer) if binder == "router-binds" else (dealer, router)
    first.bind(addr)
    second.connect(endpoint(first))


def contexts(router_lib: str, ctx, zctx):
    """(router context, peer context) for a ROUTER made by router_lib."""
    return (ctx, zctx) if router_lib == "pz" else (zctx, ctx)


# -- identities ------------------------------------------------------------------

@pytest.mark.parametrize("transport", ["tcp", "ipc"])
@pytest.mark.parametrize("binder", BINDERS)
@pytest.mark.parametrize("router_lib", ["pz", "lz"])
@pytest.mark.parametrize("peer_type", ["DEALER", "REQ"])
def test_peer_set_routing_id(ctx, zctx, bind_endpoint, router_lib, binder, transport, peer_type):
    rctx, pctx = contexts(router_lib, ctx, zctx)
    router = make(rctx, "ROUTER")
    peer = make(pctx, peer_type)
    peer.routing_id = b"peer-\x00\xff-id"
    connect(router, peer, binder, bind_endpoint(transport))
    head = [b""] if peer_type == "REQ" else []
    peer.send_multipart([b"ping", b"2"])
    assert router.recv_multipart() == [b"peer-\x00\xff-id"] + head + [b"ping", b"2"]
    router.send_multipart([b"peer-\x00\xff-id"] + head + [b"pong"])
    assert peer.recv_multipart() == [b"pong"]


@pytest.mark.parametrize("binder", BINDERS)
@pytest.mark.parametrize("router_lib", ["pz", "lz"])
def test_generated_routing_ids(ctx, zctx, bind_endpoint, router_lib, binder):
    """Peers without a routing id get distinct generated ones (libzmq: 5
    octets, a zero then a counter); replies reach the right peer."""
    rctx, pctx = contexts(router_lib, ctx, zctx)
    router = make(rctx, "ROUTER")
    if binder == "router-binds":
        router.bind(bind_endpoint("tcp"))
        dealers = [make(pctx, "DEALER") for _ in range(3)]
        for d in dealers:
            d.connect(endpoint(router))
    else:
        dealers = [make(pctx, "DEALER") for _ in range(3)]
        for d in dealers:
            d.bind(bind_endpoint("tcp"))
            router.connect(endpoint(d))
    ids = {}
    for i, d in enumerate(dealers):
        d.send(b"from-%d" % i)
        rid, body = router.recv_multipart()
        assert body == b"from-%d" % i
        assert len(rid) == 5 and rid[0] == 0, rid
        ids[i] = rid
    assert len(set(ids.values())) == 3
    for i in reversed(range(3)):
        router.send_multipart([ids[i], b"to-%d" % i])
    for i, d in enumerate(dealers):
        assert d.recv() == b"to-%d" % i


@pytest.mark.parametrize("router_lib", ["pz", "lz"])
def test_router_router_connect_routing_id(ctx, zctx, bind_endpoint, router_lib):
    """CONNECT_ROUTING_ID names the bound peer on the connecting ROUTER."""
    rctx, pctx = contexts(router_lib, ctx, zctx)
    bound = make(pctx, "ROUTER")
    bound.routing_id = b"server"
    bound.bind(bind_endpoint("tcp"))
    client = make(rctx, "ROUTER")
    client.routing_id = b"client"
    client.router_mandatory = 1
    client.setsockopt(LIBS[router_lib].CONNECT_ROUTING_ID, b"alias")
    client.connect(endpoint(bound))
    send_until_routable(client, [b"alias", b"hi"])
    assert bound.recv_multipart() == [b"client", b"hi"]
    bound.send_multipart([b"client", b"back"])
    assert client.recv_multipart() == [b"alias", b"back"]


def test_purezmq_router_mandatory_unknown_peer(ctx, zctx, bind_endpoint):
    router = make(ctx, "ROUTER")
    router.router_mandatory = 1
    router.bind(bind_endpoint("tcp"))
    dealer = make(zctx, "DEALER")
    dealer.routing_id = b"known"
    dealer.connect(endpoint(router))
    dealer.send(b"x")
    assert router.recv_multipart() == [b"known", b"x"]
    with pytest.raises(LIBS["pz"].ZMQError) as info:
        router.send_multipart([b"unknown", b"y"])
    assert info.value.errno == LIBS["pz"].EHOSTUNREACH
    router.send_multipart([b"known", b"z"])
    assert dealer.recv() == b"z"


def test_purezmq_router_drops_unknown_peer_silently(ctx, zctx, bind_endpoint):
    router = make(ctx, "ROUTER")
    router.bind(bind_endpoint("tcp"))
    dealer = make(zctx, "DEALER")
    dealer.routing_id = b"known"
    dealer.connect(endpoint(router))
    dealer.send(b"x")
    router.recv_multipart()
    router.send_multipart([b"unknown", b"dropped"])
    router.send_multipart([b"known", b"kept"])
    assert dealer.recv() == b"kept"


# -- envelopes through mixed chains -------------------------------------------

def forward(src, dst) -> None:
    dst.send_multipart(src.recv_multipart())


class Chain:
    """client -> [ROUTER|DEALER proxy hops] -> server, stepped by hand.

    ``libs`` names the library of each element: client, hop 1, ..., server.
    Every proxy hop binds its ROUTER front end; each DEALER back end connects
    to the next hop's front end, the last one's binds and the servers connect.
    """

    def __init__(self, ctx, zctx, bind_endpoint, libs, client_type, server_type,
                 n_clients=2, transport="tcp"):
        context = {"pz": ctx, "lz": zctx}
        self.hops = []
        for lib in libs[1:-1]:
            front = make(context[lib], "ROUTER")
            front.bind(bind_endpoint(transport))
            back = make(context[lib], "DEALER")
            self.hops.append((front, back))
        for (_, back), (front, _) in zip(self.hops, self.hops[1:]):
            back.connect(endpoint(front))
        last_back = self.hops[-1][1]
        last_back.bind(bind_endpoint(transport))
        self.server = make(context[libs[-1]], server_type)
        self.server.connect(endpoint(last_back))
        self.clients = []
        for i in range(n_clients):
            c = make(context[libs[0]], client_type)
            c.connect(endpoint(self.hops[0][0]))
            self.clients.append(c)
        self.client_type = client_type
        self.server_type = server_type

    def request(self, client, body: list) -> None:
        client.send_multipart(([b""] if self.client_type == "DEALER" else []) + body)
        for front, back in self.hops:
            forward(front, back)

    def serve(self) -> list:
        """Answer one request with b"re:" + each frame; return the request body."""
        msg = self.server.recv_multipart()
        if self.server_type == "ROUTER":
            i = msg.index(b"")
            envelope, body = msg[: i + 1], msg[i + 1:]
        else:
            envelope, body = [], msg
        self.server.send_multipart(envelope + [b"re:" + f for f in body])
        for front, back in reversed(self.hops):
            forward(back, front)
        return body

    def reply(self, client) -> list:
        msg = client.recv_multipart()
        if self.client_type == "DEALER":
            assert msg[0] == b"", msg
            msg = msg[1:]
        return msg


CHAINS = [
    ("lz", "pz", "lz"),
    ("pz", "lz", "pz"),
    ("lz", "pz", "lz", "pz"),
    ("pz", "lz", "pz", "lz"),
    ("pz", "pz", "lz", "lz"),
]


@pytest.mark.parametrize("server_type", ["REP", "ROUTER"])
@pytest.mark.parametrize("client_type", ["REQ", "DEALER"])
@pytest.mark.parametrize("libs", CHAINS, ids=["-".join(c) for c in CHAINS])
def test_envelopes_through_mixed_chain(ctx, zctx, bind_endpoint, libs, client_type, server_type):
    chain = Chain(ctx, zctx, bind_endpoint, libs, client_type, server_type)
    c0, c1 = chain.clients
    for round_ in range(3):
        bodies = {0: [b"c0-%d" % round_], 1: [b"c1-%d" % round_, b"", b"more"]}
        # Both requests are in flight at once: the envelopes keep them apart.
        chain.request(c0, bodies[0])
        chain.request(c1, bodies[1])
        served = [chain.serve(), chain.serve()]
        assert sorted(served) == sorted(bodies.values())
        assert chain.reply(c0) == [b"re:" + f for f in bodies[0]]
        assert chain.reply(c1) == [b"re:" + f for f in bodies[1]]


@pytest.mark.parametrize("req_lib", ["pz", "lz"])
def test_req_round_robins_over_mixed_reps(ctx, zctx, bind_endpoint, req_lib):
    """A REQ connected to a purezmq REP and a libzmq REP alternates between them."""
    context = {"pz": ctx, "lz": zctx}
    req = make(context[req_lib], "REQ")
    reps = {}
    for lib in ("pz", "lz"):
        rep = make(context[lib], "REP")
        rep.bind(bind_endpoint("tcp"))
        reps[lib] = rep
    for rep in reps.values():
        req.connect(endpoint(rep))
    seen = []
    for i in range(6):
        req.send(b"q%d" % i)
        lib = _serve_one(reps, b"q%d" % i, b"a%d" % i)
        assert lib is not None, f"request q{i} reached no REP"
        seen.append(lib)
        assert req.recv() == b"a%d" % i
    assert set(seen[-4:]) == {"pz", "lz"}


def _serve_one(reps: dict, expect: bytes, answer: bytes, timeout: float = 3.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for lib, rep in reps.items():
            if rep.poll(10):
                assert rep.recv() == expect
                rep.send(answer)
                return lib
    return None
