"""Frame (alias Message) and MessageTracker, shaped like pyzmq's.

A Frame wraps one message part: its bytes, a memoryview of them, whether
more parts follow, and the properties of the connection it came from
(`get("Socket-Type")`, `get("Peer-Address")`, ...).  A tracked frame
(`track=True`) shares the caller's memory and its tracker says when the
library let go of it (see tracker.py).
"""

from __future__ import annotations

import builtins
import sys
from typing import Any

from ..constants import COPY_THRESHOLD, MORE, SHARED, SRCFD
from ..error import ZMQError
from .tracker import _FINISHED_TRACKER, MessageTracker, tracked

_PROPERTY_ALIASES = {"identity": "Identity", "routing-id": "Identity"}


class Frame:
    """One message part (pyzmq's zmq.Frame)."""

    more = False
    tracker: MessageTracker | None = None

    def __init__(self, data: Any = None, track: bool = False, copy: bool | None = None,
                 copy_threshold: int | None = None, **kwargs: Any) -> None:
        if data is None:
            data = b""
        if isinstance(data, str):
            raise TypeError("Str objects not allowed. Only: bytes, buffer interfaces.")
        if isinstance(data, Frame):
            data = data.bytes
        if track:
            threshold = COPY_THRESHOLD if copy_threshold is None else copy_threshold
            data, self.tracker = tracked(data, copy, threshold)
        elif type(data) is not bytes:
            view = memoryview(data)
            data = view.tobytes() if (copy is None or copy or view.itemsize != 1
                                      or not view.c_contiguous) else view
        self._data = data
        self._props: dict = {}
        self.more = False
        self.routing_id = None
        self.group = None

    @property
    def bytes(self) -> bytes:
        d = self._data
        return d if type(d) is bytes else bytes(d)

    @property
    def buffer(self) -> memoryview:
        return memoryview(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __bytes__(self) -> builtins.bytes:
        return self.bytes

    def __buffer__(self, flags: int) -> memoryview:  # PEP 688 (3.12+)
        return memoryview(self._data)

    def __eq__(self, other: Any) -> bool:
        if isinstance(other, Frame):
            return self.bytes == other.bytes
        try:
            return self.bytes == bytes(other)
        except TypeError:
            return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"<purezmq.Frame({self.bytes[:32]!r}{'...' if len(self) > 32 else ''})>"

    def get(self, option: Any) -> Any:
        if isinstance(option, str):
            key = _PROPERTY_ALIASES.get(option.lower(), option)
            for name, value in self._props.items():
                if name.lower() == key.lower():
                    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value
            raise ZMQError(22)  # EINVAL: no such property, as libzmq
        if option == MORE:
            return int(self.more)
        if option == SHARED:
            return 0
        if option == SRCFD:
            return -1
        raise ZMQError(22)

    def set(self, option: int, value: Any) -> None:
        raise ZMQError(22)

    def __getitem__(self, key: Any) -> Any:
        """frame["User-Id"] is frame.get("User-Id"), as pyzmq."""
        return self.get(key)

    def _set_props(self, props: dict) -> None:
        self._props = props


Message = Frame


if sys.version_info >= (3, 12):
    def received_frame(data: Any) -> Frame:
        """A Frame for recv(copy=False): no copy; __buffer__ exports it."""
        return Frame(data, copy=False)
else:
    class _BufferFrame(Frame, builtins.bytes):
        """A received Frame before Python 3.12, where a Python class cannot
        export the buffer protocol: bytes storage gives memoryview(frame) and
        numpy.frombuffer(frame), which pyzmq programs use, at one copy (also
        of what inproc hands over without a copy: from 3.12 that is shared)."""

        def __new__(cls, data: Any) -> "_BufferFrame":
            return builtins.bytes.__new__(cls, data)

        def __init__(self, data: Any) -> None:
            Frame.__init__(self, memoryview(self), copy=False)

        __hash__ = None  # type: ignore[assignment]  # as every Frame

    _BufferFrame.__name__ = _BufferFrame.__qualname__ = "Frame"

    def received_frame(data: Any) -> Frame:
        return _BufferFrame(data)
