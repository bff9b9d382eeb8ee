"""MonitoredQueue and its Thread/Process forms: monitored_queue as a device."""

from __future__ import annotations

from ..constants import PUB
from .monitoredqueue import monitored_queue
from .proxydevice import ProcessProxy, Proxy, ProxyBase, ThreadProxy

__all__ = ["MonitoredQueue", "ThreadMonitoredQueue", "ProcessMonitoredQueue"]


class MonitoredQueueBase(ProxyBase):
    """Runs monitored_queue() instead of a proxy; keeps the two prefixes."""

    _in_prefix = b""
    _out_prefix = b""

    def __init__(self, in_type: int, out_type: int, mon_type: int = PUB,
                 in_prefix: bytes = b"in", out_prefix: bytes = b"out") -> None:
        ProxyBase.__init__(self, in_type=in_type, out_type=out_type, mon_type=mon_type)
        self._in_prefix = in_prefix
        self._out_prefix = out_prefix

    def run_device(self) -> None:
        ins, outs, mons = self._setup_sockets()
        monitored_queue(ins, outs, mons, self._in_prefix, self._out_prefix)


class MonitoredQueue(MonitoredQueueBase, Proxy):
    """A Proxy whose monitor copies are prefixed with their direction
    (in_prefix for messages that came in on the in socket, out_prefix for
    the other way), and which may join two ROUTERs."""


class ThreadMonitoredQueue(MonitoredQueueBase, ThreadProxy):
    """A MonitoredQueue run in a background thread."""


class ProcessMonitoredQueue(MonitoredQueueBase, ProcessProxy):
    """A MonitoredQueue run in a child process."""
