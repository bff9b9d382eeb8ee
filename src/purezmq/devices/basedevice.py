"""Device, ThreadDevice, ProcessDevice: a proxy whose sockets it makes itself."""

from __future__ import annotations

import time
from multiprocessing import Process
from threading import Thread
from typing import Any, Callable

from ..constants import ENOTSOCK, ETERM, PUSH, QUEUE
from ..error import ZMQBindError, ZMQError
from ..proxy import proxy
from ..sugar.context import Context

__all__ = ["Device", "ThreadDevice", "ProcessDevice"]


class _SocketPlan:
    """What to do to one socket once it exists: options, binds, connects."""

    def __init__(self) -> None:
        self.sockopts: list = []
        self.binds: list = []
        self.connects: list = []

    def apply(self, sock: Any) -> None:
        # Options first: IDENTITY/ROUTING_ID and the like only count before
        # the socket connects.
        for opt, value in self.sockopts:
            sock.setsockopt(opt, value)
        for addr in self.binds:
            sock.bind(addr)
        for addr in self.connects:
            sock.connect(addr)


class Device:
    """A proxy between two sockets of the given types (pyzmq's zmq.devices.Device).

    `Device(device_type, in_type, out_type)`: the sockets are created by
    the code that runs the device, from `context_factory()`, when it
    starts; queue their setup with bind_in/connect_in/setsockopt_in (and
    the _out forms).  An out_type below 0 means: relay the in socket to
    itself.  start() runs the device in the calling thread (the Thread
    and Process subclasses run it in the background); join() waits for it.

    context_factory: how the device gets its context (a class attribute;
    the shared Context.instance here and for threads, a fresh Context in
    a child process, which must not use its parent's).
    daemon: whether a background thread or process is a daemon (True).
    """

    context_factory: Callable[[], Any] = Context.instance

    def __init__(self, device_type: int = QUEUE, in_type: int | None = None,
                 out_type: int | None = None) -> None:
        if in_type is None:
            raise TypeError("in_type must be specified")
        if out_type is None:
            raise TypeError("out_type must be specified")
        self.device_type = device_type
        self.in_type = in_type
        self.out_type = out_type
        self.daemon = True
        self.done = False
        self._plans: dict = {"in": _SocketPlan(), "out": _SocketPlan()}
        self._random_addrs: list = []
        self._sockets: list = []
        self._context: Any = None

    # The queued setup of the in and out sockets, as pyzmq spells it.
    def bind_in(self, addr: str) -> None:
        """Bind the in socket to `addr` when it is created."""
        self._plans["in"].binds.append(addr)

    def connect_in(self, addr: str) -> None:
        """Connect the in socket to `addr` when it is created."""
        self._plans["in"].connects.append(addr)

    def setsockopt_in(self, opt: int, value: Any) -> None:
        """Set an option on the in socket when it is created."""
        self._plans["in"].sockopts.append((opt, value))

    def bind_in_to_random_port(self, addr: str, *args: Any, **kwargs: Any) -> int:
        """Pick a free port on `addr` now, bind the in socket to it later."""
        port = self._reserve_random_port(addr, *args, **kwargs)
        self.bind_in(f"{addr}:{port}")
        return port

    def bind_out(self, addr: str) -> None:
        """Bind the out socket to `addr` when it is created."""
        self._plans["out"].binds.append(addr)

    def connect_out(self, addr: str) -> None:
        """Connect the out socket to `addr` when it is created."""
        self._plans["out"].connects.append(addr)

    def setsockopt_out(self, opt: int, value: Any) -> None:
        """Set an option on the out socket when it is created."""
        self._plans["out"].sockopts.append((opt, value))

    def bind_out_to_random_port(self, addr: str, *args: Any, **kwargs: Any) -> int:
        """Pick a free port on `addr` now, bind the out socket to it later."""
        port = self._reserve_random_port(addr, *args, **kwargs)
        self.bind_out(f"{addr}:{port}")
        return port

    # pyzmq's attribute names for the queued setup, read-only views.
    _in_binds = property(lambda self: self._plans["in"].binds)
    _in_connects = property(lambda self: self._plans["in"].connects)
    _in_sockopts = property(lambda self: self._plans["in"].sockopts)
    _out_binds = property(lambda self: self._plans["out"].binds)
    _out_connects = property(lambda self: self._plans["out"].connects)
    _out_sockopts = property(lambda self: self._plans["out"].sockopts)

    def _reserve_random_port(self, addr: str, *args: Any, **kwargs: Any) -> int:
        """A port free now on `addr`, not already handed out by this device.

        The port is released at once and bound again when the device
        starts (as pyzmq does): another program could take it in between.
        """
        with Context() as ctx:
            with ctx.socket(PUSH) as probe:
                probe.linger = 0
                for _ in range(5):
                    port = probe.bind_to_random_port(addr, *args, **kwargs)
                    candidate = f"{addr}:{port}"
                    if candidate not in self._random_addrs:
                        self._random_addrs.append(candidate)
                        return port
        raise ZMQBindError("Could not reserve random port.")

    # -- running ---------------------------------------------------------
    def _make_socket(self, socket_type: int | None, plan: str | None) -> Any:
        # None (a ProxySteerable made without ctrl_type) is passed on: the
        # context refuses it (EINVAL) when the device starts.
        sock = self._context.socket(socket_type)
        self._sockets.append(sock)
        if plan is not None:
            self._plans[plan].apply(sock)
        return sock

    def _setup_sockets(self) -> tuple:
        """Create the in and out sockets and apply what was queued."""
        self._context = self.context_factory()
        ins = self._context.socket(self.in_type)
        self._sockets.append(ins)
        if self.out_type < 0:
            outs = ins
        else:
            outs = self._context.socket(self.out_type)
            self._sockets.append(outs)
        # All options before any bind or connect, on both sockets.
        for opt, value in self._plans["in"].sockopts:
            ins.setsockopt(opt, value)
        for opt, value in self._plans["out"].sockopts:
            outs.setsockopt(opt, value)
        for addr in self._plans["in"].binds:
            ins.bind(addr)
        for addr in self._plans["out"].binds:
            outs.bind(addr)
        for addr in self._plans["in"].connects:
            ins.connect(addr)
        for addr in self._plans["out"].connects:
            outs.connect(addr)
        return ins, outs

    def run_device(self) -> None:
        """Create the sockets and relay between them (called by run())."""
        ins, outs = self._setup_sockets()
        proxy(ins, outs)

    def _close_sockets(self) -> None:
        for sock in self._sockets:
            if sock is not None and not sock.closed:
                sock.close()

    def run(self) -> None:
        """Run the device here until its context is terminated or its
        sockets are closed (those two end it quietly), then close its
        sockets."""
        try:
            self.run_device()
        except ZMQError as e:
            if e.errno not in (ETERM, ENOTSOCK):
                raise
        finally:
            self.done = True
            self._close_sockets()

    def start(self) -> None:
        """Run the device; here, in the calling thread (subclasses differ)."""
        return self.run()

    def join(self, timeout: float | None = None) -> None:
        """Wait (up to `timeout` seconds) until the device has stopped."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while not self.done:
            if deadline is not None and time.monotonic() >= deadline:
                return
            time.sleep(0.001)

    def __getstate__(self) -> dict:
        # A device may be sent to a spawned child process: what the parent
        # runs it with (its launcher, context, sockets) stays behind.
        state = self.__dict__.copy()
        state.pop("launcher", None)
        state["_context"] = None
        state["_sockets"] = []
        return state


class BackgroundDevice(Device):
    """A Device started in a launcher (a Thread or a Process class)."""

    launcher: Any = None
    _launch_class: Any = None

    def start(self) -> None:
        self.launcher = self._launch_class(target=self.run)
        self.launcher.daemon = self.daemon
        return self.launcher.start()

    def join(self, timeout: float | None = None) -> None:
        return self.launcher.join(timeout=timeout)


class ThreadDevice(BackgroundDevice):
    """A Device run in a background thread."""

    _launch_class = Thread


class ProcessDevice(BackgroundDevice):
    """A Device run in a child process (with a Context of its own)."""

    _launch_class = Process
    context_factory = Context
