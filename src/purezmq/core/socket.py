"""The socket core: one ØMQ socket as the application thread sees it.

Owns: the option values, the set of pipes, the command mailbox through
which other threads (the I/O thread, inproc peers) reach this socket,
blocking with timeouts, multipart assembly on send and frame-by-frame
delivery on receive, bind/connect/unbind/disconnect bookkeeping, and close.

Does not own: what a message means (a pattern subclass overrides the `_x*`
hooks, libzmq's socket_base_t/xsend split), bytes on the wire (sessions
and engines), or the public pyzmq surface (purezmq.sugar.socket wraps this).

Threading: everything here runs on the thread that calls the API.  Other
threads only call the sink methods (`read_activated`, `write_activated`,
`pipe_terminated`, `attach_pipe`, ...), which append a command to the
mailbox and signal the socket's fd; the commands run here, at the next
API call or while a call is blocked.
"""

from __future__ import annotations

import errno
import threading
import time
from collections import deque
from typing import Any

from ..constants import SocketOption as O
from ..error import Again, ContextTerminated, ZMQError
from ..reactor.signaler import Signaler
from .options import Options, check_type, coerce, spec_for
from .traffic import Traffic

_monotonic = time.monotonic
_get_ident = threading.get_ident
_CONFLATE_TYPES = frozenset({"DEALER", "PULL", "PUSH", "PUB", "SUB"})


_CURVE_OPTIONS = frozenset({O.CURVE_SERVER, O.CURVE_PUBLICKEY, O.CURVE_SECRETKEY,
                            O.CURVE_SERVERKEY})


def _require_curve() -> None:
    """libzmq built without CURVE refuses its options with EINVAL; purezmq
    without PyNaCl does the same, saying why."""
    from ..zmtp.mechanisms.curve import curve_available

    if not curve_available():
        raise ZMQError(errno.EINVAL, "CURVE needs PyNaCl: pip install pynacl")


class SocketBase(Traffic):
    """The pattern-independent half of a socket; patterns subclass it."""

    socket_type: int = -1
    zmtp_name: str = ""
    # A SUB/XSUB resends its subscriptions after a reconnect.
    resubscribe_on_reconnect = False
    # STREAM sockets speak raw bytes, not ZMTP.
    raw = False
    # A check on every message from the wire; False drops the connection
    # (libzmq's per-type sessions, e.g. REQ's).  None: anything goes.
    inbound_ok: Any = None
    # The topic set of the PUB/XPUB/SUB/XSUB patterns (what TOPICS_COUNT
    # counts); only they accept that option, and they assign it.
    _subs: Any

    def __init__(self, ctx: Any) -> None:
        self.ctx = ctx
        self.options = Options(self.socket_type)
        self._mailbox: deque = deque()
        try:
            self._sig = Signaler()
        except OSError as e:  # out of file descriptors: libzmq's EMFILE
            raise ZMQError(e.errno or errno.EMFILE) from None
        self.options.fd = self._sig.fileno()
        self.pipes: set = set()
        # endpoint string -> list of owned objects (listeners, sessions, pipes)
        self._endpoints: dict[str, list] = {}
        self.closed = False
        self._ctx_terminated = False
        self.monitor: Any = None  # set by the monitor machinery
        self._init_traffic()

    # ================================================================
    # Sink interface: called from any thread, runs here later.
    # ================================================================
    def _post(self, fn: Any, arg: Any) -> None:
        self._mailbox.append((fn, arg))
        if self._draining_lent != _get_ident():
            self._sig.signal()
        # else: our own thread is decoding a borrowed connection and reads
        # the mailbox right after: no wake-up needed.

    def read_activated(self, pipe: Any) -> None:
        if self._draining_lent == _get_ident():
            # Our own thread, decoding a borrowed connection: act now.
            if pipe in self.pipes:
                self._xread_activated(pipe)
            return
        self._mailbox.append((self._cmd_read_activated, pipe))
        self._sig.signal()

    def write_activated(self, pipe: Any) -> None:
        self._post(self._cmd_write_activated, pipe)

    def pipe_terminated(self, pipe: Any) -> None:
        self._post(self._cmd_pipe_terminated, pipe)

    def attach_pipe(self, pipe: Any) -> None:
        """A session finished a handshake (or an inproc peer bound)."""
        self._post(self._cmd_attach, pipe)

    def peer_ready(self, pipe: Any) -> None:
        """A connect-side pipe's peer completed a handshake (metadata set)."""
        self._post(self._cmd_peer_ready, pipe)

    def pipe_hiccuped(self, pipe: Any) -> None:
        """The connection under a pipe was re-established."""
        self._post(self._cmd_hiccup, pipe)

    def context_terminated(self) -> None:
        self._post(self._cmd_ctx_term, None)

    def call_soon(self, fn: Any, arg: Any = None) -> None:
        """Run fn(arg) on this socket's thread at its next command pass."""
        self._post(fn, arg)

    # -- command handlers (socket thread) --------------------------------
    def _cmd_read_activated(self, pipe: Any) -> None:
        if pipe in self.pipes:
            self._xread_activated(pipe)

    def _cmd_write_activated(self, pipe: Any) -> None:
        if pipe in self.pipes:
            self._xwrite_activated(pipe)

    def _cmd_attach(self, pipe: Any) -> None:
        if self.closed:
            pipe.terminate()
            return
        self.pipes.add(pipe)
        if pipe.endpoint is not None:
            self._endpoints.setdefault(pipe.endpoint, []).append(pipe)
        self._xattach(pipe)

    def _cmd_pipe_terminated(self, pipe: Any) -> None:
        if pipe in self.pipes:
            self._detach_pipe(pipe)

    def _detach_pipe(self, pipe: Any, drop_unread: bool = False) -> None:
        """Forget a pipe everywhere and end our side of it."""
        if drop_unread:
            pipe.inbox.dq.clear()
        self.pipes.discard(pipe)
        owners = self._endpoints.get(pipe.endpoint) if pipe.endpoint else None
        if owners is not None and pipe in owners:
            owners.remove(pipe)
            if not owners:
                del self._endpoints[pipe.endpoint]
        self._xterminated(pipe)
        # Our own end goes too, so nothing more is written into it.
        pipe.terminate()

    def _cmd_peer_ready(self, pipe: Any) -> None:
        if pipe in self.pipes:
            self._xpeer_ready(pipe)

    def _cmd_hiccup(self, pipe: Any) -> None:
        if pipe in self.pipes:
            self._xhiccuped(pipe)

    def _cmd_ctx_term(self, _: Any) -> None:
        self._ctx_terminated = True

    def process_commands(self) -> None:
        mb = self._mailbox
        while mb:
            fn, arg = mb.popleft()
            fn(arg)
        if self._ctx_terminated:
            raise ContextTerminated()

    # ================================================================
    # Pattern hooks (overridden by subclasses)
    # ================================================================
    def _xattach(self, pipe: Any) -> None:
        raise NotImplementedError

    def _xread_activated(self, pipe: Any) -> None:
        pass

    def _xwrite_activated(self, pipe: Any) -> None:
        pass

    def _xterminated(self, pipe: Any) -> None:
        raise NotImplementedError

    def _xhiccuped(self, pipe: Any) -> None:
        pass

    def _xpeer_ready(self, pipe: Any) -> None:
        pass

    def _xsend(self, msg: list) -> bool:
        """Route one whole message; False if it would block."""
        raise ZMQError(errno.ENOTSUP)

    def _xsend_begin(self, frame: Any) -> bool:
        """First frame of a multipart message: may it start now?"""
        return self._xhas_out()

    def _xrecv(self) -> Any:
        """Next whole message (a list of frames) or None."""
        raise ZMQError(errno.ENOTSUP)

    def _xhas_in(self) -> bool:
        return False

    def _xhas_out(self) -> bool:
        return False

    def _xsetsockopt(self, option: int, value: Any) -> None:
        """A validated option this pattern acts on at once."""

    def _check_usable(self) -> None:
        if self.closed:
            raise self.not_a_socket()
        if self._mailbox or self._ctx_terminated:
            self.process_commands()

    # ================================================================
    # Options
    # ================================================================
    def setsockopt(self, option: int, value: Any) -> None:
        with self._lock:
            if self.closed:
                raise self.not_a_socket()
            if self._mailbox:
                self._mailbox_quietly()
            if self._ctx_terminated:
                raise ContextTerminated()  # libzmq: ETERM once it saw the stop
            self._setsockopt(option, value)

    def _setsockopt(self, option: int, value: Any) -> None:
        if option in _CURVE_OPTIONS:
            _require_curve()
        value = check_type(option, value)
        spec = spec_for(option, self.socket_type, write=True)
        value = coerce(spec, value)
        if option == O.IPV4ONLY:  # the same setting as IPV6, inverted
            self.options.ipv6 = int(not value)
        elif spec.default is not None:
            setattr(self.options, spec.attr, value)
        if option in (O.SNDHWM, O.RCVHWM):
            self._apply_hwm()
        self._xsetsockopt(option, value)

    def getsockopt(self, option: int) -> Any:
        if self.closed:
            raise self.not_a_socket()
        if option == O.EVENTS:
            return self.events()
        if option == O.FD:
            return self.fileno()
        if option == O.RCVMORE:
            return int(self.rcvmore)
        spec = spec_for(option, self.socket_type, write=False)
        with self._lock:
            if self._mailbox:
                self._mailbox_quietly()
            if self._ctx_terminated:
                raise ContextTerminated()
            if option == O.IPV4ONLY:
                return int(not self.options.ipv6)
            if option == O.TOPICS_COUNT:
                return len(self._subs)  # PUB/XPUB: peers' topics; SUB/XSUB: ours
            return getattr(self.options, spec.attr)

    def _mailbox_quietly(self) -> None:
        try:
            self.process_commands()
        except ContextTerminated:
            pass

    @property
    def conflating(self) -> bool:
        """CONFLATE as libzmq applies it: only to these socket types."""
        return bool(self.options.conflate) and self.zmtp_name in _CONFLATE_TYPES

    def _apply_hwm(self) -> None:
        """libzmq 4.2+ applies new HWMs to existing pipes too."""
        if self.conflating:
            return
        for pipe in self.pipes:
            pipe.outbox.set_hwm(self.options.sndhwm)
            pipe.inbox.set_hwm(self.options.rcvhwm)

    # ================================================================
    # Endpoints
    # ================================================================
    def start_monitor(self, endpoint: str | None, events: int) -> None:
        """zmq_socket_monitor: publish events on a PAIR bound to endpoint."""
        from .monitor import Monitor

        with self._lock:
            if self._ctx_terminated:
                raise ContextTerminated()
            old = self.monitor
            if endpoint is None:
                self.monitor = None
                if old is not None:
                    old.stop()
                return
            new = Monitor(self, endpoint, events)
            self.monitor = new
            if old is not None:
                old.stop()

    def io_driver(self) -> Any:
        """Where this socket's connections run (asyncio sockets override)."""
        return self.ctx.io_driver()

    def bind(self, endpoint: str) -> None:
        with self._lock:
            self._bind(endpoint)

    def _bind(self, endpoint: str) -> None:
        self._check_usable()
        from ..transport import bind_endpoint
        resolved, owner = bind_endpoint(self, endpoint)
        self._endpoints.setdefault(resolved, []).append(owner)
        self.options.last_endpoint = resolved.encode()

    def connect(self, endpoint: str) -> None:
        with self._lock:
            self._connect(endpoint)

    def _connect(self, endpoint: str) -> None:
        self._check_usable()
        from ..transport import connect_endpoint, is_single_connect
        if is_single_connect(self) and endpoint in self._endpoints:
            return  # libzmq: a second connect to the same peer is a no-op
        resolved, owner = connect_endpoint(self, endpoint)
        if owner is not None:
            self._endpoints.setdefault(resolved, []).append(owner)
        self.options.last_endpoint = resolved.encode()

    def unbind(self, endpoint: str) -> None:
        with self._lock:
            self._unbind(endpoint)

    def _unbind(self, endpoint: str) -> None:
        self._check_usable()
        self._drop_endpoint(endpoint)

    def disconnect(self, endpoint: str) -> None:
        with self._lock:
            self._disconnect(endpoint)

    def _disconnect(self, endpoint: str) -> None:
        self._check_usable()
        self._drop_endpoint(endpoint)

    def _drop_endpoint(self, endpoint: str) -> None:
        """libzmq's term_endpoint: unbind and disconnect are one operation."""
        from ..transport import normalize_endpoint
        key = normalize_endpoint(endpoint)  # raises for a bad endpoint
        owners = self._endpoints.pop(key, None)
        if not owners:
            raise ZMQError(errno.ENOENT)
        for owner in owners:
            if owner.__class__.__name__ == "Pipe":
                self._detach_pipe(owner, drop_unread=True)
                continue
            mine = getattr(owner, "pipe", None)
            mine = mine.peer if mine is not None else None
            if mine is not None and mine in self.pipes:
                # What that peer sent and we did not read goes with it.
                self._detach_pipe(mine, drop_unread=True)
            owner.terminate()

    def endpoint_owner_gone(self, endpoint: str, owner: Any) -> None:
        """A listener or session ended by itself (socket thread)."""
        owners = self._endpoints.get(endpoint)
        if owners and owner in owners:
            owners.remove(owner)
            if not owners:
                del self._endpoints[endpoint]

    # ================================================================
    # Close
    # ================================================================
    def close(self, linger: int | None = None) -> None:
        with self._lock:
            self._close(linger)

    def _close(self, linger: int | None) -> None:
        if self.closed:
            return
        if linger is not None and not self._ctx_terminated:
            # (pyzmq sets LINGER first and ignores the ETERM it gets after a
            # context term began: the old value stands then.)
            self.options.linger = linger
        try:
            self.process_commands()
        except ContextTerminated:
            pass
        self.closed = True
        for owners in list(self._endpoints.values()):
            for o in list(owners):
                if o.__class__.__name__ != "Pipe":
                    o.terminate()
        self._endpoints.clear()
        for pipe in list(self.pipes):
            self._close_pipe(pipe)
        self.pipes.clear()
        if self.monitor is not None:
            self.monitor.stop()
        self.ctx._socket_closed(self)
        # Threads blocked in this socket wake, see it closed, and raise
        # ENOTSOCK; the last of them closes the fd (closing it under a
        # poll would not wake the poller).
        self._sig.signal()
        if not self._waiting:
            self._sig.close()

    def _close_pipe(self, pipe: Any) -> None:
        """End our side; what we queued stays for the peer to take.

        An inproc peer reads it whatever LINGER says (as in libzmq); a
        session applies LINGER to its delivery (0: it stops at once).
        """
        pipe.terminate()

    def __repr__(self) -> str:
        state = "closed" if self.closed else "open"
        return f"<purezmq {self.zmtp_name} socket {state}>"
