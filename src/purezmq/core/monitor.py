"""Socket monitors: libzmq's zmq_socket_monitor, events on an inproc PAIR.

Owns the monitor PAIR socket a monitored socket publishes its events on,
and the wire form of an event (libzmq's version 1 format): a 6-byte frame
holding the event number (uint16) and a value (uint32), native byte order,
then a frame with the endpoint.  Events come from the I/O thread (sessions,
listeners) and from the socket itself; sending never blocks: an event that
finds nobody listening, or the monitor's queue full, is dropped.
"""

from __future__ import annotations

import errno
import struct
from typing import Any

from ..constants import Event, SocketType
from ..error import ZMQError

_EVENT = struct.Struct("=HI")
_DONTWAIT = 1


class Monitor:
    def __init__(self, owner: Any, endpoint: str, events: int) -> None:
        from ..transport.address import parse_endpoint

        transport, _ = parse_endpoint(endpoint)
        if transport != "inproc":
            raise ZMQError(errno.EPROTONOSUPPORT)  # libzmq: inproc only
        if events >> 16:
            raise ZMQError(errno.EINVAL)  # version 1 carries 16 event bits
        self.events = events
        self._sock = owner.ctx.create_socket(SocketType.PAIR)
        self._sock.options.linger = 0  # never hold up term for events
        try:
            self._sock.bind(endpoint)
        except Exception:
            self._sock.close()
            raise

    def emit(self, event: int, value: Any, endpoint: str) -> None:
        if not self.events & event:
            return
        sock = self._sock
        if sock.closed:
            return
        try:
            value = int(value) & 0xFFFFFFFF
            sock.send_parts([_EVENT.pack(event, value), endpoint.encode()], _DONTWAIT)
        except ZMQError:
            pass  # nobody listening, or the monitor's queue is full

    def stop(self) -> None:
        self.emit(Event.MONITOR_STOPPED, 0, "")
        self._sock.close()
