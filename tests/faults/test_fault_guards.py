"""Guards against hostile or broken peers and unbounded growth:
MAXMSGSIZE (disconnect at the announcing header, before the body exists),
HANDSHAKE_IVL on the connecting side, TCP keepalive options really set on
the OS sockets, MAX_SOCKETS (EMFILE past it) and running out of process fds,
and memory bounded by the HWM in both directions (a publisher cannot be
made to grow by a subscriber that stopped reading)."""

from __future__ import annotations

import errno
import signal
import socket
import threading
import time

import pytest

import purezmq as pz
from fault_tools import (
    Child, Raw, RawListener, frame, long_header, message, pipes, port_of, rss_bytes,
    tcp_sockets_on_port, wait_until,
)

zmq = pytest.importorskip("zmq")
MB = 1 << 20


def _sock(ctx, kind, **opts):
    s = ctx.socket(kind)
    s.linger = 0
    s.rcvtimeo = 3000
    s.sndtimeo = 3000
    for k, v in opts.items():
        setattr(s, k, v)
    return s


# ----------------------------------------------------------------------------
# MAXMSGSIZE
# ----------------------------------------------------------------------------
@pytest.mark.parametrize("announced", [1001, 1 << 30, (1 << 63) - 1])
def test_maxmsgsize_drops_peer_at_the_header(ctx, announced):
    """A frame header announcing more than MAXMSGSIZE closes the connection
    at once: the body is never sent, and nothing near its size is allocated.
    Other peers are unaffected."""
    pull = _sock(ctx, pz.PULL, maxmsgsize=1000)
    pull.bind("tcp://127.0.0.1:*")
    good = Raw.connect(port_of(pull))
    good.handshake(b"PUSH")
    raw = Raw.connect(port_of(pull))
    raw.handshake(b"PUSH")
    raw.send(message(b"x" * 1000))  # exactly the limit: fine
    assert pull.recv() == b"x" * 1000
    rss0 = rss_bytes()
    raw.send(long_header(announced) + b"y" * 100)
    t0 = time.monotonic()
    assert raw.wait_closed(2.0), "peer announcing an oversized frame was not dropped"
    assert time.monotonic() - t0 < 1.0
    assert rss_bytes() - rss0 < 16 * MB, "memory grew after an oversized announcement"
    assert not pull.poll(100)
    good.send(message(b"still here"))
    assert pull.recv() == b"still here"
    good.close()
    raw.close()


def test_maxmsgsize_applies_to_each_frame_of_a_multipart(ctx):
    """libzmq checks every frame: 3 frames of 600 with MAXMSGSIZE 1000 pass."""
    pull = _sock(ctx, pz.PULL, maxmsgsize=1000)
    pull.bind("tcp://127.0.0.1:*")
    raw = Raw.connect(port_of(pull))
    raw.handshake(b"PUSH")
    raw.send(message(b"a" * 600, b"b" * 600, b"c" * 600))
    assert pull.recv_multipart() == [b"a" * 600, b"b" * 600, b"c" * 600]
    raw.close()


def test_maxmsgsize_unset_huge_header_with_no_body_does_not_allocate(ctx):
    """Without MAXMSGSIZE a peer may announce 4 GB and trickle the body; the
    receiver must not allocate the announced size up front."""
    pull = _sock(ctx, pz.PULL)
    pull.bind("tcp://127.0.0.1:*")
    raw = Raw.connect(port_of(pull))
    raw.handshake(b"PUSH")
    rss0 = rss_bytes()
    raw.send(long_header(4 << 30) + b"z" * 1000)
    time.sleep(0.5)
    grew = rss_bytes() - rss0
    raw.close(reset=True)
    assert grew < 64 * MB, f"announcing 4 GB grew RSS by {grew / MB:.0f} MB"


# ----------------------------------------------------------------------------
# HANDSHAKE_IVL
# ----------------------------------------------------------------------------
def test_handshake_ivl_on_connecting_side_closes_and_redials(ctx):
    """A server that accepts and never greets: the purezmq connecter gives
    up after HANDSHAKE_IVL and dials again."""
    listener = RawListener()
    d = _sock(ctx, pz.DEALER, handshake_ivl=200, reconnect_ivl=50)
    try:
        d.connect(listener.endpoint)
        first = listener.accept()
        t0 = time.monotonic()
        assert first.wait_closed(2.0), "silent server not dropped after HANDSHAKE_IVL"
        took = time.monotonic() - t0
        assert 0.1 < took < 0.8, f"handshake timeout after {took:.2f} s (HANDSHAKE_IVL 200 ms)"
        second = listener.accept(timeout=2.0)
        second.handshake(b"ROUTER")  # a proper server this time: it works
        d.send(b"ok")
        assert second.recv_message() == [b"ok"]
        second.close()
        first.close()
    finally:
        listener.close()


def test_handshake_ivl_half_greeting_on_bound_side(ctx):
    """A client sending 10 of the 64 greeting octets then stalling is dropped."""
    r = _sock(ctx, pz.ROUTER, handshake_ivl=200)
    r.bind("tcp://127.0.0.1:*")
    raw = Raw.connect(port_of(r))
    raw.send(b"\xff" + b"\x00" * 8 + b"\x7f")
    assert raw.wait_closed(2.0)
    raw.close()


# ----------------------------------------------------------------------------
# TCP keepalive really set on the OS sockets
# ----------------------------------------------------------------------------
def _keepalive_of(s: socket.socket) -> tuple:
    return (s.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE),
            s.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE),
            s.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT),
            s.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL))


@pytest.mark.skipif(not hasattr(socket, "TCP_KEEPIDLE"), reason="Linux keepalive options")
def test_tcp_keepalive_options_on_accepted_and_connected_sockets(ctx):
    opts = dict(tcp_keepalive=1, tcp_keepalive_idle=37, tcp_keepalive_cnt=4,
                tcp_keepalive_intvl=9)
    r = _sock(ctx, pz.ROUTER, **opts)
    r.bind("tcp://127.0.0.1:*")
    d = _sock(ctx, pz.DEALER, **opts)
    d.connect(r.last_endpoint.decode())
    d.send(b"x")
    r.recv_multipart()
    port = port_of(r)
    found = tcp_sockets_on_port(port)
    assert len(found) == 2, f"expected the accepted and the dialled socket, found {found}"
    for s in found:
        assert _keepalive_of(s) == (1, 37, 4, 9), (s, _keepalive_of(s))
    # TCP_KEEPALIVE 0 explicitly switches it off; -1 leaves the OS default.
    r0 = _sock(ctx, pz.ROUTER, tcp_keepalive=0)
    r0.bind("tcp://127.0.0.1:*")
    d0 = _sock(ctx, pz.DEALER, tcp_keepalive=0)
    d0.connect(r0.last_endpoint.decode())
    d0.send(b"x")
    r0.recv_multipart()
    for s in tcp_sockets_on_port(port_of(r0)):
        assert s.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE) == 0


# ----------------------------------------------------------------------------
# MAX_SOCKETS and fd exhaustion
# ----------------------------------------------------------------------------
def test_max_sockets_emfile_past_the_limit():
    c = pz.Context()
    c.set(pz.MAX_SOCKETS, 8)
    made = []
    try:
        for _ in range(8):
            made.append(c.socket(pz.PAIR))
        with pytest.raises(pz.ZMQError) as e:
            made.append(c.socket(pz.PAIR))
        assert e.value.errno == errno.EMFILE
        made.pop().close()
        made.append(c.socket(pz.PAIR))  # a slot is free again
    finally:
        for s in made:
            s.close(linger=0)
        c.term()


OUT_OF_FDS = r"""
import resource, socket, sys, time, errno
import purezmq as zmq
resource.setrlimit(resource.RLIMIT_NOFILE, (64, 64))
c = zmq.Context()
r = c.socket(zmq.ROUTER); r.linger = 0
r.bind("tcp://127.0.0.1:*")
port = int(r.last_endpoint.decode().rsplit(":", 1)[1])
hog = []
try:
    while True:
        hog.append(socket.socket())
except OSError:
    pass
# Out of fds: a new zmq socket or a bind fails with an error, not a crash.
errs = []
for op in ("socket", "bind"):
    try:
        s = c.socket(zmq.DEALER) if op == "socket" else r.bind("tcp://127.0.0.1:*")
        errs.append("%s:ok" % op)
    except zmq.ZMQError as e:
        errs.append("%s:%s" % (op, errno.errorcode.get(e.errno, e.errno)))
print("errors", " ".join(errs), flush=True)
# A client connects while the listener cannot accept (EMFILE on accept).
for h in hog[:3]:
    h.close()
del hog[:3]
cl = socket.create_connection(("127.0.0.1", port), timeout=3)
for h in hog[:1]:
    pass
t0 = time.process_time(); time.sleep(1.0); cpu = time.process_time() - t0
print("cpu_while_starved %.2f" % cpu, flush=True)
cl.close()
for h in hog:
    h.close()
d = c.socket(zmq.DEALER); d.linger = 0
d.connect(r.last_endpoint.decode())
d.send(b"back")
r.rcvtimeo = 3000
print("recovered", r.recv_multipart()[1].decode(), flush=True)
c.destroy(0)
"""


def test_out_of_process_fds_is_an_error_and_recoverable():
    child = Child(OUT_OF_FDS)
    try:
        errs = child.expect("errors", 15).split()
        for e in errs:
            assert e.split(":")[1] in ("EMFILE", "ENFILE"), errs
        cpu = float(child.expect("cpu_while_starved", 15))
        assert cpu < 0.5, f"listener spun {cpu:.2f} CPU-s/s while unable to accept"
        assert child.expect("recovered", 15) == "back"
        assert child.wait(10) == 0
    finally:
        child.kill()


# ----------------------------------------------------------------------------
# Memory bounded by the HWM
# ----------------------------------------------------------------------------
@pytest.mark.parametrize("lib_name", ["pyzmq", "purezmq"])
def test_send_queue_obeys_hwm_towards_a_peer_that_never_reads(ctx, zctx, lib_name):
    """PUSH with SNDHWM 10 and 256 KB messages to a raw peer that reads
    nothing: the sender accepts about HWM messages (plus what the small
    kernel buffers hold), then EAGAIN; RSS stays bounded.  libzmq
    (reference) accepts exactly 10."""
    lib, c = (zmq, zctx) if lib_name == "pyzmq" else (pz, ctx)
    listener = RawListener(rcvbuf=4096)
    push = _sock(c, lib.PUSH, sndhwm=10, sndbuf=16384)
    size = 256 * 1024
    try:
        push.connect(listener.endpoint)
        raw = listener.accept()
        raw.handshake(b"PULL")
        payload = b"p" * size
        rss0 = rss_bytes()
        accepted = 0
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and accepted < 200:
            try:
                push.send(payload, lib.DONTWAIT)
                accepted += 1
            except lib.Again:
                time.sleep(0.05)  # let the I/O thread move what it can
                try:
                    push.send(payload, lib.DONTWAIT)
                    accepted += 1
                except lib.Again:
                    break
        grew = rss_bytes() - rss0
        assert accepted <= 10 + 2, f"SNDHWM 10 but {accepted} messages accepted"
        assert grew < 24 * MB, f"RSS grew {grew / MB:.0f} MB for a 10-message HWM"
        raw.close()
    finally:
        listener.close()


def test_receive_queue_obeys_hwm_against_a_fast_sender(ctx):
    """PULL with RCVHWM 10 that the application never reads; a raw peer
    pushes 64 KB messages as fast as TCP lets it: purezmq must stop reading
    the socket, so the sender gets only ~HWM plus kernel buffers through."""
    pull = _sock(ctx, pz.PULL, rcvhwm=10, rcvbuf=65536)
    pull.bind("tcp://127.0.0.1:*")
    raw = Raw.connect(port_of(pull))
    raw.sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 65536)
    raw.handshake(b"PUSH")
    msg = message(b"q" * 65536)
    sent = [0]
    stop = threading.Event()

    def pump() -> None:
        raw.sock.settimeout(0.2)
        while not stop.is_set():
            try:
                raw.sock.sendall(msg)
                sent[0] += 1
            except socket.timeout:
                continue
            except OSError:
                return

    rss0 = rss_bytes()
    t = threading.Thread(target=pump, daemon=True)
    t.start()
    time.sleep(2.0)
    stop.set()
    t.join(2)
    grew = rss_bytes() - rss0
    n = sent[0]
    raw.close(reset=True)
    # kernel buffers: <= ~4 x 128 KB (doubled SO_*BUF each side) = 8 messages
    assert n <= 10 + 8 + 16, f"RCVHWM 10 but the peer pushed {n} x 64 KB into us"
    assert grew < 32 * MB, f"RSS grew {grew / MB:.0f} MB"


SLOW_SUB = r"""
import sys, time
import zmq
c = zmq.Context()
s = c.socket(zmq.SUB)
s.rcvhwm = 10
s.rcvbuf = 65536
s.subscribe(b"")
s.connect(sys.argv[1])
print("up", flush=True)
n = 0
s.rcvtimeo = 3000
try:
    while True:
        s.recv()
        n += 1
        if n % 50 == 0:
            print("got", n, flush=True)
except zmq.Again:
    print("done", n, flush=True)
"""


def test_slow_subscriber_cannot_grow_the_publisher(ctx):
    """A libzmq SUB process that stops (SIGSTOP) while a purezmq PUB
    (SNDHWM 100) publishes 300 MB: the publisher's RSS stays near
    HWM x message size; after SIGCONT the subscriber receives again."""
    pub = _sock(ctx, pz.PUB, sndhwm=100, sndbuf=65536)
    pub.bind("tcp://127.0.0.1:*")
    child = Child(SLOW_SUB, pub.last_endpoint.decode())
    try:
        child.expect("up")
        deadline = time.monotonic() + 5
        while True:  # slow joiner: publish until it hears us
            assert time.monotonic() < deadline, "subscriber never received"
            pub.send(b"warm" * 100)
            try:
                if child.expect("got", 0.05):
                    break
            except TimeoutError:
                pass
        child.signal(signal.SIGSTOP)
        time.sleep(0.1)
        payload = b"m" * 10000
        rss0 = rss_bytes()
        peak = rss0
        t0 = time.monotonic()
        for i in range(30000):   # 300 MB offered
            pub.send(payload)
            if i % 1000 == 0:
                peak = max(peak, rss_bytes())
        peak = max(peak, rss_bytes())
        took = time.monotonic() - t0
        grew = peak - rss0
        assert grew < 40 * MB, (f"publisher grew {grew / MB:.0f} MB with SNDHWM 100 x 10 KB "
                                f"({took:.1f} s)")
        child.signal(signal.SIGCONT)
        for _ in range(50):
            pub.send(payload)
        assert child.expect("got", 10)
    finally:
        child.kill()
