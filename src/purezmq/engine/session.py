"""Sessions: the I/O-thread owner of one pipe end and the engine under it.

A session stands between a socket's pipe and a byte-moving engine.  It
outlives engines: a connecting session keeps its pipe across reconnects
(messages sent while the peer is away wait in the pipe, libzmq's default),
re-dials with RECONNECT_IVL backing off to RECONNECT_IVL_MAX, and tells
SUB/XSUB sockets to resend subscriptions after a reconnect.  An accepted
session creates its pipe only when the handshake completes (a bound socket
gets queues as peers arrive) and ends with its connection.

On close or disconnect a session lingers: it keeps delivering what the
pipe holds for up to LINGER ms (forever with -1, not at all with 0).

Everything here runs on the I/O thread, except the sink methods the pipe
calls, which post to it.
"""

from __future__ import annotations

import errno

import os
import random
from typing import Any

from ..constants import Event, SocketType
from ..pipe import pipe_pair

def _physical_memory() -> int:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return 1 << 40


# With MAXMSGSIZE unset, libzmq still drops a peer announcing a frame it
# cannot allocate; no frame larger than this machine's memory can be.
_MEMORY_BOUND = _physical_memory()
from ..zmtp import Connection
from .base import EngineBase as StreamEngine  # the type sessions talk to
from .base import has_mechanism
from .raw import RawCodec
from .security import mechanism_for, security_options


class Session:
    is_listener = False

    def __init__(self, io: Any, socket: Any, options: Any, endpoint: str) -> None:
        self.io = io
        self.socket = socket
        self.options = options  # a snapshot taken at bind/connect time
        self.endpoint = endpoint
        self.pipe: Any = None
        self.engine: Any = None
        self.terminating = False
        self.finished = False
        self._linger_timer: Any = None
        if io.holds_term:
            socket.ctx._io_object_started()

    # -- sink interface (any thread) ---------------------------------------
    def read_activated(self, pipe: Any) -> None:
        engine = self.engine
        if engine is not None and engine.try_send_direct():
            return
        self.io.post(self._on_out_ready)



    def write_activated(self, pipe: Any) -> None:
        self.io.post(self._on_in_ready)

    def pipe_terminated(self, pipe: Any) -> None:
        self.io.post(self._begin_termination)

    def terminate(self) -> None:
        """The socket asks us to end (disconnect, unbind, close)."""
        self.io.post(self._begin_termination)

    # -- pipe ------------------------------------------------------------------
    def _make_pipe(self, locally_initiated: bool) -> Any:
        """A pipe pair with our end kept and the socket's end returned."""
        opts = self.options
        sock_end, our_end = pipe_pair(opts.sndhwm, opts.rcvhwm, self.socket.conflating)
        sock_end.sink = self.socket
        our_end.sink = self
        sock_end.endpoint = self.endpoint
        if locally_initiated:
            sock_end.locally_initiated = True
            sock_end.connect_routing_id = opts.connect_routing_id
        self.pipe = our_end
        return sock_end

    def _attach_new_pipe(self, engine: StreamEngine, metadata: dict, locally_initiated: bool) -> None:
        """After a handshake: a pipe carrying the peer's properties."""
        sock_end = self._make_pipe(locally_initiated)
        sock_end.metadata = self.pipe.metadata = self._socket_metadata(engine, metadata)
        self.socket.attach_pipe(sock_end)

    def _handshake_succeeded(self, engine: StreamEngine) -> None:
        self._raw_notify()
        if has_mechanism(engine.codec):
            self.monitor_event(Event.HANDSHAKE_SUCCEEDED, 0)  # libzmq's value

    def _engine_lost(self, engine: StreamEngine, protocol: bool) -> None:
        self.engine = None
        failure = getattr(engine, "failure", None)
        if protocol and not engine.ready:
            # As libzmq: the failure's own event where it has one (ZAP's own
            # verdicts were reported when they came), none otherwise.
            if failure is not None and failure.auth_status:
                if not engine.auth_reported:
                    self.monitor_event(Event.HANDSHAKE_FAILED_AUTH, failure.auth_status)
            elif failure is not None and failure.no_detail:
                self.monitor_event(Event.HANDSHAKE_FAILED_NO_DETAIL, failure.no_detail)
            elif failure is not None and failure.code:
                self.monitor_event(Event.HANDSHAKE_FAILED_PROTOCOL, failure.code)
        elif not protocol and (not engine.ready or not has_mechanism(engine.codec)):
            # Lost before the handshake ended (raw and ZMTP 1.0/2.0
            # connections never end one, as far as libzmq's monitor goes).
            self.monitor_event(Event.HANDSHAKE_FAILED_NO_DETAIL, engine.lost_errno)
        self.monitor_event(Event.DISCONNECTED, engine.fd)
        if engine.ready:
            self._raw_notify()

    def _on_out_ready(self) -> None:
        if self.engine is not None:
            self.engine.out_ready()
        elif self.terminating:
            self._check_drained()

    def _on_in_ready(self) -> None:
        if self.engine is not None:
            self.engine.in_ready()

    # -- engine callbacks ------------------------------------------------------
    def engine_ready(self, engine: StreamEngine, metadata: dict) -> Any:
        """Handshake done: return the pipe end the engine should use."""
        raise NotImplementedError

    def engine_flushed(self, engine: StreamEngine) -> None:
        """Called without the engine lock held: may close the engine."""
        if self.terminating and engine is self.engine:
            self._check_drained()

    def engine_error(self, engine: StreamEngine, reason: str, protocol: bool) -> None:
        raise NotImplementedError

    def _start_engine(self, sock: Any) -> None:
        opts = self.options
        if self.socket.raw:
            codec: Any = RawCodec()
        else:
            limit = opts.maxmsgsize if opts.maxmsgsize >= 0 else _MEMORY_BOUND
            mechanism, as_server = mechanism_for(opts)
            codec = Connection(self.socket.zmtp_name, identity=opts.routing_id,
                               max_message_size=limit, mechanism=mechanism,
                               as_server=as_server, security=security_options(opts))
        engine = self.io.engine_for(sock, self, codec)
        self.engine = engine
        if self.socket.raw:
            engine.start(0)
        else:
            engine.start(opts.handshake_ivl,
                         (opts.heartbeat_ivl, opts.heartbeat_timeout, opts.heartbeat_ttl))

    def _socket_metadata(self, engine: StreamEngine, metadata: dict) -> dict:
        meta = dict(metadata)
        if engine.peer_address:
            meta.setdefault("Peer-Address", engine.peer_address.encode())
        mechanism = getattr(engine.codec, "mechanism", None)
        if mechanism is not None:
            # What the ZAP handler said of the peer: User-Id and its metadata.
            for name, value in mechanism.zap_properties:
                meta.setdefault(name, value)
            if mechanism.user_id:
                meta["User-Id"] = mechanism.user_id
        return meta

    def _raw_notify(self) -> None:
        """STREAM: an empty message tells the application of (dis)connects."""
        if self.socket.raw and self.options.stream_notify and self.pipe is not None:
            self.pipe.force_write([b""])

    def monitor_event(self, event: int, value: Any) -> None:
        mon = self.socket.monitor
        if mon is not None:
            mon.emit(event, value, self.endpoint)

    # -- termination -----------------------------------------------------------
    def _begin_termination(self) -> None:
        if self.terminating or self.finished:
            return
        self.terminating = True
        linger = self.socket.options.linger
        if linger == 0 or self.pipe is None:
            self._finish()
            return
        if linger > 0:
            self._linger_timer = self.io.call_later(linger / 1000.0, self._finish)
        self._check_drained()

    def _check_drained(self) -> None:
        pipe = self.pipe
        engine = self.engine
        if pipe is not None and pipe.has_input():
            if engine is not None and engine.ready:
                return  # still delivering
            if not self._can_wait_for_peer():
                self._finish()
            return
        if engine is not None and engine.has_pending_output():
            return
        self._finish()

    def _can_wait_for_peer(self) -> bool:
        return False

    def _finish(self) -> None:
        if self.finished:
            return
        self.finished = True
        self.terminating = True
        if self._linger_timer is not None:
            self._linger_timer.cancel()
        self._stop_connecting()
        if self.engine is not None:
            self.engine.close(graceful=True)
            self.engine = None
        if self.pipe is not None:
            self.pipe.terminate()
        self._finished()
        if self.io.holds_term:
            self.socket.ctx._io_object_done()

    def _stop_connecting(self) -> None:
        pass

    def _finished(self) -> None:
        pass


class AcceptedSession(Session):
    """A connection a listener accepted: one engine, then gone."""

    def __init__(self, io: Any, socket: Any, options: Any, endpoint: str, listener: Any) -> None:
        super().__init__(io, socket, options, endpoint)
        self.listener = listener

    def start(self, sock: Any) -> None:
        self._start_engine(sock)

    def engine_ready(self, engine: StreamEngine, metadata: dict) -> Any:
        if self.terminating:
            return None
        self._attach_new_pipe(engine, metadata, locally_initiated=False)
        self._handshake_succeeded(engine)
        return self.pipe

    def engine_error(self, engine: StreamEngine, reason: str, protocol: bool) -> None:
        self._engine_lost(engine, protocol)
        self._finish()

    def _finished(self) -> None:
        self.listener.session_finished(self)


class ConnectSession(Session):
    """One connect() target: dials, reconnects, keeps its pipe meanwhile."""

    def __init__(self, io: Any, socket: Any, options: Any, endpoint: str,
                 transport: Any, address: str) -> None:
        super().__init__(io, socket, options, endpoint)
        self.transport = transport
        self.address = address
        self._dialing: Any = None
        self._retry_timer: Any = None
        self._ivl = -1  # the current back-off interval; -1: not started
        self._handshakes = 0
        self._resubscribes = socket.resubscribe_on_reconnect

    def attach_now(self) -> Any:
        """Create the pipe at connect() time (not IMMEDIATE): the socket end."""
        return self._make_pipe(locally_initiated=True)

    def start(self) -> None:
        self.io.post(self._dial)

    # -- dialling ------------------------------------------------------------
    def _dial(self) -> None:
        self._retry_timer = None
        if self.finished:
            return
        self._dialing = self.io.dial(self.transport, self.address, self.options,
                                     self._connected, self._schedule_retry)
        if self._dialing.pending:
            self.monitor_event(Event.CONNECT_DELAYED, errno.EINPROGRESS)

    def _connected(self, sock: Any) -> None:
        self._ivl = -1  # libzmq: a new connecter (and back-off) per connection
        try:
            self.transport.tune_connected(sock, self.options)
        except OSError:
            pass
        self.monitor_event(Event.CONNECTED, sock.fileno())
        self._start_engine(sock)

    def _schedule_retry(self, closed_fd: int = -1) -> None:
        """A dial failed: try again after the next interval (libzmq's
        stream_connecter_base_t).  With RECONNECT_IVL <= 0 it never does:
        the connect() idles, its pipe still taking messages."""
        if self.finished:
            return
        if closed_fd >= 0:
            self.monitor_event(Event.CLOSED, closed_fd)  # the failed attempt's socket
        if self.terminating and not self._can_wait_for_peer():
            self._finish()
            return
        if self.options.reconnect_ivl <= 0:
            return
        delay = self._next_interval()
        self.monitor_event(Event.CONNECT_RETRIED, delay)
        self._retry_timer = self.io.call_later(delay / 1000.0, self._dial)

    def _next_interval(self) -> int:
        """RECONNECT_IVL doubling up to RECONNECT_IVL_MAX, or with no max the
        interval plus a random jitter below it."""
        base = self.options.reconnect_ivl
        ivl_max = self.options.reconnect_ivl_max
        if ivl_max > 0:
            current = base if self._ivl < 0 else self._ivl * 2
            self._ivl = min(current, ivl_max)
            return self._ivl
        if self._ivl < 0:
            self._ivl = base
        return self._ivl + random.randrange(base)

    def _reconnect(self) -> None:
        """An established connection was lost: a fresh back-off, first redial
        after one interval; or, with RECONNECT_IVL <= 0, this connect() ends
        and its endpoint is free again (libzmq's session_base_t::reconnect)."""
        self._ivl = -1
        if self.options.reconnect_ivl <= 0:
            self._finish()
            return
        delay = self._next_interval()
        self.monitor_event(Event.CONNECT_RETRIED, delay)
        self._retry_timer = self.io.call_later(delay / 1000.0, self._dial)

    def _finished(self) -> None:
        if not self.socket.closed:
            self.socket.call_soon(self._forget_me)

    def _forget_me(self, _: Any) -> None:
        """Socket thread: drop this ended connect() from the socket's books."""
        self.socket.endpoint_owner_gone(self.endpoint, self)

    def _stop_connecting(self) -> None:
        if self._retry_timer is not None:
            self._retry_timer.cancel()
            self._retry_timer = None
        if self._dialing is not None:
            self._dialing.cancel()
            self._dialing = None

    def _can_wait_for_peer(self) -> bool:
        # libzmq: with LINGER -1 or time left, pending messages wait for a peer.
        return self.socket.options.linger != 0

    # -- engine callbacks ----------------------------------------------------
    def engine_ready(self, engine: StreamEngine, metadata: dict) -> Any:
        self._handshakes += 1
        if self.pipe is None:
            if self.terminating:
                return None
            # IMMEDIATE: the pipe exists from now on.
            self._attach_new_pipe(engine, metadata, locally_initiated=True)
        else:
            self.pipe.peer.metadata = self._socket_metadata(engine, metadata)
            self.pipe.metadata = self.pipe.peer.metadata
            self.socket.peer_ready(self.pipe.peer)
        self._handshake_succeeded(engine)
        return self.pipe

    def engine_error(self, engine: StreamEngine, reason: str, protocol: bool) -> None:
        if self.finished:
            self.engine = None
            return
        self._engine_lost(engine, protocol)
        pipe = self.pipe
        if pipe is not None:
            if self.options.immediate:
                # Without a live peer an IMMEDIATE socket has no queue at all.
                self.pipe = None
                pipe.terminate()
            elif self._resubscribes and engine.ready:
                pipe.inbox.dq.clear()  # libzmq's hiccup: stale output is dropped
                self.socket.pipe_hiccuped(pipe.peer)
        if protocol or (self.terminating and (self.pipe is None or not self.pipe.has_input())):
            # libzmq ends the session on a protocol error: redialling a peer
            # that speaks nonsense (or the wrong socket type) would storm it.
            self._finish()
            return
        self._reconnect()
