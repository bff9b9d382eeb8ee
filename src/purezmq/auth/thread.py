"""`ThreadAuthenticator`: the ZAP handler served from a background thread.

As in pyzmq, the thread runs its own asyncio event loop, so credentials
providers may answer with awaitables; the caller talks to the thread over
an inproc PAIR socket pair (the only command is ``TERMINATE``).
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any, Optional

import purezmq
import purezmq.asyncio as _zaio
from purezmq.constants import NOBLOCK, PAIR, POLLIN
from purezmq.error import ZMQError

from .base import Authenticator

_START_TIMEOUT = 10.0  # seconds for the thread to start serving
_STOP_TIMEOUT = 10.0  # seconds for it to finish once told to


class AuthenticationThread(threading.Thread):
    """The thread behind a `ThreadAuthenticator`: waits on its end of the
    command pipe and on the ZAP socket, answers requests until told
    ``TERMINATE``, then closes its pipe end."""

    def __init__(self, authenticator: Authenticator, pipe: Any) -> None:
        super().__init__(daemon=True, name="purezmq-auth")
        self.authenticator = authenticator
        self.log = authenticator.log
        self.pipe = pipe
        self.started = threading.Event()
        #: the exception that stopped the thread from serving, if any
        self.error: Optional[BaseException] = None

    def run(self) -> None:
        loop = asyncio.new_event_loop()
        try:
            loop.run_until_complete(self._run())
        except BaseException as e:
            self.error = e
            self.log.exception("Authenticator thread failed")
        finally:
            self.started.set()  # never leave start() waiting on a dead thread
            pipe, self.pipe = self.pipe, None
            if pipe is not None:
                pipe.close()
            try:
                loop.run_until_complete(loop.shutdown_asyncgens())
            finally:
                loop.close()

    async def _run(self) -> None:
        auth = self.authenticator
        zap = auth.zap_socket
        # Async views of the two sync sockets: woken by the sockets
        # themselves, so the thread's loop needs no fd watching.
        pipe_view = _zaio.Socket.from_socket(self.pipe)
        zap_view = _zaio.Socket.from_socket(zap)
        poller = _zaio.Poller()
        poller.register(pipe_view, POLLIN)
        poller.register(zap_view, POLLIN)
        self.started.set()
        while True:
            events = dict(await poller.poll())
            if pipe_view in events:
                if self._handle_pipe_message(self.pipe.recv_multipart()):
                    return
            if zap_view in events:
                await auth._serve_request(zap.recv_multipart())

    def _handle_pipe_message(self, msg: list) -> bool:
        """True when the command is to stop."""
        command = bytes(msg[0])
        self.log.debug("auth received API command %r", command)
        if command == b"TERMINATE":
            return True
        self.log.error("Invalid auth command from API: %r", command)
        self.pipe.send(b"ERROR")
        return False


class ThreadAuthenticator(Authenticator):
    """An `Authenticator` answering from a background thread: `start` binds
    the ZAP socket and starts the thread, `stop` ends both."""

    pipe: Any
    pipe_endpoint: str = ""
    thread: Any

    def __init__(self, context: Any = None, encoding: str = "utf-8", log: Any = None) -> None:
        super().__init__(context=context, encoding=encoding, log=log)
        self.pipe = None
        self.pipe_endpoint = f"inproc://{id(self)}.inproc"
        self.thread = None

    def start(self) -> None:
        """Bind the ZAP socket and start serving it in a new thread."""
        super().start()
        thread_pipe = None
        try:
            self.pipe = self.context.socket(PAIR, socket_class=purezmq.Socket)
            self.pipe.linger = 1
            self.pipe.bind(self.pipe_endpoint)
            thread_pipe = self.context.socket(PAIR, socket_class=purezmq.Socket)
            thread_pipe.linger = 1
            thread_pipe.connect(self.pipe_endpoint)
            self.thread = AuthenticationThread(authenticator=self, pipe=thread_pipe)
            thread_pipe = None  # the thread closes it
            self.thread.start()
            if not self.thread.started.wait(timeout=_START_TIMEOUT) or not self.is_alive():
                raise RuntimeError("Authenticator thread failed to start")
        except BaseException:
            if thread_pipe is not None:
                thread_pipe.close(linger=0)
            self.stop()
            raise

    def stop(self) -> None:
        """Tell the thread to finish, wait for it, close the sockets."""
        pipe, self.pipe = self.pipe, None
        thread, self.thread = self.thread, None
        if pipe is not None:
            if thread is not None and thread.is_alive():
                try:
                    pipe.send(b"TERMINATE", NOBLOCK)
                except ZMQError as e:
                    self.log.error("Could not tell the authenticator thread to stop: %s", e)
                thread.join(timeout=_STOP_TIMEOUT)
                if thread.is_alive():
                    self.log.error("Authenticator thread did not stop in %s s", _STOP_TIMEOUT)
            pipe.close()
        super().stop()

    def is_alive(self) -> bool:
        """Whether the authenticator thread is running."""
        return bool(self.thread and self.thread.is_alive())

    def __del__(self) -> None:
        try:
            self.stop()
        except Exception:
            pass


__all__ = ["ThreadAuthenticator"]
