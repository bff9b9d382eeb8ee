"""Tornado integration, shaped like pyzmq's zmq.eventloop.

`purezmq.eventloop.zmqstream.ZMQStream` wraps a socket with callbacks run
by a tornado IOLoop.  Tornado is an optional dependency: this package
imports it only when something from it is used, and a missing tornado
gives an ImportError that says so.

`IOLoop` is tornado's own IOLoop (as in pyzmq, which re-exports it).
"""

from __future__ import annotations

from typing import Any

__all__ = ["IOLoop", "ZMQStream"]


def _require_tornado() -> Any:
    """tornado.ioloop, or an ImportError naming the missing dependency."""
    try:
        import tornado.ioloop
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError(
            "purezmq.eventloop needs tornado, which is not installed: "
            "pip install tornado"
        ) from e
    return tornado.ioloop


def __getattr__(name: str) -> Any:
    if name == "IOLoop":
        return _require_tornado().IOLoop
    if name == "ZMQStream":
        from .zmqstream import ZMQStream

        return ZMQStream
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
