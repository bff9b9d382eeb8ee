"""Proxy, ThreadProxy, ProcessProxy: a device with a monitor socket."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..constants import PUB
from ..proxy import proxy
from .basedevice import Device, ProcessDevice, ThreadDevice, _SocketPlan

__all__ = ["Proxy", "ThreadProxy", "ProcessProxy"]

if TYPE_CHECKING:
    # A mixin: type-checked as the Device it is always combined with.
    _MixinBase = Device
else:
    _MixinBase = object


class ProxyBase(_MixinBase):
    """The monitor socket's half of the Proxy classes (a mixin of Device)."""

    def __init__(self, in_type: int, out_type: int, mon_type: int = PUB) -> None:
        Device.__init__(self, in_type=in_type, out_type=out_type)
        self.mon_type = mon_type
        self._plans["mon"] = _SocketPlan()

    def bind_mon(self, addr: str) -> None:
        """Bind the monitor socket to `addr` when it is created."""
        self._plans["mon"].binds.append(addr)

    def connect_mon(self, addr: str) -> None:
        """Connect the monitor socket to `addr` when it is created."""
        self._plans["mon"].connects.append(addr)

    def setsockopt_mon(self, opt: int, value: Any) -> None:
        """Set an option on the monitor socket when it is created."""
        self._plans["mon"].sockopts.append((opt, value))

    def bind_mon_to_random_port(self, addr: str, *args: Any, **kwargs: Any) -> int:
        """Pick a free port on `addr` now, bind the monitor socket to it later."""
        port = self._reserve_random_port(addr, *args, **kwargs)
        self.bind_mon(f"{addr}:{port}")
        return port

    _mon_binds = property(lambda self: self._plans["mon"].binds)
    _mon_connects = property(lambda self: self._plans["mon"].connects)
    _mon_sockopts = property(lambda self: self._plans["mon"].sockopts)

    def _setup_sockets(self) -> tuple:
        ins, outs = Device._setup_sockets(self)
        mons = self._make_socket(self.mon_type, "mon")
        return ins, outs, mons

    def run_device(self) -> None:
        ins, outs, mons = self._setup_sockets()
        proxy(ins, outs, mons)


class Proxy(ProxyBase, Device):
    """A Device whose monitor socket gets a copy of every frame relayed
    (either way), as zmq.proxy's capture socket.  Construct with
    (in_type, out_type, mon_type=PUB); configure the monitor socket with
    bind_mon / connect_mon / setsockopt_mon."""


class ThreadProxy(ProxyBase, ThreadDevice):
    """A Proxy run in a background thread."""


class ProcessProxy(ProxyBase, ProcessDevice):
    """A Proxy run in a child process."""
