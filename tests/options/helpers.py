"""Side-by-side helpers: the same call on pyzmq (real libzmq) and purezmq."""

from __future__ import annotations

import contextlib

import pytest

import purezmq

zmq = pytest.importorskip("zmq")

# The classic socket types, by name (both modules spell them the same).
TYPES = ["PAIR", "PUB", "SUB", "REQ", "REP", "DEALER", "ROUTER",
         "PULL", "PUSH", "XPUB", "XSUB", "STREAM"]


def outcome(call):
    """What a call did, comparable across the two libraries: ("ok", value),
    ("errno", n) for a ZMQError, or ("raises", exception class name)."""
    try:
        return ("ok", call())
    except (zmq.ZMQError, purezmq.ZMQError) as e:
        return ("errno", e.errno)
    except Exception as e:  # TypeError, OverflowError, RuntimeError...
        return ("raises", type(e).__name__)


@contextlib.contextmanager
def socket_pair(zctx, pctx, type_name):
    """A pyzmq and a purezmq socket of one type, closed afterwards."""
    z = zctx.socket(getattr(zmq, type_name))
    p = pctx.socket(getattr(purezmq, type_name))
    try:
        yield z, p
    finally:
        z.close(linger=0)
        p.close(linger=0)


@pytest.fixture(scope="module")
def contexts():
    zctx, pctx = zmq.Context(), purezmq.Context()
    yield zctx, pctx
    zctx.term()
    pctx.term()
