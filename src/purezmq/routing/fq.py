"""Fair queue: read whole messages round-robin from the readable pipes.

libzmq's fq_t (used by PULL, SUB, DEALER, ROUTER, REP...).  A pipe that
runs dry leaves the rotation; the pipe's own wake-up puts it back.  After
a read, `last` names the pipe the message came from (ROUTER and REP need
it to address the reply).
"""

from __future__ import annotations

from typing import Any

from .array import Rotation


class FairQueue(Rotation):
    __slots__ = ("last",)

    def __init__(self) -> None:
        super().__init__()
        self.last: Any = None

    def terminated_when_drained(self, pipe: Any) -> None:
        """The peer left: keep reading what it sent, then forget the pipe."""
        if not pipe.has_input():
            self.terminated(pipe)

    def _park(self, pipe: Any) -> None:
        if pipe.peer_gone:
            self.terminated(pipe)
        else:
            self._deactivate(pipe)

    def recv(self) -> Any:
        arr = self._arr
        items = arr.items
        while arr.active:
            cur = self._current
            pipe = items[cur]
            msg = pipe.read()
            if msg is not None:
                self.last = pipe
                cur += 1
                self._current = cur if cur < arr.active else 0
                return msg
            if pipe.peer_gone:
                self.terminated(pipe)
            else:
                self._deactivate(pipe)
        return None

    def has_in(self) -> bool:
        arr = self._arr
        items = arr.items
        while arr.active:
            pipe = items[self._current]
            if pipe.has_input():
                return True
            # read() parks the pipe properly (it sets the sleep flag).
            msg = pipe.read()
            if msg is not None:
                pipe.unread(msg)
                return True
            self._park(pipe)
        return False
