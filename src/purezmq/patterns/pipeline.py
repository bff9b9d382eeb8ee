"""PUSH and PULL (RFC 30): load-balanced out, fair-queued in.

PUSH round-robins whole messages over peers with room (blocking at the
HWM); PULL fair-queues from every peer.  Neither goes the other way: PUSH
cannot receive and PULL cannot send (ENOTSUP, as libzmq).
"""

from __future__ import annotations

from typing import Any

from ..constants import SocketType
from ..core.socket import SocketBase
from ..routing.fq import FairQueue
from ..routing.lb import LoadBalancer


class Push(SocketBase):
    socket_type = SocketType.PUSH
    zmtp_name = "PUSH"

    def __init__(self, ctx: Any) -> None:
        super().__init__(ctx)
        self._lb = LoadBalancer()
        self._xsend = self._lb.send  # nothing to add on the hot path

    def _xattach(self, pipe: Any) -> None:
        self._lb.attach(pipe)

    def _xwrite_activated(self, pipe: Any) -> None:
        self._lb.activated(pipe)

    def _xterminated(self, pipe: Any) -> None:
        self._lb.terminated(pipe)

    def _xhas_out(self) -> bool:
        return self._lb.has_out()


class Pull(SocketBase):
    socket_type = SocketType.PULL
    zmtp_name = "PULL"

    def __init__(self, ctx: Any) -> None:
        super().__init__(ctx)
        self._fq = FairQueue()
        self._xrecv = self._fq.recv

    def _xattach(self, pipe: Any) -> None:
        self._fq.attach(pipe)

    def _xread_activated(self, pipe: Any) -> None:
        self._fq.activated(pipe)

    def _xterminated(self, pipe: Any) -> None:
        self._fq.terminated_when_drained(pipe)

    def _xhas_in(self) -> bool:
        return self._fq.has_in()
