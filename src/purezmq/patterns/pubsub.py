"""PUB, XPUB, SUB, XSUB (RFC 29): prefix-filtered fan-out.

Publishers filter on their side: each subscriber pipe's topics live in a
`PipeSubscriptions` table and a message goes only to pipes whose topic
prefixes its first frame.  Subscriptions arrive as messages whose first
byte is 1 (subscribe) or 0 (cancel); engines turn ZMTP 3.1 SUBSCRIBE and
CANCEL commands into that form, so one code path serves every peer.

XPUB hands (un)subscriptions to the application (first/last only, unless
VERBOSE/VERBOSER) and lets it send messages upstream; PUB does neither.
SUB filters again on receipt (a peer need not filter); XSUB does not,
exactly as libzmq 4.3.
"""

from __future__ import annotations

import errno
from collections import deque
from typing import Any

from ..constants import SocketOption as O
from ..constants import SocketType
from ..core.socket import SocketBase
from ..error import ZMQError
from ..pipe import Subscription
from ..routing.dist import Distributor
from ..routing.fq import FairQueue
from ..routing.trie import PipeSubscriptions, Subscriptions


class XPub(SocketBase):
    socket_type = SocketType.XPUB
    zmtp_name = "XPUB"
    _delivers_subscriptions = True

    def __init__(self, ctx: Any) -> None:
        super().__init__(ctx)
        self._dist = Distributor()
        self._subs = PipeSubscriptions()
        self._pending: deque = deque()  # (frame, more) for the application
        self._pending_pipes: deque = deque()  # manual mode: who sent them
        self._last_pipe: Any = None

    # -- pipes -------------------------------------------------------------
    def _xattach(self, pipe: Any) -> None:
        self._dist.attach(pipe)
        welcome = self.options.xpub_welcome_msg
        if welcome:
            pipe.force_write([welcome])
        self._xread_activated(pipe)

    def _xread_activated(self, pipe: Any) -> None:
        # libzmq works frame by frame here: every frame that starts with 1
        # or 0 is an (un)subscription, reported as a message of its own;
        # other frames are upstream data, passed on with their MORE flags.
        opts = self.options
        manual = opts.xpub_manual
        deliver = self._delivers_subscriptions
        pending = self._pending
        while True:
            msg = pipe.read()
            if msg is None:
                return
            last = len(msg) - 1
            for index, frame in enumerate(msg):
                kind = frame[0] if len(frame) else -1
                if kind != 1 and kind != 0:
                    if deliver:
                        pending.append((frame, index < last))
                    continue
                topic = bytes(frame[1:])
                if manual:
                    pending.append((bytes(frame), False))
                    self._pending_pipes.append(pipe)
                    continue
                if kind == 1:
                    notify = self._subs.add(topic, pipe) or opts.xpub_verbose or opts.xpub_verboser
                else:
                    was, gone = self._subs.remove(topic, pipe)
                    notify = (not was) or gone or opts.xpub_verboser
                if notify and deliver:
                    pending.append((bytes(frame), False))

    def _xterminated(self, pipe: Any) -> None:
        if self.options.xpub_manual:
            self._subs.remove_pipe(pipe)
            if pipe is self._last_pipe:
                self._last_pipe = None
        else:
            verboser = self.options.xpub_verboser
            on_gone = self._topic_gone if self._delivers_subscriptions and not verboser else None
            if verboser and self._delivers_subscriptions:
                for topic in self._subs_of(pipe):
                    self._pending.append((b"\x00" + topic, False))
            self._subs.remove_pipe(pipe, on_gone)
        self._dist.terminated(pipe)

    def _subs_of(self, pipe: Any) -> list:
        return sorted(self._subs.topics_of(pipe))

    def _topic_gone(self, topic: bytes) -> None:
        self._pending.append((b"\x00" + topic, False))

    # -- data ----------------------------------------------------------------
    def _xsend(self, msg: list) -> bool:
        pipes = self._subs.match(msg[0])
        if self.options.invert_matching:
            pipes = set(self._dist.pipes) - pipes
        if self.options.xpub_nodrop and not Distributor.all_writable(pipes):
            return False
        for pipe in pipes:
            pipe.write(msg)
        return True

    def _xsend_begin(self, frame: Any) -> bool:
        return True

    def _xrecv(self) -> Any:
        pending = self._pending
        if not pending:
            return None
        if self.options.xpub_manual and self._pending_pipes:
            last = self._pending_pipes.popleft()
            self._last_pipe = last if last in self.pipes else None
        msg = []
        while pending:
            frame, more = pending.popleft()
            msg.append(frame)
            if not more:
                break
        return msg

    def _xhas_in(self) -> bool:
        return bool(self._pending)

    def _xhas_out(self) -> bool:
        if self.options.xpub_nodrop:
            return Distributor.all_writable(self._dist.pipes)
        return True

    def _xsetsockopt(self, option: int, value: Any) -> None:
        if option in (O.SUBSCRIBE, O.UNSUBSCRIBE):
            # Only meaningful in manual mode: apply to the last asker.
            if not self.options.xpub_manual:
                raise ZMQError(errno.EINVAL)
            if self._last_pipe is not None:
                if option == O.SUBSCRIBE:
                    self._subs.add(value, self._last_pipe)
                else:
                    self._subs.remove(value, self._last_pipe)
        elif option == O.XPUB_VERBOSER:
            self.options.xpub_verbose = value
        elif option == O.XPUB_VERBOSE:
            self.options.xpub_verboser = 0


class Pub(XPub):
    socket_type = SocketType.PUB
    zmtp_name = "PUB"
    _delivers_subscriptions = False

    def _xrecv(self) -> Any:
        raise ZMQError(errno.ENOTSUP)

    def _xhas_in(self) -> bool:
        return False


class XSub(SocketBase):
    socket_type = SocketType.XSUB
    zmtp_name = "XSUB"
    resubscribe_on_reconnect = True
    _filters = False

    def __init__(self, ctx: Any) -> None:
        super().__init__(ctx)
        self.options.linger = 0  # libzmq: never wait to send subscriptions
        self._fq = FairQueue()
        self._dist = Distributor()
        self._subs = Subscriptions()

    def _xattach(self, pipe: Any) -> None:
        self._fq.attach(pipe)
        self._dist.attach(pipe)
        self._xhiccuped(pipe)

    def _xhiccuped(self, pipe: Any) -> None:
        for topic in self._subs:
            pipe.write(Subscription([b"\x01" + topic]))

    def _xread_activated(self, pipe: Any) -> None:
        self._fq.activated(pipe)

    def _xterminated(self, pipe: Any) -> None:
        self._fq.terminated_when_drained(pipe)
        self._dist.terminated(pipe)

    def _xsend(self, msg: list) -> bool:
        first = msg[0]
        kind = first[0] if len(first) else -1
        if kind == 1:
            self._subs.add(bytes(first[1:]))
        elif kind == 0:
            if not self._subs.remove(bytes(first[1:])):
                return True  # still subscribed: nothing goes upstream
        self._dist.send_to_all(msg)
        return True

    def _xsend_begin(self, frame: Any) -> bool:
        return True

    def _xrecv(self) -> Any:
        fq = self._fq
        if not self._filters:
            return fq.recv()
        match = self._subs.match
        while True:
            msg = fq.recv()
            if msg is None or match(msg[0]):
                return msg

    def _xhas_in(self) -> bool:
        if not self._filters:
            return self._fq.has_in()
        fq = self._fq
        while fq.has_in():
            msg = fq.recv()
            if self._subs.match(msg[0]):
                fq.last.unread(msg)
                return True
        return False

    def _xhas_out(self) -> bool:
        return True


class Sub(XSub):
    socket_type = SocketType.SUB
    zmtp_name = "SUB"
    _filters = True

    def _xsend(self, msg: list) -> bool:
        raise ZMQError(errno.ENOTSUP)

    def _xsend_begin(self, frame: Any) -> bool:
        raise ZMQError(errno.ENOTSUP)

    def _xhas_out(self) -> bool:
        return False

    def _xsetsockopt(self, option: int, value: Any) -> None:
        if option == O.SUBSCRIBE:
            # Duplicates go upstream too: the publisher de-duplicates.
            self._subs.add(value)
            self._dist.send_to_all(Subscription([b"\x01" + value]))
        elif option == O.UNSUBSCRIBE:
            if self._subs.remove(value):
                self._dist.send_to_all(Subscription([b"\x00" + value]))
