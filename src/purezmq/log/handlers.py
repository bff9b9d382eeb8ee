"""Logging handlers that publish over ØMQ (pyzmq's zmq.log.handlers).

PUBHandler sends each log record as a two-frame message on a PUB socket::

    [b"<root_topic>.<LEVELNAME>[.<subtopic>]", b"<formatted message>"]

(the root topic part is left out when it is empty).  A subtopic is given
in the message itself, before ``::``: ``log.info("db.query::took %d ms", 5)``
publishes on ``<root>.INFO.db.query`` the text ``took 5 ms``.  Subscribers
filter by prefix, so subscribing to ``b"<root>.ERROR"`` gets only errors.

    >>> handler = PUBHandler("tcp://127.0.0.1:12345")
    >>> handler.root_topic = "myapp"
    >>> logging.getLogger().addHandler(handler)

It can also be configured with ``logging.config.dictConfig``, as
``'class': 'purezmq.log.handlers.PUBHandler'`` with ``interface_or_socket``
(a bound or connected PUB socket, or an address to bind) and optionally
``root_topic`` and ``context``.
"""

from __future__ import annotations

import logging
import time
import warnings
from copy import copy
from typing import Any, Final

from ..constants import PUB
from ..sugar import Context, Socket

__all__ = ["PUBHandler", "TopicLogger", "TOPIC_DELIM"]

TOPIC_DELIM: Final = "::"  # separates "subtopic::message" in a logged message

_IO_YIELD_EVERY = 0.01  # seconds; see PUBHandler._let_io_run
_IO_YIELD_FOR = 0.0005


def _default_formatters() -> dict[int, logging.Formatter | None]:
    located = "%(levelname)s %(filename)s:%(lineno)d - %(message)s\n"
    return {
        logging.DEBUG: logging.Formatter(located),
        logging.INFO: logging.Formatter("%(message)s\n"),
        logging.WARNING: logging.Formatter(located),
        logging.ERROR: logging.Formatter(
            "%(levelname)s %(filename)s:%(lineno)d - %(message)s - %(exc_info)s\n"),
        logging.CRITICAL: logging.Formatter(located),
    }


class PUBHandler(logging.Handler):
    """A logging handler that publishes records on a PUB socket.

    ``interface_or_socket`` is either a PUB socket (already bound or
    connected; its context becomes ``ctx``) or an address, which a new PUB
    socket binds, made from ``context`` or else from a new Context.

    Records are published as ``[topic, message]`` where the topic is
    ``root_topic`` (if set), the level name, and any subtopic the message
    starts with (``"sub.topic::message"``), joined by dots.

    Each level has its own formatter in ``formatters`` (a dict keyed by the
    level number); ``setFormatter(fmt)`` sets all of them and
    ``setFormatter(fmt, level)`` one.
    """

    formatters: dict[int, logging.Formatter | None]
    ctx: Context
    socket: Socket
    _last_io_yield = float("-inf")  # monotonic time of _let_io_run's last sleep

    def __init__(self, interface_or_socket: str | Socket, context: Context | None = None,
                 root_topic: str = "") -> None:
        logging.Handler.__init__(self)
        self.root_topic = root_topic
        self.formatters = _default_formatters()
        if isinstance(interface_or_socket, Socket):
            self.socket = interface_or_socket
            self.ctx = self.socket.context
        else:
            self.ctx = context if context is not None else Context()
            self.socket = self.ctx.socket(PUB)
            self.socket.bind(interface_or_socket)

    @property
    def root_topic(self) -> str:
        return self._root_topic

    @root_topic.setter
    def root_topic(self, value: str) -> None:
        self.setRootTopic(value)

    def setRootTopic(self, root_topic: str) -> None:
        """Set the topic every published message starts with ('' for none).

        Bytes are taken as UTF-8.  With a root topic, subscribers must
        subscribe to a prefix of it (or b'') to receive anything; without one,
        topics start with the level name (b'INFO', b'WARNING', ...).
        """
        if isinstance(root_topic, bytes):
            root_topic = root_topic.decode("utf8")
        self._root_topic = root_topic

    def setFormatter(self, fmt: logging.Formatter | None,
                     level: int = logging.NOTSET) -> None:
        """Use ``fmt`` for records of ``level``, or for every level when it is
        NOTSET (replacing all the per-level defaults)."""
        if level == logging.NOTSET:
            for known in self.formatters:
                self.formatters[known] = fmt
        else:
            self.formatters[level] = fmt

    def format(self, record: logging.LogRecord) -> str:
        """Format with the record's level's formatter."""
        # As pyzmq: no fallback, so a level with no formatter (a custom level,
        # or one set to None) fails here and emit() reports it via handleError.
        formatter = self.formatters[record.levelno]
        return formatter.format(record)  # type: ignore[union-attr]

    def _let_io_run(self) -> None:
        # libzmq's I/O threads run beside the caller, so a PUB's send sees any
        # subscription already on the wire.  Ours need the GIL to take one in,
        # and a caller busy in Python can hold it for a whole switch interval
        # (5 ms), during which a new subscriber's first records would be
        # dropped.  Sleeping briefly hands them the GIL; at most once per
        # _IO_YIELD_EVERY, so a burst of records does not pay for it each time.
        now = time.monotonic()
        if now - self._last_io_yield >= _IO_YIELD_EVERY:
            time.sleep(_IO_YIELD_FOR)
            self._last_io_yield = time.monotonic()

    def emit(self, record: logging.LogRecord) -> None:
        """Publish the record as [topic, formatted message]."""
        # msg may be any object whose str() is the message, as LogRecord allows.
        topic, delim, rest = str(record.msg).partition(TOPIC_DELIM)
        if delim:
            # Strip the subtopic on a copy: other handlers see the record as logged.
            record = copy(record)
            record.msg = rest
        else:
            topic = ""

        try:
            body = self.format(record).encode("utf8")
        except Exception:
            self.handleError(record)
            return

        parts = [self.root_topic] if self.root_topic else []
        parts.append(record.levelname)
        if topic:
            parts.append(topic)
        self._let_io_run()
        self.socket.send_multipart([".".join(parts).encode("utf8", "replace"), body])


class TopicLogger(logging.Logger):
    """A Logger whose methods take a topic before the message.

    ``logger.debug("sub.topic", "msg %s", arg)`` logs ``"sub.topic::msg %s"``,
    which PUBHandler publishes on ``<root>.DEBUG.sub.topic``.  Use it with
    ``logging.setLoggerClass(TopicLogger)``.
    """

    def _topic_log(self, level: int, message: str, args: tuple[Any, ...],
                   kwargs: dict[str, Any]) -> None:
        if self.isEnabledFor(level):
            # Two frames of ours (the method and this) sit between the caller
            # and logging: skip them, so the record names the caller's line.
            kwargs["stacklevel"] = kwargs.get("stacklevel", 1) + 2
            self._log(level, message, args, **kwargs)

    def log(self, level: int, topic: str, msg: str,  # type: ignore[override]
            *args: Any, **kwargs: Any) -> None:
        """Log ``msg % args`` under ``topic`` at ``level``."""
        if not isinstance(level, int):  # as Logger.log
            if logging.raiseExceptions:
                raise TypeError("level must be an integer")
            return
        self._topic_log(level, f"{topic}{TOPIC_DELIM}{msg}", args, kwargs)

    def debug(self, topic: str, msg: str,  # type: ignore[override]
              *args: Any, **kwargs: Any) -> None:
        self._topic_log(logging.DEBUG, topic + TOPIC_DELIM + msg, args, kwargs)

    def info(self, topic: str, msg: str,  # type: ignore[override]
             *args: Any, **kwargs: Any) -> None:
        self._topic_log(logging.INFO, topic + TOPIC_DELIM + msg, args, kwargs)

    def warning(self, topic: str, msg: str,  # type: ignore[override]
                *args: Any, **kwargs: Any) -> None:
        self._topic_log(logging.WARNING, topic + TOPIC_DELIM + msg, args, kwargs)

    if hasattr(logging.Logger, "warn"):  # gone from Python 3.13
        def warn(self, topic: str, msg: str,  # type: ignore[override]
                 *args: Any, **kwargs: Any) -> None:
            warnings.warn("The 'warn' method is deprecated, use 'warning' instead",
                          DeprecationWarning, 2)
            self._topic_log(logging.WARNING, topic + TOPIC_DELIM + msg, args, kwargs)

    def error(self, topic: str, msg: str,  # type: ignore[override]
              *args: Any, **kwargs: Any) -> None:
        self._topic_log(logging.ERROR, topic + TOPIC_DELIM + msg, args, kwargs)

    def exception(self, topic: str, msg: str,  # type: ignore[override]
                  *args: Any, exc_info: Any = True, **kwargs: Any) -> None:
        kwargs["exc_info"] = exc_info
        self._topic_log(logging.ERROR, topic + TOPIC_DELIM + msg, args, kwargs)

    def critical(self, topic: str, msg: str,  # type: ignore[override]
                 *args: Any, **kwargs: Any) -> None:
        self._topic_log(logging.CRITICAL, topic + TOPIC_DELIM + msg, args, kwargs)

    fatal = critical  # type: ignore[assignment]
