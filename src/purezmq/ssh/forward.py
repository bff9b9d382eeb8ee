"""Local port forwarding over a paramiko transport (what `ssh -L` does).

Only used by the paramiko tunnel; it never imports paramiko itself, it is
handed a connected `paramiko.Transport`.
"""

from __future__ import annotations

import logging
import select
import socket
import socketserver
from typing import Any

logger = logging.getLogger("purezmq.ssh")

_CHUNK = 65536


def _pump(conn: socket.socket, chan: Any) -> None:
    """Copy bytes both ways until either end closes."""
    while True:
        readable, _, _ = select.select([conn, chan], [], [])
        if conn in readable:
            data = conn.recv(_CHUNK)
            if not data:
                return
            chan.sendall(data)
        if chan in readable:
            data = chan.recv(_CHUNK)
            if not data:
                return
            conn.sendall(data)


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, local_port: int, remote: tuple[str, int], transport: Any) -> None:
        self.remote = remote
        self.transport = transport
        super().__init__(("127.0.0.1", local_port), _Handler)


class _Handler(socketserver.BaseRequestHandler):
    server: _Server

    def handle(self) -> None:
        conn: socket.socket = self.request
        remote = self.server.remote
        try:
            # The ssh server opens the TCP connection to remote for us.
            chan = self.server.transport.open_channel("direct-tcpip", remote,
                                                      conn.getpeername())
        except Exception as e:
            logger.debug("forward to %s:%d failed: %r", remote[0], remote[1], e)
            return
        if chan is None:
            logger.debug("ssh server refused forwarding to %s:%d", remote[0], remote[1])
            return
        try:
            _pump(conn, chan)
        except OSError as e:
            logger.debug("forward to %s:%d ended: %r", remote[0], remote[1], e)
        finally:
            chan.close()
            conn.close()


def forward_tunnel(local_port: int, remote_host: str, remote_port: int,
                   transport: Any) -> None:
    """Serve 127.0.0.1:local_port forever, each accepted connection carried
    to remote_host:remote_port (as seen from the ssh server) over transport."""
    with _Server(local_port, (remote_host, remote_port), transport) as server:
        server.serve_forever()


__all__ = ["forward_tunnel"]
