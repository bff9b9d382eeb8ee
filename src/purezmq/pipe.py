"""Pipes: bounded queues of whole messages between two owners.

A pipe joins two *sinks* (a socket and a session, or two sockets for
inproc).  Each owner holds one `Pipe` end; an end reads from its inbox
channel and writes to its outbox channel, which is the peer end's inbox.

What it owns: the queues, high/low-water marks counted in whole messages,
and the sleep/wake handshake that tells an owner "this pipe became
readable" or "this pipe has room again" only on those transitions.  What it
does not own: threads.  Waking an owner means calling its
`read_activated` / `write_activated` / `pipe_terminated` methods, which
each sink implements as a thread-safe post to its own mailbox.

The handshake (libzmq's ypipe in spirit) relies on the GIL making each
deque operation and attribute store atomic and sequentially consistent:
a reader that finds the queue empty sets `rsleep` and then looks again; a
writer appends and then looks at `rsleep`.  One of the two always sees the
other, so a wake-up is never lost; at worst one is duplicated, which every
sink tolerates.
"""

from __future__ import annotations

from collections import deque
from typing import Any

_NO_LIMIT = 1 << 62
# libzmq keeps the low-water mark at most this far below the high one.
_MAX_WM_DELTA = 1024


def low_water_mark(hwm: int) -> int:
    if hwm > _MAX_WM_DELTA * 2:
        return hwm - _MAX_WM_DELTA
    return (hwm + 1) // 2


class Channel:
    """One direction of a pipe: a deque of messages and its two sleepers."""

    __slots__ = ("dq", "hwm", "lwm", "rsleep", "wsleep", "reader", "writer")

    def __init__(self, hwm: int) -> None:
        self.dq: deque = deque()
        self.set_hwm(hwm)
        self.rsleep = False
        self.wsleep = False
        self.reader: Pipe | None = None
        self.writer: Pipe | None = None

    def set_hwm(self, hwm: int) -> None:
        self.hwm = hwm if hwm > 0 else _NO_LIMIT
        self.lwm = low_water_mark(hwm) if hwm > 0 else _NO_LIMIT


class Pipe:
    """One end of a bidirectional pipe, owned by one sink.

    Attributes the owners use:
      sink        the owner (socket core or session); receives the wake-ups
      routing_id  the peer's identity as a ROUTER sees it (bytes or None)
      metadata    the peer's handshake properties (dict) once known
      endpoint    the endpoint string that created this pipe, for
                  disconnect/unbind and monitor events
      active      reader-side bookkeeping owned by the sink's strategies
      peer_gone   set when the other end terminated: write nothing more
    """

    __slots__ = (
        "inbox", "outbox", "peer", "sink", "routing_id", "metadata",
        "endpoint", "active", "peer_gone", "terminated", "slot",
        "locally_initiated", "connect_routing_id", "__weakref__",
    )

    def __init__(self, inbox: Channel, outbox: Channel) -> None:
        self.inbox = inbox
        self.outbox = outbox
        self.peer: Pipe | None = None
        self.sink: Any = None
        self.routing_id: bytes | None = None
        self.metadata: dict = {}
        self.endpoint: str | None = None
        self.active = False
        self.peer_gone = False
        self.terminated = False
        self.slot: Any = None  # free for the owning strategy's use
        self.locally_initiated = False  # created by our connect()
        self.connect_routing_id: bytes = b""  # CONNECT_ROUTING_ID given to it

    # -- reading -------------------------------------------------------
    def read(self) -> Any:
        """Pop the next whole message, or None if empty (the end sleeps)."""
        ch = self.inbox
        dq = ch.dq
        if dq:
            msg = dq.popleft()
        else:
            ch.rsleep = True
            if not dq:
                return None
            ch.rsleep = False  # lost the race to a writer: take it back
            msg = dq.popleft()
        if ch.wsleep and len(dq) <= ch.lwm:
            ch.wsleep = False
            w = ch.writer
            if w is not None and not w.terminated:
                w.sink.write_activated(w)
        return msg

    def read_batch(self, limit: int) -> list:
        """Pop up to `limit` whole messages at once (the engine's bulk read)."""
        ch = self.inbox
        dq = ch.dq
        n = len(dq)
        if not n:
            ch.rsleep = True
            if not dq:
                return []
            ch.rsleep = False
            n = len(dq)
        if n > limit:
            n = limit
        if n == 1:
            batch = [dq.popleft()]
        else:
            pop = dq.popleft
            batch = [pop() for _ in range(n)]
        if not dq:
            # Drained: arm the wake-up now, saving the caller an empty read.
            ch.rsleep = True
            if dq:
                ch.rsleep = False
        if ch.wsleep and len(dq) <= ch.lwm:
            ch.wsleep = False
            w = ch.writer
            if w is not None and not w.terminated:
                w.sink.write_activated(w)
        return batch

    def has_input(self) -> bool:
        return bool(self.inbox.dq)

    def unread(self, msg: Any) -> None:
        """Put a message back at the head (a reader that took too much)."""
        self.inbox.dq.appendleft(msg)

    # -- writing -------------------------------------------------------
    def check_write(self) -> bool:
        ch = self.outbox
        if self.peer_gone or self.terminated:
            return False
        if len(ch.dq) < ch.hwm:
            return True
        ch.wsleep = True
        if len(ch.dq) < ch.hwm:
            ch.wsleep = False
            return True
        return False

    def write(self, msg: Any) -> bool:
        """Queue a whole message; False (nothing queued) at the HWM."""
        ch = self.outbox
        dq = ch.dq
        if len(dq) >= ch.hwm:
            ch.wsleep = True
            if len(dq) >= ch.hwm:
                return False
            ch.wsleep = False
        dq.append(msg)
        if ch.rsleep:
            ch.rsleep = False
            r = ch.reader
            if r is not None and not r.terminated:
                r.sink.read_activated(r)
        return True

    def write_many(self, msgs: list, start: int, stop: int) -> int:
        """Queue msgs[start:stop] up to the HWM; return the index reached.

        Stopping short arms `wsleep`, so the reader wakes us when it has
        drained to the low-water mark.
        """
        ch = self.outbox
        dq = ch.dq
        pos = start
        while pos < stop:
            room = ch.hwm - len(dq)
            if room <= 0:
                ch.wsleep = True
                if ch.hwm - len(dq) <= 0:
                    break
                ch.wsleep = False
                continue
            end = stop if stop - pos <= room else pos + room
            if pos == 0 and end == len(msgs):
                dq.extend(msgs)
            else:
                dq.extend(msgs[pos:end])
            pos = end
        if pos > start and ch.rsleep:
            ch.rsleep = False
            r = ch.reader
            if r is not None and not r.terminated:
                r.sink.read_activated(r)
        return pos

    def force_write(self, msg: Any) -> None:
        """Queue past the HWM: for control messages that must not be lost."""
        ch = self.outbox
        ch.dq.append(msg)
        if ch.rsleep:
            ch.rsleep = False
            r = ch.reader
            if r is not None and not r.terminated:
                r.sink.read_activated(r)

    def pending_out(self) -> int:
        return len(self.outbox.dq)

    def drop_outbound(self) -> None:
        """Throw away what this end queued and the peer did not read yet."""
        self.outbox.dq.clear()

    # -- lifetime ------------------------------------------------------
    def terminate(self) -> None:
        """This end is done.  The peer may still read what was queued."""
        if self.terminated:
            return
        self.terminated = True
        peer = self.peer
        if peer is not None and not peer.terminated:
            peer.peer_gone = True
            peer.sink.pipe_terminated(peer)

    def __repr__(self) -> str:
        return (f"<Pipe {self.endpoint!r} id={self.routing_id!r} "
                f"in={len(self.inbox.dq)} out={len(self.outbox.dq)}>")


class ConflatingPipe(Pipe):
    """A pipe end whose outbox keeps only the newest message (CONFLATE).

    There is no high-water mark: a new message replaces an unread one.
    """

    __slots__ = ()

    def write(self, msg: Any) -> bool:
        if self.peer_gone or self.terminated:
            return False
        self.outbox.dq.clear()
        self.force_write(msg)
        return True

    def write_many(self, msgs: list, start: int, stop: int) -> int:
        if stop > start:
            self.write(msgs[stop - 1])
        return stop

    def check_write(self) -> bool:
        return not (self.peer_gone or self.terminated)


def pipe_pair(hwm_a_to_b: int, hwm_b_to_a: int, conflate: bool = False) -> tuple[Pipe, Pipe]:
    """Create two joined ends: a writes to b with hwm_a_to_b and so on."""
    if conflate:
        hwm_a_to_b = hwm_b_to_a = 0
    ab = Channel(hwm_a_to_b)
    ba = Channel(hwm_b_to_a)
    cls = ConflatingPipe if conflate else Pipe
    a = cls(ba, ab)
    b = cls(ab, ba)
    a.peer, b.peer = b, a
    ab.writer, ab.reader = a, b
    ba.writer, ba.reader = b, a
    # A fresh reader has nothing: it sleeps until the first write wakes it.
    ab.rsleep = True
    ba.rsleep = True
    return a, b


class Subscription(list):
    """A (un)subscription travelling as a message: [b"\\x01topic"] or [b"\\x00topic"].

    A list like any message, so every reader can treat it as data; its type
    tells an engine that libzmq would send it as a ZMTP 3.1 SUBSCRIBE or
    CANCEL command rather than as a data frame.
    """

    __slots__ = ()
