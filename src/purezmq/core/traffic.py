"""Sending and receiving on a socket: frames, blocking, and sharing.

Owns the calls that move messages (send, recv and their multipart forms),
their blocking with timeouts, the application thread's short cut of
reading a borrowed connection itself, EVENTS, and what makes a socket
safe to share between threads.

Sharing: libzmq sockets must not be used by two threads at once, and
pyzmq programs that do so crash.  purezmq sockets may be: every call runs
its non-blocking part under the socket's lock and waits without it, so a
thread blocked in recv does not hold up another thread's send.  A
multipart message is assembled per thread (frames sent with SNDMORE by
two threads never mix) and read per thread (the rest of a message belongs
to the thread that began reading it), so no message is ever corrupted.
A wake-up taken by one waiting thread is passed on when it changed the
socket's state, so no other waiter misses it.
"""

from __future__ import annotations

import errno
import select
import threading
import time
from typing import Any, Callable

from ..error import Again, ZMQError

_monotonic = time.monotonic
_get_ident = threading.get_ident
# Plain ints: IntFlag arithmetic costs a microsecond per call on the hot path.
POLLIN = 1
POLLOUT = 2
DONTWAIT = 1
SNDMORE = 2


class Traffic:
    """Mixin of SocketBase: see the module docstring."""

    # What SocketBase (and the pattern subclasses) provide.
    closed: bool
    options: Any
    pipes: Any
    _sig: Any
    _mailbox: Any
    _ctx_terminated: bool
    process_commands: Callable[[], None]
    _xrecv: Callable[[], Any]
    _xsend: Callable[[list], Any]
    _xsend_begin: Callable[[Any], bool]
    _xhas_in: Callable[[], bool]
    _xhas_out: Callable[[], bool]

    # The public Socket binds send/recv straight onto its instances (one
    # Python call less per message), so they take pyzmq's signature; the API
    # layer installs these hooks for everything that is not bytes.
    frame_from: Any = None  # (data, copy) -> a frame the pipes can carry
    frame_tracked: Any = None  # (data, copy, threshold) -> (frame, MessageTracker or None)
    copy_threshold = 65536  # pyzmq's COPY_THRESHOLD; the sugar's copy_threshold
    frame_to: Any = None  # (frame, more) -> a pyzmq Frame for copy=False
    on_loops = False  # an asyncio socket: its connections may run on loops
    forked = False  # inherited by a forked child: unusable there

    def _init_traffic(self) -> None:
        self._lock = threading.Lock()
        self._out_parts: dict = {}  # thread -> frames sent with SNDMORE so far
        self._in_parts: dict = {}  # thread -> [message, index of next frame]
        self._waiting = 0  # threads inside a blocking wait
        self._leader = False  # a waiting thread polls the fd (see _wait)
        self._followers = threading.Condition(self._lock)
        self._lend_poll: Any = None  # (fd, poll object) for the borrowed engine
        self._lent_engine: Any = None  # the connection a thread borrowed
        # The id of a thread decoding a borrowed connection while it holds
        # the lock (it reads the mailbox right after: no wake-up needed).
        self._draining_lent = 0
        self._last_meta: dict = {}  # properties for recv(copy=False) frames

    @property
    def rcvmore(self) -> bool:
        current = self._in_parts.get(_get_ident())
        return current is not None and current[1] > 0

    # ================================================================
    # Sending
    # ================================================================
    def send(self, frame: Any, flags: int = 0, copy: bool = True, track: bool = False,
             routing_id: Any = None, group: Any = None) -> Any:
        """Send one frame as zmq_msg_send; pyzmq's Socket.send signature."""
        tracker = None
        if track:
            frame, tracker = self.frame_tracked(frame, copy, self.copy_threshold)
        elif frame.__class__ is not bytes:
            tracker = getattr(frame, "tracker", None)  # a Frame: pyzmq returns its tracker
            frame = self.frame_from(frame, copy)
        lock = self._lock
        lock.acquire()
        try:
            if not (flags or self._mailbox or self._out_parts or self.closed
                    or self._ctx_terminated):
                # The common case: one whole frame, nothing pending.
                parts = [frame]
                if not self._xsend(parts):
                    self._wait_until(self._xsend, parts, 0, self.options.sndtimeo)
            else:
                self._send_slow(frame, flags)
        finally:
            lock.release()
        return tracker

    def _send_slow(self, frame: Any, flags: int) -> None:
        if self.closed:
            raise self.not_a_socket()
        if self._mailbox or self._ctx_terminated:
            self.process_commands()
        me = _get_ident()
        pending = self._out_parts.get(me)
        if flags and int(flags) & SNDMORE:
            if pending is None:
                self._wait_until(self._xsend_begin, frame, flags, self.options.sndtimeo)
                self._out_parts[me] = [frame]
            else:
                pending.append(frame)
            return
        if pending is not None:
            del self._out_parts[me]
            pending.append(frame)
            parts = pending
        else:
            parts = [frame]
        if not self._xsend(parts):
            self._wait_until(self._xsend, parts, flags, self.options.sndtimeo)

    def send_parts(self, parts: list, flags: int = 0) -> None:
        """Send a whole multipart message in one call (send_multipart)."""
        with self._lock:
            if self.closed:
                raise self.not_a_socket()
            if self._mailbox or self._ctx_terminated:
                self.process_commands()
            pending = self._out_parts.pop(_get_ident(), None)
            if pending is not None:  # finish what frame-by-frame sends began
                parts = pending + parts
            elif len(parts) > 1:
                self._wait_until(self._xsend_begin, parts[0], flags, self.options.sndtimeo)
            if not self._xsend(parts):
                self._wait_until(self._xsend, parts, flags, self.options.sndtimeo)

    def _wait_until(self, attempt: Any, arg: Any, flags: int, timeout_ms: int) -> None:
        """Retry attempt(arg) until it returns True, blocking per flags.

        Called with the lock held; waits without it.
        """
        if flags and int(flags) & DONTWAIT or timeout_ms == 0:
            if attempt(arg):
                return
            raise Again()
        deadline = None if timeout_ms < 0 else _monotonic() + timeout_ms / 1000.0
        sig = self._sig
        self.release_borrowed()
        while True:
            if sig._pending and not self._leader:  # (the leader's to take)
                sig.reset()
            self._serve_commands()
            if attempt(arg):
                return
            left = None if deadline is None else deadline - _monotonic()
            if left is not None and left <= 0:
                raise Again()
            self._wait(left)
            if self.closed:
                raise self.not_a_socket()

    def _serve_commands(self) -> None:
        """Process commands; if they changed anything, other waiters look too."""
        if self._mailbox:
            self.process_commands()
            if self._waiting:
                self._sig.rearm()  # our reset may have taken their wake-up
        elif self._ctx_terminated:
            self.process_commands()

    def _wait(self, timeout: float | None) -> None:
        """Wait, with the lock released, until the socket may have changed.

        One waiting thread (the leader) polls the socket's fd; any other
        thread waits on a condition the leader notifies each time it wakes.
        Threads sharing one fd would steal each other's wake-ups: a sender
        could drain the signal that a message arrived for a receiver.
        """
        self._waiting += 1
        try:
            if self._leader:
                self._followers.wait(timeout)
                return
            self._leader = True
            sig = self._sig
            sig.watch_fd()
            lock = self._lock
            lock.release()
            try:
                sig.wait(timeout)
            finally:
                lock.acquire()
                self._leader = False
                if self._waiting > 1:
                    self._followers.notify_all()
        finally:
            self._waiting -= 1
            if self.closed and not self._waiting:
                self._sig.close()

    # ================================================================
    # Receiving
    # ================================================================
    def recv(self, flags: int = 0, copy: bool = True, track: bool = False) -> Any:
        """Receive one frame; `rcvmore` tells whether more follow."""
        if not copy:
            return self._recv_frame(flags)
        lock = self._lock
        lock.acquire()
        try:
            if not (flags or self._in_parts or self._mailbox or self.closed
                    or self._ctx_terminated):
                # The common case: nothing pending, take or wait for a message.
                msg = self._xrecv()
                if msg is None:
                    msg = self._recv_blocking(0, checked=True)
            else:
                me = _get_ident()
                current = self._in_parts.get(me)
                if current is not None:
                    msg, i = current
                    frame = msg[i]
                    i += 1
                    if i < len(msg):
                        current[1] = i
                    else:
                        del self._in_parts[me]
                    return frame if frame.__class__ is bytes else bytes(frame)
                msg = self._recv_whole(flags)
            frame = msg[0]
            if len(msg) > 1:
                self._in_parts[_get_ident()] = [msg, 1]
        finally:
            lock.release()
        # inproc hands over what the sender queued: a zero-copy view becomes
        # bytes here, as pyzmq's recv(copy=True) always gives bytes.
        return frame if frame.__class__ is bytes else bytes(frame)

    def _recv_frame(self, flags: int) -> Any:
        """recv(copy=False): a Frame with the properties of its connection."""
        with self._lock:
            me = _get_ident()
            current = self._in_parts.get(me)
            if current is None:
                msg = self._recv_whole(flags)
                self._last_meta = self._last_metadata()
                current = [msg, 0]
            msg, i = current
            frame = msg[i]
            if i + 1 < len(msg):
                current[1] = i + 1
                self._in_parts[me] = current
            else:
                self._in_parts.pop(me, None)
            more = me in self._in_parts
            meta = self._last_meta
        return self.frame_to(frame, more, meta)

    def _last_metadata(self) -> dict:
        """The properties of the connection the last message came from."""
        fq = getattr(self, "_fq", None)
        pipe = fq.last if fq is not None else getattr(self, "_pipe", None)
        return pipe.metadata if pipe is not None and pipe.metadata else {}

    def recv_parts(self, flags: int = 0) -> list:
        """Receive the rest of the current message, or a whole new one."""
        with self._lock:
            current = self._in_parts.pop(_get_ident(), None)
            if current is not None:
                return current[0][current[1]:]
            return self._recv_whole(flags)

    def unread(self, frames: list) -> None:
        """Put frames this thread received back in front of what it reads
        next: an asyncio recv whose task was cancelled as its message came
        must not lose it."""
        with self._lock:
            me = _get_ident()
            current = self._in_parts.get(me)
            if current is None:
                self._in_parts[me] = [list(frames), 0]
            else:
                msg, i = current
                current[0] = list(frames) + list(msg[i:])
                current[1] = 0
            self._sig.rearm()

    def _recv_whole(self, flags: int) -> list:
        if self.closed:
            raise self.not_a_socket()
        if self._mailbox or self._ctx_terminated:
            self.process_commands()
        msg = self._xrecv()
        if msg is None:
            msg = self._recv_blocking(flags, checked=True)
        return msg

    def _recv_blocking(self, flags: int, checked: bool = False) -> list:
        """Wait for a message; `checked`: the caller just found none."""
        timeout_ms = self.options.rcvtimeo
        if flags and int(flags) & DONTWAIT or timeout_ms == 0:
            raise Again()
        deadline = None if timeout_ms < 0 else _monotonic() + timeout_ms / 1000.0
        sig = self._sig
        while True:
            if sig._pending or self._mailbox or not checked:
                if sig._pending and not self._leader:  # (the leader's to take)
                    sig.reset()
                self._serve_commands()
                msg = self._xrecv()
                if msg is not None:
                    return msg
            checked = False  # only the first pass may trust the caller
            left = None if deadline is None else deadline - _monotonic()
            if left is not None and left <= 0:
                raise Again()
            engine = None
            pipes = self.pipes
            if len(pipes) == 1 and not self._waiting:  # one peer, one waiter
                for pipe in pipes:
                    engine = getattr(pipe.peer.sink, "engine", None)  # inproc: none
            if engine is not None and engine.ready and engine.lend():
                self._wait_lent(engine, left)
            else:
                self.release_borrowed()
                self._wait(left)
            if self.closed:
                raise self.not_a_socket()

    def _wait_lent(self, engine: Any, left: float | None) -> None:
        """Wait on the connection itself and decode here: no hop through the
        I/O thread between the wire and this call."""
        self._lent_engine = engine
        sig = self._sig
        fd = engine.fd
        cached = self._lend_poll
        if cached is None or cached[0] != fd:
            p = select.poll()
            p.register(sig.fileno(), select.POLLIN)
            p.register(fd, select.POLLIN)
            self._lend_poll = cached = (fd, p)
        ms = -1 if left is None else max(0, int(left * 1000 + 0.999))
        readable = False
        lock = self._lock
        self._waiting += 1
        self._leader = True
        lock.release()
        try:
            for rfd, _ in cached[1].poll(ms):
                if rfd == fd:
                    readable = True
                else:
                    sig.stale()  # drain a stale wake-up, or keep a real one
        finally:
            lock.acquire()
            self._leader = False
            if self._waiting > 1:
                self._followers.notify_all()
            self._waiting -= 1
            if self.closed and not self._waiting:
                self._sig.close()
            if readable:
                self._draining_lent = _get_ident()
                try:
                    engine.read_lent()
                finally:
                    self._draining_lent = 0
            else:
                engine.done_waiting()

    def release_borrowed(self) -> None:
        """Hand a borrowed connection back before waiting any other way."""
        engine = self._lent_engine
        if engine is not None:
            self._lent_engine = None
            engine.reclaim()

    # ================================================================
    # Readiness (EVENTS, poll, FD)
    # ================================================================
    def events(self) -> int:
        """EVENTS: what send/recv could do now without blocking.

        FD stays readable while POLLIN holds: reading EVENTS can never
        swallow the wake-up an event loop waiting on FD still needs.
        """
        with self._lock:
            if self.closed:
                raise self.not_a_socket()
            # Whoever asks for EVENTS waits on our fd next: the I/O thread
            # must be the one reading the connection then.
            self.release_borrowed()
            sig = self._sig
            if self._leader:
                # A thread blocked in this socket polls the fd: its wake-up
                # is not ours to drain, and it re-checks what we change.
                sig.rearm()
            else:
                sig.reset(drain=True)  # EVENTS readers poll the fd: leave it clean
            self.process_commands()
            ev = 0
            if self._in_parts or self._xhas_in():
                ev |= POLLIN
                sig.rearm()
            if self._xhas_out():
                ev |= POLLOUT
            return ev

    def read_loop_connections(self) -> None:
        """Read connections that live on this thread's (busy) event loop:
        see ProtocolEngine.read_now.  Called without the socket's lock."""
        for pipe in list(self.pipes):
            read_now = getattr(getattr(pipe.peer.sink, "engine", None), "read_now", None)
            if read_now is not None:
                read_now()

    def not_a_socket(self) -> ZMQError:
        """ENOTSOCK for a closed socket, explained for a forked child's."""
        if self.forked:
            from .context import FORKED_AWAY
            return ZMQError(errno.ENOTSOCK, FORKED_AWAY)
        return ZMQError(errno.ENOTSOCK)

    def forked_away(self) -> None:
        """In a forked child (see ContextCore._forked_away)."""
        self.forked = True
        self.closed = True
        self._lock = threading.Lock()
        self._followers = threading.Condition(self._lock)
        self._waiting = 0

    def fileno(self) -> int:
        if self.closed:
            raise self.not_a_socket()
        self._sig.watch_fd()  # someone will wait on the fd itself
        return self._sig.fileno()
