"""PAIR (RFC 31): exactly one peer; a second connection is refused.

libzmq's pair_t: the first attached pipe is the peer, any later one is
terminated at once.  Sends block (or EAGAIN) at the HWM or with no peer.
"""

from __future__ import annotations

from typing import Any

from ..constants import SocketType
from ..core.socket import SocketBase


class Pair(SocketBase):
    socket_type = SocketType.PAIR
    zmtp_name = "PAIR"

    def __init__(self, ctx: Any) -> None:
        super().__init__(ctx)
        self._pipe: Any = None

    def _xattach(self, pipe: Any) -> None:
        if self._pipe is None:
            self._pipe = pipe
        else:
            pipe.terminate()

    def _xterminated(self, pipe: Any) -> None:
        if pipe is self._pipe:
            if pipe.has_input():
                # Let the application read what the peer sent before it left.
                self._leftover = pipe
            self._pipe = None

    _leftover: Any = None

    def _xsend(self, msg: list) -> bool:
        pipe = self._pipe
        return pipe is not None and pipe.write(msg)

    def _xrecv(self) -> Any:
        left = self._leftover
        if left is not None:
            msg = left.read()
            if msg is not None:
                return msg
            self._leftover = None
        pipe = self._pipe
        return None if pipe is None else pipe.read()

    def _xhas_in(self) -> bool:
        if self._leftover is not None and self._leftover.has_input():
            return True
        pipe = self._pipe
        if pipe is None:
            return False
        # An empty read, not a peek: it arms the pipe's wake-up, so a caller
        # about to wait hears of the next message.
        msg = pipe.read()
        if msg is None:
            return False
        pipe.unread(msg)
        return True

    def _xhas_out(self) -> bool:
        return self._pipe is not None and self._pipe.check_write()
