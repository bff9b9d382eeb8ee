"""Peers that die, get cut off, come back, or come back all at once.

* a peer process killed (SIGKILL) in the middle of a multipart message:
  no partial message is delivered, later messages are fine;
* the TCP connection cut under the engine (shutdown of purezmq's own
  socket; RST from a proxy in the middle): the connecter redials and
  traffic resumes intact;
* a peer process restarted on the same port (pyzmq and purezmq);
* a reconnect storm: 100 peers redialling at once, both directions.
"""

from __future__ import annotations

import signal
import socket
import time

import pytest

import purezmq as pz
from fault_tools import (
    MORE, Child, Proxy, Raw, frame, message, pipes, port_of, tcp_sockets_on_port, wait_until,
)

zmq = pytest.importorskip("zmq")


def _sock(ctx, kind, **opts):
    s = ctx.socket(kind)
    s.linger = 0
    s.rcvtimeo = 3000
    s.sndtimeo = 3000
    for k, v in opts.items():
        setattr(s, k, v)
    return s


def _probe_until(sender, receiver, timeout: float = 5.0, probe: bytes = b"probe", what=None) -> None:
    """Send probes until one arrives at `receiver` (link back up); drain."""
    deadline = time.monotonic() + timeout
    while True:
        assert time.monotonic() < deadline, f"the connection never came back {what() if what else ''}"
        try:
            sender.send(probe, pz.DONTWAIT if hasattr(sender, "underlying") else zmq.DONTWAIT)
        except (pz.Again, zmq.Again):
            pass
        if receiver.poll(50):
            break
    time.sleep(0.1)
    while receiver.poll(0):
        assert receiver.recv_multipart()[-1] == probe


# ----------------------------------------------------------------------------
# Peer killed mid-multipart
# ----------------------------------------------------------------------------
RAW_HALF_MULTIPART = r"""
import socket, struct, sys, time
sys.path.insert(0, sys.argv[2])
from fault_tools import Raw, message, frame, MORE
r = Raw.connect(int(sys.argv[1]))
r.handshake(b"DEALER", b"victim")
r.send(message(b"before-1", b"before-2"))
r.send(frame(b"part-1", MORE) + frame(b"part-2", MORE) + frame(b"x" * 300, MORE))
print("sent", flush=True)
time.sleep(60)
"""


def test_raw_peer_killed_mid_multipart_delivers_no_partial(ctx, zctx):
    router = _sock(ctx, pz.ROUTER)
    router.bind("tcp://127.0.0.1:*")
    import os
    here = os.path.dirname(__file__)
    child = Child(RAW_HALF_MULTIPART, port_of(router), here)
    try:
        child.expect("sent")
        assert router.recv_multipart() == [b"victim", b"before-1", b"before-2"]
        time.sleep(0.2)  # the half message is in purezmq's hands now
        child.signal(signal.SIGKILL)
        child.wait(5)
        assert not router.poll(500), f"partial message delivered: {router.recv_multipart()!r}"
        assert wait_until(lambda: pipes(router) == 0, 3.0), "dead peer's pipe never went away"
        # The same identity comes back, and a libzmq peer talks too.
        again = Raw.connect(port_of(router))
        again.handshake(b"DEALER", b"victim")
        again.send(message(b"after", b"fine"))
        assert router.recv_multipart() == [b"victim", b"after", b"fine"]
        router.send_multipart([b"victim", b"reply"])
        assert again.recv_message() == [b"reply"]
        again.close()
        d = _sock(zctx, zmq.DEALER, routing_id=b"lz")
        d.connect(router.last_endpoint.decode())
        d.send_multipart([b"a", b"b"])
        assert router.recv_multipart() == [b"lz", b"a", b"b"]
        d.close()
    finally:
        child.kill()


BIG_MULTIPART_SENDER = r"""
import sys, os
lib = sys.argv[2]
if lib == "pyzmq":
    import zmq
else:
    import purezmq as zmq
c = zmq.Context()
s = c.socket(zmq.PUSH)
s.sndhwm = 4
s.connect(sys.argv[1])
print("up", flush=True)
i = 0
part = os.urandom(1) * 300000
while True:
    s.send_multipart([b"%d" % i, part, part, b"end-%d" % i])
    i += 1
"""


@pytest.mark.parametrize("sender_lib", ["pyzmq", "purezmq"])
def test_sender_killed_while_streaming_big_multiparts(ctx, zctx, sender_lib):
    """SIGKILL lands at a random point inside a stream of 600 KB
    four-frame messages: everything delivered is whole; a later peer is fine."""
    pull = _sock(ctx, pz.PULL, rcvhwm=4)
    pull.bind("tcp://127.0.0.1:*")
    child = Child(BIG_MULTIPART_SENDER, pull.last_endpoint.decode(), sender_lib)
    try:
        child.expect("up")
        got = 0
        deadline = time.monotonic() + 1.5
        while time.monotonic() < deadline:
            m = pull.recv_multipart()
            assert len(m) == 4 and len(m[1]) == len(m[2]) == 300000, [len(p) for p in m]
            assert m[3] == b"end-" + m[0]
            got += 1
        child.signal(signal.SIGKILL)   # mid-stream: almost surely mid-message
        child.wait(5)
        while pull.poll(300):
            m = pull.recv_multipart()
            assert len(m) == 4 and len(m[1]) == len(m[2]) == 300000, \
                f"partial message after kill: {[len(p) for p in m]}"
            assert m[3] == b"end-" + m[0]
            got += 1
        assert got > 3
        push = _sock(zctx, zmq.PUSH)
        push.connect(pull.last_endpoint.decode())
        for i in range(50):
            push.send_multipart([b"later", b"%d" % i])
        assert [pull.recv_multipart() for _ in range(50)] == \
            [[b"later", b"%d" % i] for i in range(50)]
        push.close()
    finally:
        child.kill()


# ----------------------------------------------------------------------------
# Connection cut under the engine
# ----------------------------------------------------------------------------
@pytest.mark.parametrize("side", ["connecter", "binder"])
def test_tcp_socket_shut_down_under_the_engine(ctx, zctx, side):
    """shutdown(SHUT_RDWR) on purezmq's own TCP socket (what a dying NIC or
    a middlebox does): the engine notices, the connecter redials, and a
    sequenced exchange afterwards is intact."""
    if side == "connecter":
        peer = _sock(zctx, zmq.ROUTER, router_handover=1)
        peer.bind("tcp://127.0.0.1:*")
        me = _sock(ctx, pz.DEALER, routing_id=b"me", reconnect_ivl=50)
        me.connect(peer.last_endpoint.decode())
        port = port_of(peer)
    else:
        me = _sock(ctx, pz.ROUTER, router_handover=1)
        me.bind("tcp://127.0.0.1:*")
        peer = _sock(zctx, zmq.DEALER, routing_id=b"peer", reconnect_ivl=50)
        peer.connect(me.last_endpoint.decode())
        port = port_of(me)

    def exchange(tag: bytes, n: int = 50) -> None:
        if side == "connecter":
            for i in range(n):
                me.send_multipart([tag, b"%d" % i])
            for i in range(n):
                assert peer.recv_multipart() == [b"me", tag, b"%d" % i]
                peer.send_multipart([b"me", tag, b"back-%d" % i])
            assert [me.recv_multipart() for _ in range(n)] == \
                [[tag, b"back-%d" % i] for i in range(n)]
        else:
            for i in range(n):
                peer.send_multipart([tag, b"%d" % i])
            for i in range(n):
                assert me.recv_multipart() == [b"peer", tag, b"%d" % i]
                me.send_multipart([b"peer", tag, b"back-%d" % i])
            assert [peer.recv_multipart() for _ in range(n)] == \
                [[tag, b"back-%d" % i] for i in range(n)]

    exchange(b"before")
    mine = [s for s in tcp_sockets_on_port(port)]
    assert mine, "could not find purezmq's TCP socket"
    for s in mine:
        s.shutdown(socket.SHUT_RDWR)
    if side == "connecter":
        _probe_until(me, peer)
    else:
        _probe_until(peer, me)
    exchange(b"after")
    if side == "binder":
        assert wait_until(lambda: pipes(me) == 1, 3.0), "stale pipe of the cut connection stays"


def test_connection_reset_in_the_middle(ctx, zctx):
    """A proxy between a purezmq DEALER and a libzmq ROUTER resets both
    halves (RST) five times while traffic flows; each time the DEALER
    redials and every message sent after the link is back arrives in order."""
    # HANDOVER: libzmq may see the redial before the reset of the old
    # connection; without it the new pipe would be ignored as a duplicate id.
    peer = _sock(zctx, zmq.ROUTER, router_handover=1)
    peer.bind("tcp://127.0.0.1:*")
    proxy = Proxy(port_of(peer))
    me = _sock(ctx, pz.DEALER, routing_id=b"me", reconnect_ivl=50)
    try:
        me.connect(proxy.endpoint)
        for round_ in range(5):
            _probe_until(me, peer, what=lambda: f"round {round_}, proxy accepted {proxy.accepted}, "
                         f"live {len(proxy.conns)}")
            for i in range(100):
                me.send(b"%d-%d" % (round_, i))
            for i in range(100):
                assert peer.recv_multipart() == [b"me", b"%d-%d" % (round_, i)]
                peer.send_multipart([b"me", b"r%d-%d" % (round_, i)])
            assert [me.recv() for _ in range(100)] == [b"r%d-%d" % (round_, i) for i in range(100)]
            proxy.cut()
        assert proxy.accepted >= 5
    finally:
        me.close()
        proxy.close()


# ----------------------------------------------------------------------------
# Peer restarted on the same port
# ----------------------------------------------------------------------------
ROUTER_SERVER = r"""
import sys, time
lib = sys.argv[2]
if lib == "pyzmq":
    import zmq
else:
    import purezmq as zmq
c = zmq.Context()
s = c.socket(zmq.ROUTER)
s.linger = 0
deadline = time.monotonic() + 10
while True:
    try:
        s.bind(sys.argv[1])
        break
    except zmq.ZMQError:
        if time.monotonic() > deadline:
            raise
        time.sleep(0.05)
print("bound", s.last_endpoint.decode(), flush=True)
while True:
    m = s.recv_multipart()
    s.send_multipart([m[0], b"echo:" + m[-1]])
"""


@pytest.mark.parametrize("server_lib", ["pyzmq", "purezmq"])
def test_peer_restarted_on_same_port(ctx, server_lib):
    ep = "tcp://127.0.0.1:*"
    child = Child(ROUTER_SERVER, ep, server_lib)
    me = _sock(ctx, pz.DEALER, reconnect_ivl=50, routing_id=b"me")
    children = [child]
    try:
        ep = child.expect("bound")
        me.connect(ep)
        for generation in range(3):
            me.send(b"gen-%d" % generation)
            assert me.recv() == b"echo:gen-%d" % generation
            child.signal(signal.SIGKILL)
            child.wait(5)
            child = Child(ROUTER_SERVER, ep, server_lib)
            children.append(child)
            assert child.expect("bound") == ep
            # Anything sent while the peer was away or coming back is either
            # delivered or lost with the dead connection; poll until it works.
            deadline = time.monotonic() + 5
            while True:
                assert time.monotonic() < deadline, "never reconnected to the restarted peer"
                me.send(b"ping", pz.DONTWAIT)
                if me.poll(100):
                    break
            time.sleep(0.1)
            while me.poll(0):
                assert me.recv() == b"echo:ping"
        for i in range(20):
            me.send(b"last-%d" % i)
        assert [me.recv() for _ in range(20)] == [b"echo:last-%d" % i for i in range(20)]
    finally:
        me.close()
        for c in children:
            c.kill()


# ----------------------------------------------------------------------------
# Reconnect storm
# ----------------------------------------------------------------------------
STORM_DEALERS = r"""
import sys, time
lib = sys.argv[2]
if lib == "pyzmq":
    import zmq
else:
    import purezmq as zmq
n = int(sys.argv[3])
c = zmq.Context()
socks = []
for i in range(n):
    d = c.socket(zmq.DEALER)
    d.linger = 0
    d.reconnect_ivl = 20
    d.routing_id = b"peer-%03d" % i
    d.connect(sys.argv[1])
    socks.append(d)
print("up", flush=True)
poller = zmq.Poller()
for d in socks:
    poller.register(d, zmq.POLLIN)
for line in sys.stdin:
    tag = line.strip().encode()
    for d in socks:
        d.send(tag)
    want = set(range(n))
    deadline = time.monotonic() + 20
    while want and time.monotonic() < deadline:
        for d, _ in poller.poll(100):
            while d.poll(0):
                m = d.recv()
                if m == b"ack:" + tag:
                    want.discard(socks.index(d))
    print("acked", n - len(want), flush=True)
"""


def test_reconnect_storm_100_peers_into_rebound_router(ctx):
    """100 libzmq DEALERs (one process) connected to a purezmq ROUTER; the
    ROUTER closes and a new one binds the same port: all 100 redial at once
    and every one of them is served."""
    n = 100
    router = _sock(ctx, pz.ROUTER)
    router.bind("tcp://127.0.0.1:*")
    ep = router.last_endpoint.decode()
    child = Child(STORM_DEALERS, ep, "pyzmq", n)
    try:
        child.expect("up")

        def serve(tag: bytes) -> None:
            seen = set()
            deadline = time.monotonic() + 20
            while len(seen) < n:
                assert time.monotonic() < deadline, f"only {len(seen)}/{n} peers came back"
                if not router.poll(200):
                    continue
                ident, msg = router.recv_multipart()
                if msg == tag:
                    seen.add(ident)
                    router.send_multipart([ident, b"ack:" + tag])

        child.write("one")
        serve(b"one")
        assert child.expect("acked", 25) == str(n)
        router.close()
        time.sleep(0.3)
        router = _sock(ctx, pz.ROUTER)
        deadline = time.monotonic() + 5
        while True:
            try:
                router.bind(ep)
                break
            except pz.ZMQError:
                assert time.monotonic() < deadline, "could not bind the same port again"
                time.sleep(0.05)
        child.write("two")
        serve(b"two")
        assert child.expect("acked", 25) == str(n)
        assert wait_until(lambda: pipes(router) == n, 3.0), pipes(router)
    finally:
        router.close()
        child.kill()


def test_reconnect_storm_100_purezmq_dealers_to_restarted_server(ctx):
    """100 purezmq DEALERs in this process; the libzmq ROUTER process they
    talk to is killed and restarted on the same port: all redial together."""
    n = 100
    child = Child(ROUTER_SERVER, "tcp://127.0.0.1:*", "pyzmq")
    children = [child]
    dealers = []
    try:
        ep = child.expect("bound")
        for i in range(n):
            d = _sock(ctx, pz.DEALER, reconnect_ivl=20, routing_id=b"d%03d" % i)
            d.connect(ep)
            dealers.append(d)
        for d in dealers:
            d.send(b"hello")
        for d in dealers:
            assert d.recv() == b"echo:hello"
        child.signal(signal.SIGKILL)
        child.wait(5)
        time.sleep(0.3)
        child = Child(ROUTER_SERVER, ep, "pyzmq")
        children.append(child)
        assert child.expect("bound") == ep
        poller = pz.Poller()
        for d in dealers:
            poller.register(d, pz.POLLIN)
        back = set()
        deadline = time.monotonic() + 15
        while len(back) < n:
            assert time.monotonic() < deadline, f"only {len(back)}/{n} dealers reconnected"
            for i, d in enumerate(dealers):
                if i not in back:
                    try:
                        d.send(b"again", pz.DONTWAIT)
                    except pz.Again:
                        pass
            t_end = time.monotonic() + 0.3
            while time.monotonic() < t_end:
                for s, _ in poller.poll(50):
                    while s.poll(0):
                        if s.recv() == b"echo:again":
                            back.add(dealers.index(s))
    finally:
        for d in dealers:
            d.close()
        for c in children:
            c.kill()
