"""Fixtures for the purezmq.auth tests."""

from __future__ import annotations

import pytest


@pytest.fixture
def ref_ctx():
    """A pyzmq Context to run pyzmq's own authenticator for comparison,
    or None when pyzmq is not installed (then purezmq is checked alone)."""
    try:
        import zmq
        import zmq.auth  # noqa: F401
    except ImportError:
        yield None
        return
    c = zmq.Context()
    yield c
    c.destroy(linger=0)


@pytest.fixture
def pyzmq():
    return pytest.importorskip("zmq.auth")


@pytest.fixture(autouse=True)
def no_authenticator_thread_left():
    """Every test stops the authenticator threads it started."""
    import threading
    import time

    yield
    deadline = time.monotonic() + 5
    while any(t.name == "purezmq-auth" for t in threading.enumerate()):
        assert time.monotonic() < deadline, "an authenticator thread is still running"
        time.sleep(0.01)
