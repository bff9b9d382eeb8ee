"""Fixtures of the device tests: a proxy running in a thread that is always stopped."""

from __future__ import annotations

import contextlib
import errno

import pytest

import purezmq
from purezmq.proxy import proxy, proxy_steerable

from devices_util import JOIN_S, OPEN_SOCKETS, Runner, sock


@pytest.fixture(autouse=True)
def close_test_sockets():
    """Close what the test's sockets (made with devices_util.sock) after it."""
    yield
    while OPEN_SOCKETS:
        s = OPEN_SOCKETS.pop()
        with contextlib.suppress(Exception):
            s.close(linger=0)


@pytest.fixture
def run_proxy(ctx):
    """run_proxy(frontend, backend, capture=None, steerable=True) -> Runner.

    Runs the proxy in a thread.  A steerable one gets an inproc PAIR
    control socket (runner.control is its peer) and is stopped with
    TERMINATE (it must return 0); a plain one is stopped by closing its
    sockets (it must raise ENOTSOCK).  Either way the test fails if the
    proxy died early or does not stop.
    """
    started: list = []

    def start(frontend, backend, capture=None, steerable=True, control_type=purezmq.PAIR):
        if steerable:
            ctl = sock(ctx, control_type)
            addr = f"inproc://proxy-control-{id(ctl)}"
            ctl.bind(addr)
            peer = sock(ctx, purezmq.REQ if control_type == purezmq.REP else purezmq.PAIR)
            peer.connect(addr)
            runner = Runner(proxy_steerable, frontend, backend, capture, ctl)
            runner.control, runner.control_socket = peer, ctl
        else:
            runner = Runner(proxy, frontend, backend, capture)
            runner.control = None
        runner.sockets = [s for s in (frontend, backend, capture) if s is not None]
        started.append(runner)
        return runner

    yield start

    for runner in started:
        if runner.control is not None:
            if runner.is_alive():
                runner.control.send(b"TERMINATE")
                if runner.control.socket_type == purezmq.REQ:
                    runner.control.recv()
            runner.finish(JOIN_S)
            assert runner.error is None, runner.error
            assert runner.result == 0
        else:
            with contextlib.suppress(purezmq.ZMQError):
                for s in runner.sockets:
                    s.close()
            runner.finish(JOIN_S)
            assert isinstance(runner.error, purezmq.ZMQError), runner.error
            assert runner.error.errno == errno.ENOTSOCK, runner.error
