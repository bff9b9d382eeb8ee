"""Transports: turn an endpoint string into a listener or a connection.

`bind_endpoint` and `connect_endpoint` are the only entry points the
socket core uses; they validate synchronously (so errors surface as the
call's ZMQError, as in libzmq) and hand the I/O side to listeners and
sessions.  The per-transport modules know sockets, not ZMTP.
"""

from __future__ import annotations

from typing import Any

from ..constants import Event
from ..error import ZMQError

from . import ipc, tcp
from .address import (
    check_tcp_connect_address, parse_endpoint, resolve_ipc, validate_inproc,
)

_STREAM_TRANSPORTS = {"tcp": tcp, "ipc": ipc}
# libzmq ignores a second connect to the same endpoint for these types.
_SINGLE_CONNECT = frozenset({"DEALER", "SUB", "PUB", "REQ"})


def bind_endpoint(sock: Any, endpoint: str) -> tuple[str, Any]:
    from ..engine.listener import Listener

    transport, address = parse_endpoint(endpoint)
    if transport == "inproc":
        name = validate_inproc(address)
        return f"inproc://{name}", sock.ctx.inproc.bind(name, sock)
    mod = _STREAM_TRANSPORTS[transport]
    try:
        if transport == "tcp":
            os_sock, resolved = mod.listen(address, sock.options)
            cleanup = None
        else:
            os_sock, resolved, cleanup = mod.listen(address, sock.options)
    except ZMQError as e:
        _report_bind_failure(sock, transport, address, e)
        raise
    listener = Listener(sock.io_driver(), sock, mod, os_sock, resolved, cleanup)
    listener.start()
    return resolved, listener


def _report_bind_failure(sock: Any, transport: str, address: str, error: Any) -> None:
    """libzmq's events for a failed bind: the listening socket it made is
    CLOSED, then BIND_FAILED with the errno.  (Its endpoints as libzmq
    gives them: tcp's CLOSED has none and BIND_FAILED the bare address.)"""
    monitor = sock.monitor
    fd = getattr(error, "closed_fd", None)
    if monitor is None or fd is None:
        return
    closed_at = "" if transport == "tcp" else f"{transport}://{address}"
    monitor.emit(Event.CLOSED, fd, closed_at)
    monitor.emit(Event.BIND_FAILED, error.errno, address)


def connect_endpoint(sock: Any, endpoint: str) -> tuple[str, Any]:
    from ..engine.session import ConnectSession

    transport, address = parse_endpoint(endpoint)
    if transport == "inproc":
        name = validate_inproc(address)
        endpoint = f"inproc://{name}"
        pipe = sock.ctx.inproc.connect(name, sock, endpoint)
        sock._cmd_attach(pipe)
        return endpoint, None
    if transport == "tcp":
        check_tcp_connect_address(address)
    else:
        resolve_ipc(address)
    opts = sock.options.copy()
    session = ConnectSession(sock.io_driver(), sock, opts, endpoint,
                             _STREAM_TRANSPORTS[transport], address)
    sock.options.connect_routing_id = b""  # libzmq: used by one connect only
    if not opts.immediate:
        sock._cmd_attach(session.attach_now())
    session.start()
    return endpoint, session


def is_single_connect(sock: Any) -> bool:
    return sock.zmtp_name in _SINGLE_CONNECT


def normalize_endpoint(endpoint: str) -> str:
    """The key a bound or connected endpoint is filed under.

    Raises libzmq's errors for a malformed endpoint or an unknown transport.
    """
    transport, address = parse_endpoint(endpoint)
    if transport == "inproc":
        return f"inproc://{address}"
    return endpoint
