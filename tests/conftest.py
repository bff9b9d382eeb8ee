"""Shared fixtures: contexts that always get cleaned up, endpoints per transport."""

from __future__ import annotations

import itertools
import os
import tempfile
import threading

import pytest

import purezmq

TRANSPORTS = ["tcp", "ipc", "inproc"]
_counter = itertools.count()


@pytest.fixture
def ctx():
    """A purezmq Context destroyed (linger 0) after the test."""
    c = purezmq.Context()
    yield c
    _destroy(c)


def _destroy(c) -> None:
    done = threading.Event()

    def run() -> None:
        c.destroy(linger=0)
        done.set()

    t = threading.Thread(target=run, daemon=True)
    t.start()
    if not done.wait(10):
        pytest.fail("Context.destroy() hung for 10 s")


@pytest.fixture
def zctx():
    """A pyzmq (real libzmq) Context, for interop tests."""
    zmq = pytest.importorskip("zmq")
    c = zmq.Context()
    yield c
    c.destroy(linger=0)


@pytest.fixture
def ipc_dir():
    d = tempfile.mkdtemp(prefix="pzq")
    yield d
    for name in os.listdir(d):
        try:
            os.unlink(os.path.join(d, name))
        except OSError:
            pass
    os.rmdir(d)


@pytest.fixture
def bind_endpoint(ipc_dir):
    """bind_endpoint(transport) -> an endpoint string to bind to."""

    def make(transport: str) -> str:
        n = next(_counter)
        if transport == "tcp":
            return "tcp://127.0.0.1:*"
        if transport == "ipc":
            return f"ipc://{ipc_dir}/s{n}"
        if transport == "inproc":
            return f"inproc://test-{os.getpid()}-{n}"
        raise ValueError(transport)

    return make
