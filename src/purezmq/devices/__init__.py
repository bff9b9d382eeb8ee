"""Devices run in the background: pyzmq's zmq.devices for purezmq.

A device is given socket *types*, not sockets: it creates its sockets
itself, in the thread or process that runs it (so no socket crosses a
thread), after replaying the binds, connects and options queued on it.

- Device / ThreadDevice / ProcessDevice: a proxy between an in and an out
  socket (run in the caller / a thread / a child process).
- Proxy, ThreadProxy, ProcessProxy: the same with a monitor socket that
  gets a copy of every frame (zmq_proxy's capture).
- ProxySteerable, ThreadProxySteerable, ProcessProxySteerable: plus a
  control socket (PAUSE / RESUME / TERMINATE / STATISTICS).
- MonitoredQueue, ThreadMonitoredQueue, ProcessMonitoredQueue and the
  monitored_queue() function: the monitor copy is prefixed with where the
  message came from, and ROUTER-ROUTER queues are supported.
"""

from __future__ import annotations

from ..constants import DeviceType
from ..proxy import proxy
from .basedevice import Device, ProcessDevice, ThreadDevice
from .monitoredqueue import monitored_queue
from .monitoredqueuedevice import MonitoredQueue, ProcessMonitoredQueue, ThreadMonitoredQueue
from .proxydevice import ProcessProxy, Proxy, ThreadProxy
from .proxysteerabledevice import ProcessProxySteerable, ProxySteerable, ThreadProxySteerable

__all__ = [
    "Device", "ThreadDevice", "ProcessDevice",
    "Proxy", "ThreadProxy", "ProcessProxy",
    "ProxySteerable", "ThreadProxySteerable", "ProcessProxySteerable",
    "MonitoredQueue", "ThreadMonitoredQueue", "ProcessMonitoredQueue",
    "monitored_queue",
]
