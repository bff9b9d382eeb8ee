"""Listeners: accept connections on a bound endpoint, one session each.

Owns the listening OS socket (made and bound by the transport module in
the application thread, so bind errors are synchronous) and the sessions
it accepted: unbinding or closing the socket ends them too, as libzmq's
ownership tree does.  Runs on the I/O thread after `start()`.
"""

from __future__ import annotations

from typing import Any

from ..constants import Event
from .session import AcceptedSession


class Listener:
    is_listener = True

    def __init__(self, io: Any, socket: Any, transport: Any, sock: Any,
                 endpoint: str, cleanup: Any = None) -> None:
        self.io = io
        self.socket = socket
        self.transport = transport
        self.sock = sock
        self.fd = sock.fileno()
        self.endpoint = endpoint
        self.options = socket.options.copy()
        self._cleanup = cleanup
        self._sessions: set = set()
        self._closed = False
        self._closed_reported = False
        self._acceptor: Any = None
        if io.holds_term:
            socket.ctx._io_object_started()

    def start(self) -> None:
        # Before any ACCEPTED can be reported (libzmq's order).
        self._event(Event.LISTENING, self.fd)
        self._acceptor = self.io.listen(self.sock, self._accepted)

    def _event(self, event: int, value: Any) -> None:
        mon = self.socket.monitor
        if mon is not None:
            mon.emit(event, value, self.endpoint)

    def _accepted(self, conn: Any, err: int) -> None:
        if conn is None:
            self._event(Event.ACCEPT_FAILED, err)
            return
        if self._closed:
            conn.close()
            return
        try:
            self.transport.tune_connected(conn, self.options)
        except OSError:
            conn.close()
            return
        self._event(Event.ACCEPTED, conn.fileno())
        session = AcceptedSession(self.io, self.socket, self.options, self.endpoint, self)
        self._sessions.add(session)
        session.start(conn)

    def session_finished(self, session: Any) -> None:
        self._sessions.discard(session)

    def terminate(self) -> None:
        """Stop listening and end every accepted connection (any thread).

        CLOSED is reported now: a socket closing stops its monitor right
        after, and libzmq's CLOSED comes before MONITOR_STOPPED."""
        if not self._closed_reported:
            self._closed_reported = True
            self._event(Event.CLOSED, self.fd)
        self.io.post(self._close)

    def _close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._acceptor.close()
        if self._cleanup is not None:
            self._cleanup()
        if not self._closed_reported:
            self._closed_reported = True
            self._event(Event.CLOSED, self.fd)
        for session in list(self._sessions):
            session._begin_termination()
        if self.io.holds_term:
            self.socket.ctx._io_object_done()
