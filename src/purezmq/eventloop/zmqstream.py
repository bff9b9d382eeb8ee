"""ZMQStream: a purezmq socket driven by callbacks on a tornado IOLoop.

The API and the callback semantics are those of pyzmq's
`zmq.eventloop.zmqstream.ZMQStream` (what jupyter_client and ipykernel
use): `on_recv(cb)` calls `cb(frames)` once per incoming message,
`send_multipart` queues a message that the loop sends when the socket can
take it and then reports to the `on_send` callback, `flush` handles what is
pending right now, outside the loop.

How the loop learns of events: the socket's FD is registered for READ with
the IOLoop.  FD only says "the socket's state may have changed"; the
stream reads EVENTS, handles at most one incoming and one outgoing message
per pass (so one busy stream cannot starve the others), and as long as
EVENTS still shows work it wants, it queues another pass with
`add_callback` instead of waiting for the fd.  That never loses an edge,
whether the FD is edge-triggered (libzmq) or stays readable while POLLIN
holds (purezmq).

Because purezmq's FD stays readable while a message waits, a stream that
is not receiving (no on_recv, or stop_on_recv) with unread messages stops
watching the FD (watching it would spin the loop).  If it has sends queued
meanwhile, or if a send found the socket unable to take it after all, it
re-checks on a short timer that backs off.  Sends are made with DONTWAIT
(unless a caller already asked for it, when an EAGAIN goes to the send
callback as in pyzmq), so a send can never block the loop: a message that
could not go is kept at the head of the queue and retried.
"""

from __future__ import annotations

import asyncio
import errno
import inspect
import json
import pickle
import warnings
from collections import deque
from typing import Any, Callable, Sequence

from . import _require_tornado

_require_tornado()

from tornado.ioloop import IOLoop  # noqa: E402
from tornado.log import gen_log  # noqa: E402

from ..constants import DONTWAIT, EVENTS, POLLIN, POLLOUT  # noqa: E402
from ..error import ContextTerminated, ZMQError  # noqa: E402
from ..sugar.poll import Poller  # noqa: E402
from ..sugar.socket import Socket  # noqa: E402

__all__ = ["ZMQStream"]

_POLLIN = int(POLLIN)
_POLLOUT = int(POLLOUT)
_DONTWAIT = int(DONTWAIT)
_EVENTS = int(EVENTS)

# Re-check period while the FD cannot tell us anything (see module doc).
_RETRY_FIRST = 0.001
_RETRY_MAX = 0.05


def _ignore_sent(msg: Any, status: Any) -> None:
    """The send callback a stream gets from a send with none registered."""


def _base_socket(socket: Any) -> Any:
    """The socket a stream drives: async sockets are seen through a plain
    Socket sharing their core (what pyzmq does, with the same warning), so
    callbacks get the frames, not futures."""
    try:
        from ..asyncio import Socket as AsyncSocket
    except ImportError:  # pragma: no cover
        return socket
    if isinstance(socket, AsyncSocket):
        warnings.warn(
            "ZMQStream drives plain sockets only: the asyncio socket given is used "
            "through a plain purezmq.Socket sharing it (pass "
            "purezmq.Socket(async_socket), or make the socket with a sync Context, "
            "to avoid this warning)",
            RuntimeWarning,
            stacklevel=3,
        )
        return Socket(socket)
    return socket


def _log_async_failure(future: Any) -> None:
    if future.cancelled():
        return
    exc = future.exception()
    if exc is not None:
        gen_log.error("Uncaught exception in ZMQStream callback",
                      exc_info=(type(exc), exc, exc.__traceback__))



class _NotCallable(TypeError, AssertionError):
    """A callback that cannot be called: a TypeError, and the AssertionError
    pyzmq raises (it checks with assert)."""

class ZMQStream:
    """Callbacks for a socket's messages, run by a tornado IOLoop.

    * ``on_recv(callback, copy=True)``: ``callback(frames)`` for each
      message received (a list of bytes, or of Frames with copy=False);
      ``on_recv(None)`` / ``stop_on_recv()`` stop receiving.
    * ``send_multipart(msg, ..., callback=None)`` (and ``send``,
      ``send_string``, ``send_json``, ``send_pyobj``): queue a message; the
      loop sends it, then calls the send callback as
      ``callback(msg, status)``, status being what the socket's
      send_multipart returned (a MessageTracker or None) or the ZMQError
      it raised.
    * ``on_recv_stream`` / ``on_send_stream``: the same, with the stream as
      first argument.
    * ``flush(flag, limit)``: handle pending messages now.
    * ``close(linger)``, ``closed()``, ``set_close_callback(cb)``.

    Callbacks may be coroutine functions: their coroutine is scheduled on
    the loop and its exceptions are logged.  ``stream.socket`` is the
    socket and ``bind``, ``connect``, ``setsockopt`` and friends are the
    socket's own methods.
    """

    socket: Any
    io_loop: Any

    def __init__(self, socket: Any, io_loop: Any = None) -> None:
        socket = _base_socket(socket)
        self.socket = socket
        self.io_loop = io_loop or IOLoop.current()
        self.poller = Poller()  # kept for code that reads it, as in pyzmq
        self._fd = socket.fileno()

        self._send_queue: deque = deque()
        self._recv_callback: Callable | None = None
        self._send_callback: Callable | None = None
        self._close_callback: Callable | None = None
        self._recv_copy = False
        self._flushed = False
        self._state = 0

        self._scheduled = False     # a pass is queued with add_callback
        self._timer: Any = None     # the re-check timer, when the FD is no use
        self._retry_delay = 0.0
        self._send_blocked = False  # the head of the send queue met EAGAIN

        # Registered by number: removing it works even after the socket is closed.
        self.io_loop.add_handler(self._fd, self._handle_events, IOLoop.READ)
        self._reading = True

        # The socket's own methods, as pyzmq's stream exposes them.
        self.bind = socket.bind
        self.bind_to_random_port = socket.bind_to_random_port
        self.connect = socket.connect
        self.setsockopt = socket.setsockopt
        self.getsockopt = socket.getsockopt
        self.setsockopt_string = socket.setsockopt_string
        self.getsockopt_string = socket.getsockopt_string
        self.setsockopt_unicode = socket.setsockopt_unicode
        self.getsockopt_unicode = socket.getsockopt_unicode

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.socket!r}>"

    # ------------------------------------------------------------------
    # Registering callbacks
    # ------------------------------------------------------------------
    def on_recv(self, callback: Callable | None, copy: bool = True) -> None:
        """Call `callback(frames)` for every message; None stops receiving.

        Replaces any callback registered before.  With copy=False the
        frames are Frame objects, as from recv_multipart(copy=False).
        """
        self._check_closed()
        if callback is not None and not callable(callback):
            raise _NotCallable(f"on_recv callback must be callable, not {callback!r}")
        self._recv_callback = callback
        self._recv_copy = copy
        self._rebuild_io_state()

    def on_recv_stream(self, callback: Callable | None, copy: bool = True) -> None:
        """Like on_recv, with the call made as `callback(stream, frames)`."""
        if callback is None:
            self.stop_on_recv()
            return

        def with_stream(msg: list) -> Any:
            return callback(self, msg)

        self.on_recv(with_stream, copy=copy)

    def stop_on_recv(self) -> None:
        """Stop receiving (messages stay queued in the socket)."""
        self.on_recv(None)

    def on_send(self, callback: Callable | None) -> None:
        """Call `callback(msg, status)` after each queued message is sent.

        `msg` is what was passed to send_multipart (send wraps its argument
        in a list); `status` is what the socket's send_multipart returned (a
        MessageTracker with track=True, else None), or the ZMQError raised.
        """
        self._check_closed()
        if callback is not None and not callable(callback):
            raise _NotCallable(f"on_send callback must be callable, not {callback!r}")
        self._send_callback = callback

    def on_send_stream(self, callback: Callable | None) -> None:
        """Like on_send, with the call made as `callback(stream, msg, status)`."""
        if callback is None:
            self.stop_on_send()
            return

        def with_stream(msg: Any, status: Any) -> Any:
            return callback(self, msg, status)

        self.on_send(with_stream)

    def stop_on_send(self) -> None:
        """Stop calling a send callback (queued messages are still sent)."""
        self.on_send(None)

    def on_err(self, callback: Callable | None) -> None:
        """Deprecated in pyzmq, does nothing."""
        gen_log.warning("on_err does nothing, and will be removed")

    def stop_on_err(self) -> None:
        """Deprecated in pyzmq, does nothing."""
        gen_log.warning("on_err does nothing, and will be removed")

    def set_close_callback(self, callback: Callable | None) -> None:
        """Call `callback()` when this stream closes."""
        self._close_callback = callback

    # ------------------------------------------------------------------
    # Sending
    # ------------------------------------------------------------------
    def send_multipart(self, msg: Sequence[Any], flags: int = 0, copy: bool = True,
                       track: bool = False, callback: Callable | None = None,
                       **kwargs: Any) -> None:
        """Queue a multipart message, sent by the loop when the socket can.

        A callback given here becomes the stream's send callback (as with
        on_send) for this and later sends.
        """
        self._check_closed()
        kwargs.update(flags=flags, copy=copy, track=track)
        self._send_queue.append((msg, kwargs))
        callback = callback or self._send_callback
        self.on_send(callback if callback is not None else _ignore_sent)
        self._rebuild_io_state()

    def send(self, msg: Any, flags: int = 0, copy: bool = True, track: bool = False,
             callback: Callable | None = None, **kwargs: Any) -> None:
        """Queue a single-part message (the send callback sees `[msg]`)."""
        self.send_multipart([msg], flags=flags, copy=copy, track=track,
                            callback=callback, **kwargs)

    def send_string(self, u: str, flags: int = 0, encoding: str = "utf-8",
                    callback: Callable | None = None, **kwargs: Any) -> None:
        """Queue a str, encoded (utf-8 unless told)."""
        if not isinstance(u, str):
            raise TypeError("unicode/str objects only")
        self.send(u.encode(encoding), flags=flags, callback=callback, **kwargs)

    send_unicode = send_string

    def send_json(self, obj: Any, flags: int = 0, callback: Callable | None = None,
                  **kwargs: Any) -> None:
        """Queue `obj` as JSON (utf-8)."""
        data = json.dumps(obj).encode("utf-8")
        self.send(data, flags=flags, callback=callback, **kwargs)

    def send_pyobj(self, obj: Any, flags: int = 0, protocol: int = -1,
                   callback: Callable | None = None, **kwargs: Any) -> None:
        """Queue `obj` pickled (highest protocol unless told)."""
        data = pickle.dumps(obj, protocol)
        self.send(data, flags=flags, callback=callback, **kwargs)

    # ------------------------------------------------------------------
    # State
    # ------------------------------------------------------------------
    def receiving(self) -> bool:
        """Whether a recv callback is registered."""
        return self._recv_callback is not None

    def sending(self) -> bool:
        """Whether messages wait in the send queue."""
        return bool(self._send_queue)

    def closed(self) -> bool:
        """Whether the stream is closed; a socket closed behind the stream's
        back closes the stream (and runs its close callback) now."""
        if self.socket is None:
            return True
        if self.socket.closed:
            self.close()
            return True
        return False

    def close(self, linger: int | None = None) -> None:
        """Stop watching the socket, close it, run the close callback."""
        socket = self.socket
        if socket is None:
            return
        self._cancel_timer()
        if socket.closed:
            warnings.warn(  # pyzmq's words: programs and tests look for them
                f"Unregistering FD {self._fd} after closing socket. "
                "This could result in unregistering handlers for the wrong socket. "
                "Please use stream.close() instead of closing the socket directly.",
                stacklevel=2,
            )
        self.io_loop.remove_handler(self._fd)
        self._reading = False
        if not socket.closed:
            socket.close(linger)
        self.socket = None
        if self._close_callback:
            self._run_callback(self._close_callback)

    # ------------------------------------------------------------------
    # flush: handle what is pending now, bypassing the loop
    # ------------------------------------------------------------------
    def flush(self, flag: int = _POLLIN | _POLLOUT, limit: int | None = None) -> int:
        """Handle pending messages now; return how many were handled.

        With POLLIN in `flag`, incoming messages are received (and given to
        the recv callback if there is one: with none, they are dropped);
        with POLLOUT, queued sends are sent.  Stops when nothing matching
        `flag` is pending or `limit` messages (both ways together) were
        handled.  The loop's own callbacks skip the rest of this loop
        iteration afterwards, as in pyzmq.
        """
        self._check_closed()
        was_flushed = self._flushed
        self._flushed = False
        count = 0
        flag = int(flag)

        def wanted() -> int:
            want = flag & _POLLIN
            if flag & _POLLOUT and self.sending() and not self._send_blocked:
                want |= _POLLOUT
            return want

        want = wanted()
        while want and (not limit or count < limit):
            ready = self.socket.getsockopt(_EVENTS) & want
            if not ready:
                break
            if ready & _POLLIN:
                self._handle_recv()
                count += 1
                if self.socket is None:
                    break
            if ready & _POLLOUT and self.sending():
                if self._handle_send():
                    count += 1
                if self.socket is None:
                    break
            want = wanted()

        if count:
            self._flushed = True
            if not was_flushed:
                self.io_loop.add_callback(self._finish_flush)
        elif was_flushed:
            self._flushed = True
        self._rebuild_io_state()
        return count

    def _finish_flush(self) -> None:
        self._flushed = False

    # ------------------------------------------------------------------
    # The loop side
    # ------------------------------------------------------------------
    def _check_closed(self) -> None:
        if self.socket is None:
            raise OSError("Stream is closed")

    def _run_callback(self, callback: Callable, *args: Any) -> None:
        try:
            result = callback(*args)
        except Exception:
            gen_log.error("Uncaught exception in ZMQStream callback", exc_info=True)
            raise  # and let the IOLoop report it too
        if inspect.isawaitable(result):
            loop = getattr(self.io_loop, "asyncio_loop", None)
            future = asyncio.ensure_future(result, loop=loop)
            future.add_done_callback(_log_async_failure)

    def _handle_events(self, fd: Any, events: int) -> None:
        """One pass: read EVENTS, handle one message each way, re-arm."""
        socket = self.socket
        if socket is None:
            gen_log.warning("Got events for closed stream %s", self)
            return
        try:
            zevents = socket.getsockopt(_EVENTS)
        except ContextTerminated:
            gen_log.warning("Got events for stream %s after terminating context", self)
            if not self.closed():
                self._stop_watching()  # nothing will change any more
            return
        except ZMQError as e:
            if self.closed():
                gen_log.warning("Got events for stream %s attached to closed socket: %s",
                                self, e)
            else:
                gen_log.error("Error getting events for %s: %s", self, e)
                self._stop_watching()
            return
        try:
            if zevents & _POLLIN and self.receiving():
                self._handle_recv()
                if self.socket is None:
                    return
            if zevents & _POLLOUT and self.sending():
                self._handle_send()
        finally:
            # Also after a callback raised: the messages behind it must not wait.
            self._rebuild_io_state()

    def _handle_recv(self) -> None:
        if self._flushed:
            return
        try:
            msg = self.socket.recv_multipart(_DONTWAIT, copy=self._recv_copy)
        except ZMQError as e:
            if e.errno == errno.EAGAIN:
                return  # taken by someone else since EVENTS
            raise
        callback = self._recv_callback
        if callback is not None:
            self._run_callback(callback, msg)

    def _handle_send(self) -> bool:
        """Send the head of the queue; False if it had to stay queued."""
        if self._flushed:
            return False
        if not self._send_queue:
            gen_log.error("Shouldn't have handled a send event")
            return False
        msg, kwargs = self._send_queue.popleft()
        flags = int(kwargs.get("flags", 0))
        try:
            if flags & _DONTWAIT:
                status = self.socket.send_multipart(msg, **kwargs)
            else:
                status = self.socket.send_multipart(msg, **dict(kwargs, flags=flags | _DONTWAIT))
        except ZMQError as e:
            if e.errno == errno.EAGAIN and not flags & _DONTWAIT:
                # EVENTS said POLLOUT but the message could not go (a full
                # peer behind ROUTER_MANDATORY, say): keep it, retry later.
                self._send_queue.appendleft((msg, kwargs))
                self._send_blocked = True
                return False
            gen_log.error("SEND Error: %s", e)
            status = e
        self._send_blocked = False
        callback = self._send_callback
        if callback is not None:
            self._run_callback(callback, msg, status)
        return True

    def _rebuild_io_state(self) -> None:
        """Bring the loop's watching in line with what the stream wants."""
        if self.socket is None:
            return
        state = 0
        if self.receiving():
            state |= _POLLIN
        if self.sending():
            state |= _POLLOUT
        self._state = state
        self._update_handler(state)

    def _on_loop_thread(self) -> bool:
        loop = getattr(self.io_loop, "asyncio_loop", None)
        if loop is None:
            return True
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            return True
        # A loop not started yet may be set up from here (as before start()).
        return running is None and not loop.is_running()

    def _update_handler(self, state: int) -> None:
        socket = self.socket
        if socket is None:
            return
        if not self._on_loop_thread():
            # Another thread (a send from a worker): the loop does the rest.
            self.io_loop.add_callback(self._rebuild_io_state)
            return
        try:
            zevents = socket.getsockopt(_EVENTS)
        except ZMQError:
            self._schedule()  # a pass reports the closed/terminated socket
            return
        ready = state & zevents
        if self._send_blocked:
            ready &= ~_POLLOUT
        if ready:
            # Work is there now: don't wait for an FD edge that may have
            # been consumed by the EVENTS read above.
            self._schedule()
        # purezmq's FD stays readable while a message waits: while we leave
        # it unread, watching the FD would wake the loop over and over.
        unread = bool(zevents & _POLLIN) and not state & _POLLIN
        self._set_reading(not unread)
        if state & _POLLOUT and not ready & _POLLOUT and (unread or self._send_blocked):
            self._start_timer()  # the FD cannot tell us when POLLOUT comes
        else:
            self._cancel_timer()

    def _schedule(self) -> None:
        if not self._scheduled:
            self._scheduled = True
            self.io_loop.add_callback(self._scheduled_pass)

    def _scheduled_pass(self) -> None:
        self._scheduled = False
        if self.socket is not None:
            self._handle_events(self._fd, 0)

    def _set_reading(self, on: bool) -> None:
        if on != self._reading:
            self._reading = on
            self.io_loop.update_handler(self._fd, IOLoop.READ if on else 0)

    def _stop_watching(self) -> None:
        self._cancel_timer()
        self._set_reading(False)

    def _start_timer(self) -> None:
        if self._timer is not None:
            return
        delay = min(max(self._retry_delay * 2, _RETRY_FIRST), _RETRY_MAX)
        self._retry_delay = delay
        self._timer = self.io_loop.call_later(delay, self._timer_fired)

    def _timer_fired(self) -> None:
        self._timer = None
        self._send_blocked = False  # try the head of the queue again
        if self.socket is not None:
            self._handle_events(self._fd, 0)

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self.io_loop.remove_timeout(self._timer)
            self._timer = None
        self._retry_delay = 0.0
