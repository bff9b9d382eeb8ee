"""Monitoring under asyncio: purezmq.asyncio against zmq.asyncio.

get_monitor_socket() on an asyncio socket gives an asyncio socket, and
`await recv_monitor_message(mon)` yields the events.  Every await is
bounded by asyncio.wait_for."""

from __future__ import annotations

import asyncio
import errno

import pytest

import purezmq as pz
import purezmq.asyncio as pz_asyncio
import purezmq.utils.monitor as pz_monitor
from monitor_util import bind_ep, endpoint_names, event_name, norm, Ev, zmq

import zmq.asyncio as lz_asyncio  # noqa: E402
import zmq.utils.monitor as lz_monitor  # noqa: E402

AIO = {"lz": (zmq, lz_asyncio, lz_monitor), "pz": (pz, pz_asyncio, pz_monitor)}
WIRE = ["tcp", "ipc"]
WAIT = 3.0


async def _next(monitor_mod, mon, timeout=WAIT):
    msg = await asyncio.wait_for(monitor_mod.recv_monitor_message(mon), timeout)
    return Ev(event_name(int(msg["event"])), int(msg["value"]), bytes(msg["endpoint"]).decode())


async def _until(monitor_mod, mon, name, timeout=WAIT):
    out = []
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        left = deadline - loop.time()
        if left <= 0:
            pytest.fail(f"timed out waiting for {name}; got {out}")
        try:
            ev = await _next(monitor_mod, mon, left)
        except asyncio.TimeoutError:
            pytest.fail(f"timed out waiting for {name}; got {out}")
        out.append(ev)
        if ev.name == name:
            return out


async def _quiet(monitor_mod, mon, quiet=0.3):
    out = []
    while True:
        try:
            out.append(await _next(monitor_mod, mon, quiet))
        except asyncio.TimeoutError:
            return out


def _run_both(coro_fn, *args):
    results = {}
    for key, (lib, aio, mod) in AIO.items():
        async def main():
            ctx = aio.Context()
            try:
                return await asyncio.wait_for(coro_fn(lib, aio, mod, ctx, *args), 20)
            finally:
                ctx.destroy(linger=0)
        results[key] = asyncio.run(main())
    return results


def _assert_same(results, expected_lz=None):
    if expected_lz is not None:
        assert results["lz"] == expected_lz, f"libzmq reference changed? {results['lz']}"
    assert results["pz"] == results["lz"], (
        f"purezmq differs from libzmq\n  libzmq:  {results['lz']}\n  purezmq: {results['pz']}")


def test_async_get_monitor_socket_is_async():
    async def scenario(lib, aio, mod, ctx):
        s = ctx.socket(lib.PAIR)
        mon = s.get_monitor_socket()
        again = s.get_monitor_socket()
        r = (isinstance(mon, aio.Socket), mon is again,
             asyncio.isfuture(mon.recv_multipart(lib.NOBLOCK)) or asyncio.iscoroutine(mon.poll(0)))
        s.close()
        return r

    _assert_same(_run_both(scenario), (True, True, True))


def test_async_recv_monitor_message_is_awaitable():
    async def scenario(lib, aio, mod, ctx):
        s = ctx.socket(lib.PAIR)
        s.linger = 0
        mon = s.get_monitor_socket()
        pending = mod.recv_monitor_message(mon)
        awaitable = hasattr(pending, "__await__")
        s.bind("tcp://127.0.0.1:*")
        msg = await asyncio.wait_for(pending, WAIT)
        ep = s.last_endpoint.decode()
        s.close()
        return awaitable, event_name(int(msg["event"])), bytes(msg["endpoint"]) == ep.encode()

    _assert_same(_run_both(scenario), (True, "LISTENING", True))


@pytest.mark.parametrize("transport", WIRE)
def test_async_connection_life(transport, ipc_dir):
    async def scenario(lib, aio, mod, ctx):
        b = ctx.socket(lib.DEALER)
        c = ctx.socket(lib.DEALER)
        for s in (b, c):
            s.linger = 0
        c.reconnect_ivl = 200
        c.reconnect_ivl_max = 1000
        mb = b.get_monitor_socket()
        mc = c.get_monitor_socket()
        b.bind(bind_ep(transport, ipc_dir))
        ep = b.last_endpoint.decode()
        # a receive waiting before the events exist must be woken by them
        waiting = asyncio.ensure_future(_until(mod, mb, "HANDSHAKE_SUCCEEDED"))
        await asyncio.sleep(0.05)
        c.connect(ep)
        ec = await _until(mod, mc, "HANDSHAKE_SUCCEEDED")
        eb = await waiting
        await c.send(b"ping")
        assert await b.poll(2000)
        assert await b.recv() == b"ping"
        b.close()
        gone = await _until(mod, mc, "CONNECT_RETRIED")
        c.disable_monitor()
        stopped = await _until(mod, mc, "MONITOR_STOPPED")
        polled = await mc.poll(100)
        c.close()
        mb.close()
        mc.close()
        names = endpoint_names(ep)
        return {"binder": norm(eb, names), "connector": norm(ec, names), "gone": norm(gone, names),
                "stopped": norm(stopped, names), "after stop": polled}

    prefix = [("CONNECT_DELAYED", errno.EINPROGRESS, "EP")] if transport == "tcp" else []
    _assert_same(_run_both(scenario), {
        "binder": [("LISTENING", "fd", "EP"), ("ACCEPTED", "fd", "EP"), ("HANDSHAKE_SUCCEEDED", 0, "EP")],
        "connector": prefix + [("CONNECTED", "fd", "EP"), ("HANDSHAKE_SUCCEEDED", 0, "EP")],
        "gone": [("DISCONNECTED", "fd", "EP"), ("CONNECT_RETRIED", 200, "EP")],
        "stopped": [("MONITOR_STOPPED", 0, "")],
        "after stop": 0,
    })


def test_async_filtered_monitor():
    async def scenario(lib, aio, mod, ctx):
        b = ctx.socket(lib.PAIR)
        c = ctx.socket(lib.PAIR)
        for s in (b, c):
            s.linger = 0
        mb = b.get_monitor_socket(lib.EVENT_ACCEPTED | lib.EVENT_DISCONNECTED)
        b.bind("tcp://127.0.0.1:*")
        ep = b.last_endpoint.decode()
        c.connect(ep)
        first = await _until(mod, mb, "ACCEPTED")
        c.close()
        rest = await _until(mod, mb, "DISCONNECTED")
        rest += await _quiet(mod, mb)
        b.close()
        return norm(first + rest, endpoint_names(ep))

    _assert_same(_run_both(scenario), [("ACCEPTED", "fd", "EP"), ("DISCONNECTED", "fd", "EP")])


def test_async_monitor_with_sync_peer_across_libraries(ipc_dir):
    """purezmq.asyncio socket monitored, its peer a libzmq (pyzmq) socket;
    compared with zmq.asyncio monitored against the same kind of peer."""

    async def scenario(lib, aio, mod, ctx):
        peer_ctx = zmq.Context()
        try:
            b = ctx.socket(lib.PAIR)
            b.linger = 0
            mb = b.get_monitor_socket()
            b.bind(bind_ep("ipc", ipc_dir))
            ep = b.last_endpoint.decode()
            peer = peer_ctx.socket(zmq.PAIR)
            peer.linger = 0
            peer.connect(ep)
            up = await _until(mod, mb, "HANDSHAKE_SUCCEEDED")
            peer.close()
            down = await _until(mod, mb, "DISCONNECTED")
            b.close()
            return norm(up + down, endpoint_names(ep))
        finally:
            peer_ctx.destroy(linger=0)

    _assert_same(_run_both(scenario), [("LISTENING", "fd", "EP"), ("ACCEPTED", "fd", "EP"),
                                       ("HANDSHAKE_SUCCEEDED", 0, "EP"), ("DISCONNECTED", "fd", "EP")])
