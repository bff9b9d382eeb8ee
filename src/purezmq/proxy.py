"""zmq_proxy, zmq_proxy_steerable and zmq_device over purezmq sockets.

Owns: relaying messages between two sockets (libzmq's proxy.cpp: a
burst of up to 1000 messages per wake-up, frame by frame with SNDMORE
kept, a copy of every frame to the capture socket), flow control (a side
is read only while the other side can take a message: POLLOUT), the
steering commands of a control socket and the eight STATISTICS counters.

Waiting is done with purezmq's Poller, which blocks on the sockets' fds:
the proxy uses no CPU while there is nothing it can move.  While paused
it waits on the control socket alone (libzmq keeps polling the data
sockets and spins if input is queued).

Errors are raised as pyzmq raises what zmq_proxy returns: a terminated
context gives ContextTerminated (ETERM), a socket closed under a running
proxy gives ZMQError(ENOTSOCK), a socket already closed when the call is
made gives ZMQError(EFAULT) (pyzmq passes a NULL handle then).

Steering: libzmq 4.3.5 as released swaps PAUSE and RESUME and sends an
empty reply to every non-STATISTICS command whatever the control socket
type; both were fixed upstream right after the release (f8b3cc81,
058ad60b).  purezmq implements the fixed, documented behaviour: PAUSE
pauses, RESUME resumes, TERMINATE ends the proxy (it returns 0), anything
else is ignored; the empty reply is sent only when the control socket is
a REP (which must answer).  STATISTICS is answered as in 4.3.5: eight
frames, each a native-endian uint64, counting *frames* (not whole
messages) and their bytes: frontend received (count, bytes), frontend
sent, backend received, backend sent.
"""

from __future__ import annotations

import errno
import struct
from typing import Any

from .constants import DONTWAIT, POLLIN, POLLOUT, REP, SNDMORE
from .error import Again, ZMQError
from .sugar.poll import Poller
from .sugar.socket import Socket

__all__ = ["proxy", "proxy_steerable", "device"]

# libzmq's proxy_burst_size (config.hpp): messages moved per wake-up.
BURST_SIZE = 1000

_ACTIVE, _PAUSED, _TERMINATED = 0, 1, 2

# Indexes into the counters, in the order STATISTICS sends them.
_FE_RECV, _FE_SEND, _BE_RECV, _BE_SEND = 0, 2, 4, 6

_U64 = struct.Struct("=Q")  # native byte order, 8 bytes: libzmq's uint64_t


def _socket_arg(sock: Any, name: str, optional: bool = False) -> Any:
    """The core of a socket argument, after pyzmq's checks."""
    if sock is None and optional:
        return None
    if not isinstance(sock, Socket):
        raise TypeError(f"Argument {name!r} has incorrect type "
                        f"(expected purezmq.Socket, got {type(sock).__name__})")
    if sock.closed:
        raise ZMQError(errno.EFAULT)  # pyzmq hands libzmq a NULL handle
    return sock._core


def _forward(src: Any, dst: Any, capture: Any, stats: list, recv_at: int, send_at: int) -> None:
    """Move up to BURST_SIZE whole messages from src to dst.

    Each frame is counted as received, copied to `capture` (with the
    SNDMORE it had) and counted as sent once dst took it, as libzmq does.
    A message is taken whole from src: our sockets deliver messages
    atomically, so there is never half a message left to relay.
    """
    for _ in range(BURST_SIZE):
        try:
            parts = src.recv_parts(DONTWAIT)
        except Again:
            return  # end of the burst
        sizes = [len(p) if p.__class__ is bytes else memoryview(p).nbytes for p in parts]
        stats[recv_at] += len(parts)
        stats[recv_at + 1] += sum(sizes)
        if capture is not None:
            capture.send_parts(list(parts), 0)
        dst.send_parts(list(parts), 0)
        stats[send_at] += len(parts)
        stats[send_at + 1] += sum(sizes)


def _handle_control(control: Any, state: int, stats: list) -> int:
    """Act on one command frame from the control socket; the new state."""
    try:
        command = control.recv(DONTWAIT)
    except Again:
        return state  # the command went away (its pipe was dropped)
    if command == b"STATISTICS":
        last = len(stats) - 1
        for i, value in enumerate(stats):
            control.send(_U64.pack(value), SNDMORE if i < last else 0)
        return state
    if command == b"PAUSE":
        state = _PAUSED
    elif command == b"RESUME":
        state = _ACTIVE
    elif command == b"TERMINATE":
        state = _TERMINATED
    if control.socket_type == REP:
        control.send(b"", 0)  # a REP must answer before it can read again
    return state


def proxy_steerable(frontend: Socket, backend: Socket, capture: Socket | None = None,
                    control: Socket | None = None) -> int:
    """Relay messages between frontend and backend until told to stop.

    Every frame going either way is also sent to `capture`, if given.
    Commands read from `control` (PAUSE, RESUME, TERMINATE, STATISTICS)
    steer the relay; after TERMINATE this returns 0.  Without a control
    socket it only ends by raising (see the module docstring).
    """
    fe = _socket_arg(frontend, "frontend")
    be = _socket_arg(backend, "backend")
    cap = _socket_arg(capture, "capture", optional=True)
    ctl = _socket_arg(control, "control", optional=True)
    single = fe is be  # one socket relaying to itself (e.g. a ROUTER hub)
    stats = [0] * 8
    state = _ACTIVE
    # A side is "held" when it has input the other side cannot take now:
    # we stop waiting for its input and wait for room on the other side.
    fe_held = be_held = False

    while True:
        poller = Poller()
        if state == _ACTIVE:
            if single:
                poller.register(frontend, POLLIN)
            else:
                poller.register(frontend, (0 if fe_held else POLLIN) | (POLLOUT if be_held else 0))
                poller.register(backend, (0 if be_held else POLLIN) | (POLLOUT if fe_held else 0))
        if ctl is not None:
            poller.register(control, POLLIN)
        poller.poll(None)

        # Something we waited for happened: look at everything now.
        if ctl is not None and ctl.events() & POLLIN:
            state = _handle_control(ctl, state, stats)
            if state == _TERMINATED:
                return 0
        if state != _ACTIVE:
            continue
        fe_ev = fe.events()
        if single:
            if fe_ev & POLLIN:
                _forward(fe, fe, cap, stats, _FE_RECV, _BE_SEND)
            continue
        be_ev = be.events()
        fe_in, fe_out = fe_ev & POLLIN, fe_ev & POLLOUT
        be_in, be_out = be_ev & POLLIN, be_ev & POLLOUT
        if fe_in and be_out:
            _forward(fe, be, cap, stats, _FE_RECV, _BE_SEND)
        if be_in and fe_out:
            _forward(be, fe, cap, stats, _BE_RECV, _FE_SEND)
        fe_held = bool(fe_in and not be_out)
        be_held = bool(be_in and not fe_out)


def proxy(frontend: Socket, backend: Socket, capture: Socket | None = None) -> int:
    """zmq_proxy: relay between frontend and backend until an error ends it."""
    return proxy_steerable(frontend, backend, capture, None)


def device(device_type: int, frontend: Socket, backend: Socket) -> int:
    """zmq_device, deprecated: a proxy (the device type is not used)."""
    return proxy_steerable(frontend, backend, None, None)
