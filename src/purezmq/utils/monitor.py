"""Reading monitor events (pyzmq's zmq.utils.monitor)."""

from __future__ import annotations

import struct
from typing import Any

from .. import asyncio as _asyncio  # noqa: F401  (as pyzmq's: importing this loads zmq.asyncio)
from ..constants import Event

_EVENT = struct.Struct("=hi")


def parse_monitor_message(msg: list) -> dict:
    """Decode one event message: {"event", "value", "endpoint"}."""
    if len(msg) != 2 or len(msg[0]) != 6:
        raise RuntimeError(f"Invalid event message format: {msg}")
    event_id, value = _EVENT.unpack(bytes(msg[0]))
    # pyzmq 27 gives the value as an Event too (an int all the same).
    return {"event": Event(event_id & 0xFFFF), "value": Event(value),
            "endpoint": bytes(msg[1])}


def recv_monitor_message(socket: Any, flags: int = 0) -> Any:
    """Receive and decode one event (an awaitable on an asyncio socket)."""
    received = socket.recv_multipart(flags)
    if hasattr(received, "add_done_callback"):
        return socket._deserialize(received, parse_monitor_message)
    return parse_monitor_message(received)


__all__ = ["parse_monitor_message", "recv_monitor_message"]
