"""purezmq.devices: devices that make their own sockets, in threads and processes."""

from __future__ import annotations

import errno
import time

import pytest

import purezmq
from purezmq import devices
from purezmq.devices import monitored_queue

from devices_util import JOIN_S, Runner, assert_silent, bound, decode_stats, sock


def _stop(dev, ctx):
    """Stop a thread device by destroying the context it runs in."""
    ctx.destroy(linger=0)
    dev.join(JOIN_S)
    assert not dev.launcher.is_alive()
    assert dev.done


def test_api_surface():
    import zmq.devices as pyzmq_devices

    for name in pyzmq_devices.__all__:
        assert hasattr(devices, name), name
    d = devices.ThreadProxySteerable(purezmq.ROUTER, purezmq.DEALER, purezmq.PUSH, purezmq.PAIR)
    for method in ("bind_in", "connect_in", "setsockopt_in", "bind_in_to_random_port",
                   "bind_out", "connect_out", "setsockopt_out", "bind_out_to_random_port",
                   "bind_mon", "connect_mon", "setsockopt_mon", "bind_mon_to_random_port",
                   "bind_ctrl", "connect_ctrl", "setsockopt_ctrl", "bind_ctrl_to_random_port",
                   "start", "join", "run", "run_device"):
        assert callable(getattr(d, method)), method
    assert d.daemon is True and d.done is False
    assert (d.in_type, d.out_type, d.mon_type, d.ctrl_type) == (
        purezmq.ROUTER, purezmq.DEALER, purezmq.PUSH, purezmq.PAIR)
    assert devices.Device.context_factory == purezmq.Context.instance
    assert devices.ProcessDevice.context_factory is purezmq.Context
    with pytest.raises(TypeError):
        devices.Device(purezmq.QUEUE, purezmq.ROUTER)
    with pytest.raises(TypeError):
        devices.Device(purezmq.QUEUE, out_type=purezmq.ROUTER)


def test_thread_device_queue_with_random_tcp_ports():
    ctx = purezmq.Context()
    try:
        dev = devices.ThreadDevice(purezmq.QUEUE, purezmq.ROUTER, purezmq.DEALER)
        dev.context_factory = lambda: ctx
        fe_port = dev.bind_in_to_random_port("tcp://127.0.0.1")
        be_port = dev.bind_out_to_random_port("tcp://127.0.0.1")
        assert fe_port != be_port
        dev.setsockopt_in(purezmq.RCVHWM, 500)
        dev.start()
        assert dev.launcher.daemon
        worker = sock(ctx, purezmq.REP)
        worker.connect(f"tcp://127.0.0.1:{be_port}")
        client = sock(ctx, purezmq.REQ)
        client.connect(f"tcp://127.0.0.1:{fe_port}")
        for i in range(5):
            client.send_multipart([b"req", b"%d" % i])
            assert worker.recv_multipart() == [b"req", b"%d" % i]
            worker.send(b"rep%d" % i)
            assert client.recv() == b"rep%d" % i
        _stop(dev, ctx)
    finally:
        ctx.destroy(linger=0)


def test_thread_device_connects_out_and_uses_sockopts(ctx, bind_endpoint):
    # The device connects to sockets the test bound, with a routing id set
    # before connecting.
    upstream, up_addr = bound(ctx, purezmq.ROUTER, bind_endpoint("ipc"))
    downstream, down_addr = bound(ctx, purezmq.ROUTER, bind_endpoint("tcp"))
    dev = devices.ThreadDevice(purezmq.QUEUE, purezmq.DEALER, purezmq.DEALER)
    dev.context_factory = lambda: ctx
    dev.setsockopt_in(purezmq.ROUTING_ID, b"dev-in")
    dev.setsockopt_out(purezmq.ROUTING_ID, b"dev-out")
    dev.connect_in(up_addr)
    dev.connect_out(down_addr)
    upstream.router_mandatory = 1
    dev.start()
    deadline = time.monotonic() + 5
    while True:  # until the device's DEALER is known to the ROUTER
        try:
            upstream.send_multipart([b"dev-in", b"hello"], purezmq.DONTWAIT)
            break
        except purezmq.ZMQError:
            assert time.monotonic() < deadline
            time.sleep(0.01)
    assert downstream.recv_multipart() == [b"dev-out", b"hello"]
    downstream.send_multipart([b"dev-out", b"back"])
    assert upstream.recv_multipart() == [b"dev-in", b"back"]
    ctx.destroy(linger=0)
    dev.join(JOIN_S)
    assert not dev.launcher.is_alive()


def test_thread_device_relaying_one_socket_to_itself(ctx, bind_endpoint):
    ep = bind_endpoint("inproc")
    dev = devices.ThreadDevice(purezmq.QUEUE, purezmq.ROUTER, -1)
    dev.context_factory = lambda: ctx
    dev.bind_in(ep)
    dev.start()
    d = sock(ctx, purezmq.DEALER)
    deadline = time.monotonic() + 5
    while True:  # inproc: connect after the device's bind
        try:
            d.connect(ep)
            break
        except purezmq.ZMQError as e:
            assert e.errno == errno.ECONNREFUSED and time.monotonic() < deadline
            time.sleep(0.01)
    d.send_multipart([b"ping", b"1"])
    assert d.recv_multipart() == [b"ping", b"1"]
    _stop(dev, ctx)


def test_foreground_device_run_and_join(ctx, bind_endpoint):
    ep_in, ep_out = bind_endpoint("tcp"), bind_endpoint("tcp")
    pull, in_addr = bound(ctx, purezmq.PULL, ep_out)
    dev = devices.Device(purezmq.STREAMER, purezmq.PULL, purezmq.PUSH)
    dev.context_factory = lambda: ctx
    src, src_addr = bound(ctx, purezmq.PUSH, ep_in)
    dev.connect_in(src_addr)
    dev.connect_out(in_addr)
    runner = Runner(dev.start)
    src.send(b"through")
    assert pull.recv() == b"through"
    dev.join(0.05)  # returns after the timeout: still running
    assert not dev.done
    ctx.destroy(linger=0)
    dev.join(JOIN_S)
    assert dev.done
    assert runner.finish().error is None  # ETERM/ENOTSOCK end it quietly


def test_thread_proxy_copies_to_monitor(ctx, bind_endpoint):
    dev = devices.ThreadProxy(purezmq.PULL, purezmq.PUSH, purezmq.PUSH)
    dev.context_factory = lambda: ctx
    ep_in, ep_out, ep_mon = (bind_endpoint("inproc") for _ in range(3))
    src, a = bound(ctx, purezmq.PUSH, ep_in)
    dst, b = bound(ctx, purezmq.PULL, ep_out)
    mon, c = bound(ctx, purezmq.PULL, ep_mon)
    dev.connect_in(a)
    dev.connect_out(b)
    dev.connect_mon(c)
    dev.setsockopt_mon(purezmq.SNDHWM, 5000)
    dev.start()
    for i in range(20):
        src.send_multipart([b"%d" % i, b"x" * i])
    for i in range(20):
        assert dst.recv_multipart() == [b"%d" % i, b"x" * i]
        assert mon.recv_multipart() == [b"%d" % i, b"x" * i]
    _stop(dev, ctx)


def test_thread_proxy_default_pub_monitor(ctx, bind_endpoint):
    dev = devices.ThreadProxy(purezmq.ROUTER, purezmq.DEALER)
    assert dev.mon_type == purezmq.PUB
    dev.context_factory = lambda: ctx
    fe = dev.bind_in_to_random_port("tcp://127.0.0.1")
    be = dev.bind_out_to_random_port("tcp://127.0.0.1")
    mon_port = dev.bind_mon_to_random_port("tcp://127.0.0.1")
    dev.start()
    sub = sock(ctx, purezmq.SUB)
    sub.subscribe(b"")
    sub.connect(f"tcp://127.0.0.1:{mon_port}")
    client = sock(ctx, purezmq.DEALER)
    client.connect(f"tcp://127.0.0.1:{fe}")
    worker = sock(ctx, purezmq.DEALER)
    worker.connect(f"tcp://127.0.0.1:{be}")
    deadline = time.monotonic() + 5
    while True:  # until the SUB's subscription reached the monitor PUB
        client.send(b"probe")
        worker.send_multipart(worker.recv_multipart())
        assert client.recv() == b"probe"
        if sub.poll(50):
            break
        assert time.monotonic() < deadline
    while sub.poll(100):
        sub.recv_multipart()
    client.send_multipart([b"real", b"thing"])
    request = worker.recv_multipart()
    assert request[1:] == [b"real", b"thing"]
    assert sub.recv_multipart() == request
    _stop(dev, ctx)


def test_thread_proxy_steerable(ctx, bind_endpoint):
    dev = devices.ThreadProxySteerable(purezmq.PULL, purezmq.PUSH, purezmq.PUSH, purezmq.REP)
    dev.context_factory = lambda: ctx
    ep = [bind_endpoint("inproc") for _ in range(4)]
    src, a = bound(ctx, purezmq.PUSH, ep[0])
    dst, b = bound(ctx, purezmq.PULL, ep[1])
    mon, c = bound(ctx, purezmq.PULL, ep[2])
    ctl, d = bound(ctx, purezmq.REQ, ep[3])
    dev.connect_in(a)
    dev.connect_out(b)
    dev.connect_mon(c)
    dev.connect_ctrl(d)
    dev.setsockopt_ctrl(purezmq.RCVHWM, 10)
    dev.start()
    src.send_multipart([b"ab", b"cde"])
    assert dst.recv_multipart() == [b"ab", b"cde"]
    assert mon.recv_multipart() == [b"ab", b"cde"]
    ctl.send(b"PAUSE")
    assert ctl.recv() == b""
    src.send(b"held")
    assert_silent(dst)
    ctl.send(b"STATISTICS")
    assert decode_stats(ctl.recv_multipart()) == [2, 5, 0, 0, 0, 0, 2, 5]
    ctl.send(b"RESUME")
    assert ctl.recv() == b""
    assert dst.recv() == b"held"
    ctl.send(b"TERMINATE")
    assert ctl.recv() == b""
    dev.join(JOIN_S)  # TERMINATE ends it by itself
    assert not dev.launcher.is_alive() and dev.done
    for s in dev._sockets:
        assert s.closed


def test_monitored_queue_function_router_dealer(ctx, bind_endpoint):
    ins, fe = bound(ctx, purezmq.ROUTER, bind_endpoint("tcp"))
    outs, be = bound(ctx, purezmq.DEALER, bind_endpoint("tcp"))
    mons, me = bound(ctx, purezmq.PUSH, bind_endpoint("inproc"))
    tap = sock(ctx, purezmq.PULL)
    tap.connect(me)
    runner = Runner(monitored_queue, ins, outs, mons)
    client = sock(ctx, purezmq.REQ, routing_id=b"cli")
    client.connect(fe)
    worker = sock(ctx, purezmq.REP)
    worker.connect(be)
    client.send(b"question")
    assert worker.recv() == b"question"
    worker.send(b"answer")
    assert client.recv() == b"answer"
    assert tap.recv_multipart() == [b"in", b"cli", b"", b"question"]
    assert tap.recv_multipart() == [b"out", b"cli", b"", b"answer"]
    ctx.destroy(linger=0)
    err = runner.finish().error
    assert isinstance(err, purezmq.ZMQError) and err.errno in (errno.ENOTSOCK, purezmq.ETERM)


@pytest.mark.parametrize("prefixes", [(b"in", b"out"), (b"IN:", b"")])
def test_thread_monitored_queue_router_router_swaps_ids(ctx, bind_endpoint, prefixes):
    in_prefix, out_prefix = prefixes
    if prefixes == (b"in", b"out"):
        dev = devices.ThreadMonitoredQueue(purezmq.ROUTER, purezmq.ROUTER, purezmq.PUSH)
    else:
        dev = devices.ThreadMonitoredQueue(purezmq.ROUTER, purezmq.ROUTER, purezmq.PUSH,
                                           in_prefix, out_prefix)
    dev.context_factory = lambda: ctx
    ep = [bind_endpoint("inproc") for _ in range(3)]
    mon, m = bound(ctx, purezmq.PULL, ep[2])
    dev.bind_in(ep[0])
    dev.bind_out(ep[1])
    dev.connect_mon(m)
    dev.start()
    client = sock(ctx, purezmq.DEALER, routing_id=b"client")
    worker = sock(ctx, purezmq.DEALER, routing_id=b"worker")
    deadline = time.monotonic() + 5
    for s, e in ((client, ep[0]), (worker, ep[1])):
        while True:
            try:
                s.connect(e)
                break
            except purezmq.ZMQError:
                assert time.monotonic() < deadline
                time.sleep(0.01)
    worker.send(b"ready")  # so that the out ROUTER knows the worker
    assert mon.recv_multipart()[0] == out_prefix
    time.sleep(0.05)

    client.send_multipart([b"worker", b"hello"])
    assert worker.recv_multipart() == [b"client", b"hello"]
    worker.send_multipart([b"client", b"hi"])
    assert client.recv_multipart() == [b"worker", b"hi"]
    assert mon.recv_multipart() == [in_prefix, b"worker", b"client", b"hello"]
    assert mon.recv_multipart() == [out_prefix, b"client", b"worker", b"hi"]
    _stop(dev, ctx)


def test_process_proxy_steerable_and_process_device():
    ctx = purezmq.Context()
    try:
        dev = devices.ProcessProxySteerable(purezmq.ROUTER, purezmq.DEALER, purezmq.PUSH,
                                            purezmq.REP)
        fe = dev.bind_in_to_random_port("tcp://127.0.0.1")
        be = dev.bind_out_to_random_port("tcp://127.0.0.1")
        mon_port = dev.bind_mon_to_random_port("tcp://127.0.0.1")
        ctl_port = dev.bind_ctrl_to_random_port("tcp://127.0.0.1")
        assert len({fe, be, mon_port, ctl_port}) == 4
        dev.start()
        client = sock(ctx, purezmq.REQ)
        client.connect(f"tcp://127.0.0.1:{fe}")
        worker = sock(ctx, purezmq.REP)
        worker.connect(f"tcp://127.0.0.1:{be}")
        mon = sock(ctx, purezmq.PULL)
        mon.connect(f"tcp://127.0.0.1:{mon_port}")
        ctl = sock(ctx, purezmq.REQ)
        ctl.connect(f"tcp://127.0.0.1:{ctl_port}")
        client.rcvtimeo = worker.rcvtimeo = 10000  # a child process starts slowly
        client.send(b"across processes")
        assert worker.recv() == b"across processes"
        worker.send(b"ok")
        assert client.recv() == b"ok"
        assert mon.recv_multipart()[-1] == b"across processes"
        assert mon.recv_multipart()[-1] == b"ok"
        ctl.send(b"STATISTICS")
        stats = decode_stats(ctl.recv_multipart())
        assert stats[0::2] == [3, 3, 3, 3]  # id, delimiter, body each way
        ctl.send(b"TERMINATE")
        assert ctl.recv() == b""
        dev.join(JOIN_S)
        assert dev.launcher.exitcode == 0

        # A plain ProcessDevice, stopped from outside.
        plain = devices.ProcessDevice(purezmq.STREAMER, purezmq.PULL, purezmq.PUSH)
        a = plain.bind_in_to_random_port("tcp://127.0.0.1")
        b = plain.bind_out_to_random_port("tcp://127.0.0.1")
        plain.start()
        src = sock(ctx, purezmq.PUSH)
        src.connect(f"tcp://127.0.0.1:{a}")
        dst = sock(ctx, purezmq.PULL)
        dst.connect(f"tcp://127.0.0.1:{b}")
        dst.rcvtimeo = 10000
        src.send(b"streamed")
        assert dst.recv() == b"streamed"
        plain.launcher.terminate()
        plain.join(JOIN_S)
        assert not plain.launcher.is_alive()
    finally:
        ctx.destroy(linger=0)
