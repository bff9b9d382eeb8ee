"""Load balancer: round-robin whole messages over the writable pipes.

libzmq's lb_t (used by PUSH, DEALER, REQ).  A pipe at its high-water mark
leaves the rotation until the pipe says it has room again; when no pipe
has room the caller blocks or gets EAGAIN.  Messages are whole lists of
frames, so there is no "message in progress" state to carry.
"""

from __future__ import annotations

from typing import Any

from .array import Rotation


class LoadBalancer(Rotation):
    __slots__ = ()

    def send(self, msg: Any) -> Any:
        """Queue msg on the next pipe with room; that pipe, or None."""
        arr = self._arr
        items = arr.items
        while arr.active:
            cur = self._current
            pipe = items[cur]
            if pipe.write(msg):
                cur += 1
                self._current = cur if cur < arr.active else 0
                return pipe
            self._deactivate(pipe)
        return None

    def has_out(self) -> bool:
        arr = self._arr
        items = arr.items
        while arr.active:
            pipe = items[self._current]
            if pipe.check_write():
                return True
            self._deactivate(pipe)
        return False
