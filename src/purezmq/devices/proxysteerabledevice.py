"""ProxySteerable and its Thread/Process forms: a Proxy with a control socket."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..constants import PUB
from ..proxy import proxy_steerable
from .basedevice import _SocketPlan
from .proxydevice import ProcessProxy, Proxy, ProxyBase, ThreadProxy

__all__ = ["ProxySteerable", "ThreadProxySteerable", "ProcessProxySteerable"]

if TYPE_CHECKING:
    # A mixin: type-checked as the ProxyBase it is always combined with.
    _MixinBase = ProxyBase
else:
    _MixinBase = object


class ProxySteerableBase(_MixinBase):
    """The control socket's half of the ProxySteerable classes."""

    def __init__(self, in_type: int, out_type: int, mon_type: int = PUB,
                 ctrl_type: int | None = None) -> None:
        ProxyBase.__init__(self, in_type=in_type, out_type=out_type, mon_type=mon_type)
        self.ctrl_type = ctrl_type
        self._plans["ctrl"] = _SocketPlan()

    def bind_ctrl(self, addr: str) -> None:
        """Bind the control socket to `addr` when it is created."""
        self._plans["ctrl"].binds.append(addr)

    def connect_ctrl(self, addr: str) -> None:
        """Connect the control socket to `addr` when it is created."""
        self._plans["ctrl"].connects.append(addr)

    def setsockopt_ctrl(self, opt: int, value: Any) -> None:
        """Set an option on the control socket when it is created."""
        self._plans["ctrl"].sockopts.append((opt, value))

    def bind_ctrl_to_random_port(self, addr: str, *args: Any, **kwargs: Any) -> int:
        """Pick a free port on `addr` now, bind the control socket to it later."""
        port = self._reserve_random_port(addr, *args, **kwargs)
        self.bind_ctrl(f"{addr}:{port}")
        return port

    _ctrl_binds = property(lambda self: self._plans["ctrl"].binds)
    _ctrl_connects = property(lambda self: self._plans["ctrl"].connects)
    _ctrl_sockopts = property(lambda self: self._plans["ctrl"].sockopts)

    def _setup_sockets(self) -> tuple:
        ins, outs, mons = ProxyBase._setup_sockets(self)
        ctrls = self._make_socket(self.ctrl_type, "ctrl")
        return ins, outs, mons, ctrls

    def run_device(self) -> None:
        ins, outs, mons, ctrls = self._setup_sockets()
        proxy_steerable(ins, outs, mons, ctrls)


class ProxySteerable(ProxySteerableBase, Proxy):
    """A Proxy steered through a control socket (zmq.proxy_steerable).

    Construct with (in_type, out_type, mon_type=PUB, ctrl_type); configure
    the control socket with bind_ctrl / connect_ctrl / setsockopt_ctrl.
    Commands sent to it: PAUSE, RESUME, TERMINATE (the device stops) and
    STATISTICS (eight uint64 counters come back).
    """


class ThreadProxySteerable(ProxySteerableBase, ThreadProxy):
    """A ProxySteerable run in a background thread."""


class ProcessProxySteerable(ProxySteerableBase, ProcessProxy):
    """A ProxySteerable run in a child process."""
