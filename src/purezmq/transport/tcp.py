"""TCP: listening and dialling sockets, tuned as libzmq tunes them.

Owns OS-level socket setup only: address resolution (via address.py),
SO_REUSEADDR, dual-stack IPv6, buffer sizes, TOS, keepalive, TCP_NODELAY.
Knows nothing of ZMTP: it hands connected sockets to whoever asked.
"""

from __future__ import annotations

import errno
import socket
from typing import Any

from ..error import ZMQError
from .address import format_tcp_endpoint, resolve_tcp_bind, resolve_tcp_connect


def _apply_buffers(s: socket.socket, options: Any) -> None:
    if options.sndbuf >= 0:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, options.sndbuf)
    if options.rcvbuf >= 0:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, options.rcvbuf)
    if options.bindtodevice and hasattr(socket, "SO_BINDTODEVICE"):
        s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, options.bindtodevice)


def _apply_tos(s: socket.socket, options: Any) -> None:
    if options.tos:
        try:
            if s.family == socket.AF_INET6:
                s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_TCLASS, options.tos)
            else:
                s.setsockopt(socket.IPPROTO_IP, socket.IP_TOS, options.tos)
        except OSError:
            pass


def tune_connected(s: socket.socket, options: Any) -> None:
    """Per-connection settings for an accepted or dialled TCP socket."""
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    ka = options.tcp_keepalive
    if ka != -1:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, ka)
        if ka == 1:
            for opt, name in ((options.tcp_keepalive_idle, "TCP_KEEPIDLE"),
                              (options.tcp_keepalive_cnt, "TCP_KEEPCNT"),
                              (options.tcp_keepalive_intvl, "TCP_KEEPINTVL")):
                if opt != -1 and hasattr(socket, name):
                    s.setsockopt(socket.IPPROTO_TCP, getattr(socket, name), opt)
    if options.tcp_maxrt and hasattr(socket, "TCP_USER_TIMEOUT"):
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_USER_TIMEOUT, options.tcp_maxrt)


def listen(address: str, options: Any) -> tuple[socket.socket, str]:
    """Bind and listen now (errors are the caller's ZMQError); non-blocking."""
    family, sockaddr = resolve_tcp_bind(address, ipv6=bool(options.ipv6))
    try:
        s = socket.socket(family, socket.SOCK_STREAM)
    except OSError as e:
        raise ZMQError(e.errno or errno.EINVAL) from None
    try:
        if family == socket.AF_INET6:
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        _apply_buffers(s, options)
        _apply_tos(s, options)
        s.bind(sockaddr)
        s.listen(options.backlog)
        s.setblocking(False)
        endpoint = format_tcp_endpoint(family, s.getsockname())
    except OSError as e:
        failure = ZMQError(e.errno or errno.EINVAL)
        failure.closed_fd = s.fileno()  # type: ignore[attr-defined]  # for the monitor
        s.close()
        raise failure from None
    return s, endpoint


def prepare(address: str, options: Any) -> tuple[socket.socket, Any]:
    """A non-blocking socket set up to connect to `address`, and the target."""
    family, sockaddr, source = resolve_tcp_connect(address, ipv6=bool(options.ipv6))
    s = socket.socket(family, socket.SOCK_STREAM)
    try:
        s.setblocking(False)
        if family == socket.AF_INET6:
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        _apply_buffers(s, options)
        _apply_tos(s, options)
        if source is not None:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(source)
    except BaseException:
        s.close()
        raise
    return s, sockaddr


def dial(address: str, options: Any) -> tuple[socket.socket, bool]:
    """Start a non-blocking connect: (socket, already connected).

    Raises OSError when the attempt fails at once (the caller retries).
    """
    s, sockaddr = prepare(address, options)
    return connect_outcome(s, s.connect_ex(sockaddr))


def connect_outcome(s: socket.socket, err: int) -> tuple[socket.socket, bool]:
    """What a non-blocking connect_ex said: done, in progress, or failed."""
    if err == 0:
        return s, True
    if err in (errno.EINPROGRESS, errno.EAGAIN, errno.EWOULDBLOCK):
        return s, False
    failure = OSError(err, errno.errorcode.get(err, "connect failed"))
    failure.closed_fd = s.fileno()  # type: ignore[attr-defined]  # for the CLOSED event
    s.close()
    raise failure
