"""ZMTP 3.1 heartbeats against peers that are really gone: a peer process
frozen with SIGSTOP (its kernel still ACKs, so TCP alone never notices) or
a path that silently drops all traffic.  The connection must be closed
within HEARTBEAT_TIMEOUT and retried; and a PING must not queue behind
data: it goes out even while the data pipe is full at its HWM.

The PING-at-HWM test also runs against pyzmq (libzmq 4.3.5) as the
reference: the same checks pass there."""

from __future__ import annotations

import signal
import socket
import time

import pytest

import purezmq as pz
from fault_tools import COMMAND, Child, Proxy, RawListener, port_of, wait_event

zmq = pytest.importorskip("zmq")

HB_IVL, HB_TIMEOUT = 100, 500

PEER = r"""
import sys, time
lib, kind, ep = sys.argv[1], sys.argv[2], sys.argv[3]
if lib == "pyzmq":
    import zmq
else:
    import purezmq as zmq
c = zmq.Context()
s = c.socket(getattr(zmq, kind))
s.linger = 0
s.reconnect_ivl = 50
if kind == "ROUTER":
    s.router_handover = 1
    s.bind(ep)
else:
    s.routing_id = b"child"
    s.connect(ep)
print("up", s.last_endpoint.decode(), flush=True)
while True:
    m = s.recv_multipart()
    s.send_multipart(m[:-1] + [b"echo:" + m[-1]])
"""


def _sock(ctx, kind, **opts):
    s = ctx.socket(kind)
    s.linger = 0
    s.rcvtimeo = 3000
    s.sndtimeo = 3000
    for k, v in opts.items():
        setattr(s, k, v)
    return s


def _echo_works(s, via_router: bool, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if via_router:
                s.send_multipart([b"child", b"hi"], pz.DONTWAIT)
            else:
                s.send(b"hi", pz.DONTWAIT)
        except pz.Again:
            pass
        except pz.ZMQError as e:
            if e.errno != pz.EHOSTUNREACH:
                raise
        if s.poll(100):
            while s.poll(50):
                if s.recv_multipart()[-1] == b"echo:hi":
                    return True
    return False


@pytest.mark.parametrize("child_lib", ["pyzmq", "purezmq"])
def test_sigstopped_connecter_detected_by_binder(ctx, child_lib):
    """purezmq ROUTER (binds, heartbeats); the DEALER process connected to
    it is SIGSTOPped: DISCONNECTED within the timeout; after SIGCONT the
    peer comes back and is served."""
    router = _sock(ctx, pz.ROUTER, heartbeat_ivl=HB_IVL, heartbeat_timeout=HB_TIMEOUT,
                   router_mandatory=1, router_handover=1)
    router.bind("tcp://127.0.0.1:*")
    mon = router.get_monitor_socket()
    child = Child(PEER, child_lib, "DEALER", router.last_endpoint.decode())
    try:
        child.expect("up")
        assert wait_event(mon, pz.EVENT_HANDSHAKE_SUCCEEDED, 5), "child never connected"
        child.signal(signal.SIGSTOP)
        t0 = time.monotonic()
        ev = wait_event(mon, pz.EVENT_DISCONNECTED, 3.0)
        took = time.monotonic() - t0
        assert ev is not None, "SIGSTOPped peer never detected (no DISCONNECTED in 3 s)"
        assert took < (HB_IVL + HB_TIMEOUT) / 1000 + 0.6, f"detected after {took:.2f} s"
        child.signal(signal.SIGCONT)
        assert wait_event(mon, pz.EVENT_HANDSHAKE_SUCCEEDED, 5), "peer did not come back"
        assert _echo_works(router, via_router=True), "no traffic after the peer resumed"
    finally:
        child.kill()
        router.disable_monitor()
        mon.close()


@pytest.mark.parametrize("child_lib", ["pyzmq", "purezmq"])
def test_sigstopped_binder_detected_and_redialled(ctx, child_lib):
    """purezmq DEALER (connects, heartbeats) to a ROUTER process that gets
    SIGSTOPped: DISCONNECTED within the timeout, then it redials (the
    frozen process's kernel still accepts; the handshake cannot finish);
    after SIGCONT traffic flows again."""
    child = Child(PEER, child_lib, "ROUTER", "tcp://127.0.0.1:*")
    dealer = _sock(ctx, pz.DEALER, heartbeat_ivl=HB_IVL, heartbeat_timeout=HB_TIMEOUT,
                   reconnect_ivl=50, handshake_ivl=1000, routing_id=b"child")
    mon = dealer.get_monitor_socket()
    try:
        ep = child.expect("up")
        dealer.connect(ep)
        assert _echo_works(dealer, via_router=False)
        child.signal(signal.SIGSTOP)
        t0 = time.monotonic()
        ev = wait_event(mon, pz.EVENT_DISCONNECTED, 3.0)
        took = time.monotonic() - t0
        assert ev is not None, "SIGSTOPped server never detected (no DISCONNECTED in 3 s)"
        assert took < (HB_IVL + HB_TIMEOUT) / 1000 + 0.6, f"detected after {took:.2f} s"
        assert wait_event(mon, pz.EVENT_CONNECTED, 3.0), "no redial after the drop"
        child.signal(signal.SIGCONT)
        assert _echo_works(dealer, via_router=False), "no traffic after the server resumed"
    finally:
        child.kill()
        dealer.disable_monitor()
        mon.close()


def test_blackholed_path_detected_and_retried(ctx, zctx):
    """A proxy silently drops everything both ways (connections stay open):
    the purezmq DEALER's heartbeat closes the connection within the
    timeout and redials; once the path heals, traffic flows."""
    peer = _sock(zctx, zmq.ROUTER, router_handover=1)
    peer.bind("tcp://127.0.0.1:*")
    proxy = Proxy(port_of(peer))
    dealer = _sock(ctx, pz.DEALER, heartbeat_ivl=HB_IVL, heartbeat_timeout=HB_TIMEOUT,
                   reconnect_ivl=50, handshake_ivl=1000, routing_id=b"me")
    mon = dealer.get_monitor_socket()
    try:
        dealer.connect(proxy.endpoint)
        dealer.send(b"one")
        assert peer.recv_multipart() == [b"me", b"one"]
        assert wait_event(mon, pz.EVENT_HANDSHAKE_SUCCEEDED, 2)
        proxy.blackhole(True)
        t0 = time.monotonic()
        ev = wait_event(mon, pz.EVENT_DISCONNECTED, 3.0)
        took = time.monotonic() - t0
        assert ev is not None, "black-holed connection never detected"
        assert took < (HB_IVL + HB_TIMEOUT) / 1000 + 0.6, f"detected after {took:.2f} s"
        accepted = proxy.accepted
        deadline = time.monotonic() + 3
        while proxy.accepted == accepted:
            assert time.monotonic() < deadline, "no redial after the heartbeat timeout"
            time.sleep(0.02)
        proxy.blackhole(False)
        proxy.cut()  # the stuck attempt; the next one gets through
        deadline = time.monotonic() + 5
        while True:
            assert time.monotonic() < deadline, "traffic never resumed after the path healed"
            dealer.send(b"again", pz.DONTWAIT)
            if peer.poll(100):
                break
        assert peer.recv_multipart() == [b"me", b"again"]
    finally:
        dealer.disable_monitor()
        mon.close()
        dealer.close()
        proxy.close()


def _ping_behind_full_pipe(lib, ctx) -> tuple:
    """A DEALER (HEARTBEAT_IVL 100 ms, SNDHWM 2000, small SNDBUF) whose pipe
    is full with 2000 x 4 KB; the raw peer (small RCVBUF) reads slowly,
    ~640 KB/s.  Returns (seconds until the first PING, octets read before it,
    octets queued)."""
    listener = RawListener(rcvbuf=4096)
    dealer = ctx.socket(lib.DEALER)
    dealer.linger = 0
    dealer.sndhwm = 2000
    dealer.sndbuf = 8192
    dealer.heartbeat_ivl = 100
    dealer.heartbeat_timeout = 30000
    dealer.heartbeat_ttl = 30000
    try:
        dealer.connect(listener.endpoint)
        raw = listener.accept()
        raw.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        from fault_tools import greeting, ready
        raw.send(greeting())
        raw.recv_exact(64)
        raw.send(ready(b"ROUTER"))
        flags, body = raw.recv_frame()
        assert body[:6] == b"\x05READY"
        # Fill the pipe to its HWM: the peer reads nothing meanwhile.
        queued = 0
        payload = b"d" * 4096
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                dealer.send(payload, lib.DONTWAIT)
                queued += len(payload)
            except lib.Again:
                break
        # Drop any PING that was already sitting in the socket buffers: we
        # time a fresh one from now on.
        time.sleep(0.3)
        start_bytes = raw.received
        t0 = time.monotonic()
        while True:
            if time.monotonic() - t0 > 8:
                return None, raw.received - start_bytes, queued
            flags, body = raw.recv_frame(5)
            if flags & COMMAND and body[:5] == b"\x04PING" and time.monotonic() - t0 > 0.15:
                return time.monotonic() - t0, raw.received - start_bytes, queued
            time.sleep(len(body) / 640000)  # ~640 KB/s
    finally:
        dealer.close(linger=0)
        listener.close()


@pytest.mark.parametrize("lib_name", ["pyzmq", "purezmq"])
def test_ping_goes_out_while_data_pipe_is_full(ctx, zctx, lib_name):
    lib, c = (zmq, zctx) if lib_name == "pyzmq" else (pz, ctx)
    took, before, queued = _ping_behind_full_pipe(lib, c)
    assert queued >= 2000 * 4096 * 0.9, f"pipe not full: {queued} octets queued"
    assert took is not None, (f"no PING within 8 s while {queued} octets were queued "
                              f"(read {before} octets): PING waits behind the data")
    assert took < 2.0, f"first PING after {took:.2f} s"
    assert before < queued / 4, f"{before} of {queued} queued octets went out before the PING"
