"""MessageTracker: when purezmq no longer holds the buffer of a sent message.

A zero-copy send (`copy=False, track=True`) hands purezmq a view of the
caller's buffer; the caller may only change that buffer once the library
let go of it: once every frame made of it was written to the wire, or, on
inproc, once the receiver dropped what it got.  purezmq sees that moment
by routing the view through a small ctypes array sharing the caller's
memory: the array dies with the last view on it (CPython frees at once),
and a finalizer then marks the tracker done.
"""

from __future__ import annotations

import ctypes
import threading
import time
import weakref
from typing import Any

from ..constants import COPY_THRESHOLD
from ..error import NotDone


class MessageTracker:
    """Tells when purezmq is done with the buffers of sent messages.

    Built from threading.Events, other trackers, or Frames (their trackers);
    done when all of them are.
    """

    def __init__(self, *towatch: Any) -> None:
        self.events: set = set()
        self.peers: set = set()
        for obj in towatch:
            if isinstance(obj, threading.Event):
                self.events.add(obj)
            elif isinstance(obj, MessageTracker):
                self.peers.add(obj)
            elif getattr(obj, "tracker", None) is not None:  # a tracked Frame
                self.peers.add(obj.tracker)
            else:
                raise TypeError(f"Require Events or Message Frames, not {type(obj)}")

    @property
    def done(self) -> bool:
        return all(e.is_set() for e in self.events) and all(p.done for p in self.peers)

    def wait(self, timeout: float | int = -1) -> None:
        """Block until done, or raise NotDone after `timeout` seconds."""
        forever = timeout is None or timeout < 0
        deadline = None if forever else time.monotonic() + timeout
        for event in self.events:
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            if not event.wait(left):
                raise NotDone()
        for peer in self.peers:
            left = -1 if deadline is None else max(0.0, deadline - time.monotonic())
            peer.wait(left)


_FINISHED_TRACKER = MessageTracker()


def _address_of_bytes(data: bytes) -> int:
    return ctypes.cast(ctypes.c_char_p(data), ctypes.c_void_p).value or 0


def tracked(data: Any, copy: Any, threshold: int = COPY_THRESHOLD) -> tuple:
    """(frame, tracker) for sending `data` with track=True.

    `copy`: True copies (the tracker is done at once); None copies only
    below `threshold`, as pyzmq.  A zero-copy frame is a byte view whose
    tracker finishes when the library drops its last view.
    """
    view = memoryview(data)
    if not view.contiguous:
        raise ValueError("a message frame must be a contiguous buffer")
    n = view.nbytes
    if copy or (copy is None and n < threshold) or n == 0:
        return (data if data.__class__ is bytes else view.tobytes()), _FINISHED_TRACKER
    if not view.readonly:
        shared = (ctypes.c_char * n).from_buffer(view)
        keep: Any = None  # the array holds the caller's buffer itself
    elif data.__class__ is bytes:
        shared = (ctypes.c_char * n).from_address(_address_of_bytes(data))
        keep = data  # the finalizer's argument keeps the bytes alive
    else:
        # A read-only buffer we cannot address: send a copy, held by nobody.
        return view.tobytes(), _FINISHED_TRACKER
    event = threading.Event()
    weakref.finalize(shared, _finish, event, keep)
    return memoryview(shared).cast("B"), MessageTracker(event)


def _finish(event: threading.Event, keep: Any) -> None:
    event.set()


__all__ = ["MessageTracker", "_FINISHED_TRACKER"]
