"""Closing a finished connection's OS socket without losing what it sent.

A TCP socket closed while the peer's bytes sit unread in it, or closed just
before more of them arrive, answers with a reset; the peer's kernel then
throws away whatever it had received from us but the peer had not read yet.
A socket that queued its last replies and closed (LINGER lets it) would lose
them to a peer that is still talking to it: zguide's fileio3 does just that.
libzmq has the same race but its engines drain so fast that it rarely
shows; ours are slower.  So a connection that ends cleanly is half-closed
instead: no more writes (the peer sees end of stream once our data is read),
and whatever the peer still sends is read and dropped until it closes too,
or until a deadline: a peer that never closes costs an fd that long, no more.
Failed or hostile connections are closed at once, as before.
"""

from __future__ import annotations

import socket as _socket
from typing import Any

# Peers close within a round trip of reading our end of stream (libzmq and
# purezmq both drop a connection on EOF); this only bounds a peer that won't.
DRAIN_DEADLINE = 5.0
_CHUNK = 64 * 1024


class DrainingClose:
    """An I/O-thread handler that owns a half-closed socket until its end."""

    def __init__(self, io: Any, sock: _socket.socket) -> None:
        self.io = io
        self.sock = sock
        self.fd = sock.fileno()
        self._timer: Any = None
        try:
            sock.shutdown(_socket.SHUT_WR)
        except OSError:
            self._close_socket()  # not connected any more: nothing to save
            return
        io.add_handler(self.fd, self, read=True)
        self._timer = io.call_later(DRAIN_DEADLINE, self.close)

    def on_readable(self) -> None:
        try:
            while self.sock.recv(_CHUNK):
                pass
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            pass
        self.close()  # end of stream from the peer (or a reset): done

    def on_writable(self) -> None:
        pass

    def abandon(self) -> None:
        """The I/O thread is stopping: read what has come, then close."""
        try:
            while self.sock.recv(_CHUNK):
                pass
        except OSError:
            pass
        self.close()

    def close(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self.io.remove_handler(self.fd)
        self._close_socket()

    def _close_socket(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass
