"""monitored_queue(): a queue between two sockets that reports each message.

The older cousin of zmq_proxy, kept by pyzmq: every message relayed is
also sent to a monitor socket, preceded by a frame saying which way it
went (in_prefix: it came in on in_socket; out_prefix: on out_socket).
Both sockets may be ROUTERs: the first two frames, the routing ids of the
two hops, are then swapped so that a reply finds its way back.
"""

from __future__ import annotations

from typing import Any

from ..constants import POLLIN, ROUTER
from ..sugar.poll import Poller
from ..sugar.socket import Socket

__all__ = ["monitored_queue"]


def _relay(src: Any, dst: Any, mon: Any, prefix: bytes, swap_ids: bool) -> None:
    """Move one whole message from src to dst; report it on mon."""
    parts = src.recv_parts(0)
    if swap_ids and len(parts) >= 2:
        parts = [parts[1], parts[0]] + parts[2:]
    dst.send_parts(list(parts), 0)
    mon.send_parts([prefix] + parts, 0)


def _as_prefix(prefix: Any) -> bytes:
    if isinstance(prefix, str):
        return prefix.encode("utf-8")
    return bytes(memoryview(prefix))


def monitored_queue(in_socket: Socket, out_socket: Socket, mon_socket: Socket,
                    in_prefix: bytes = b"in", out_prefix: bytes = b"out") -> int:
    """Relay between in_socket and out_socket forever, reporting on mon_socket.

    Runs until an error stops it: ContextTerminated when the context is
    terminated, ZMQError(ENOTSOCK) when one of the sockets is closed.
    """
    for name, sock in (("in_socket", in_socket), ("out_socket", out_socket),
                       ("mon_socket", mon_socket)):
        if not isinstance(sock, Socket):
            raise TypeError(f"{name} must be a purezmq Socket, not {type(sock).__name__}")
    in_prefix = _as_prefix(in_prefix)
    out_prefix = _as_prefix(out_prefix)
    swap_ids = in_socket.socket_type == ROUTER and out_socket.socket_type == ROUTER
    ins, outs, mons = in_socket._core, out_socket._core, mon_socket._core
    poller = Poller()
    poller.register(in_socket, POLLIN)
    poller.register(out_socket, POLLIN)
    while True:
        ready = dict(poller.poll(None))
        if ready.get(in_socket, 0) & POLLIN:
            _relay(ins, outs, mons, in_prefix, swap_ids)
        if ready.get(out_socket, 0) & POLLIN:
            _relay(outs, ins, mons, out_prefix, swap_ids)
