"""Events returned by :meth:`Connection.receive_data`.

Everything the peer says that is not application data is reported as one of
the small value objects below (RFC 23 section "Commands" and RFC 37 sections
"The Publish-Subscribe Pattern" and "Connection Heartbeating").  A received
data message is *not* an event object: it is a plain ``list`` of ``bytes``
frames, one list per complete multipart message, so the hot path allocates
nothing but the payloads and that list.  Callers tell them apart with
``type(item) is list``.
"""

from __future__ import annotations

__all__ = [
    "Event",
    "HandshakeComplete",
    "Subscribe",
    "Cancel",
    "Ping",
    "Pong",
    "PeerError",
]


class Event:
    """Base class: equality and repr derived from ``__slots__``."""

    __slots__: tuple[str, ...]

    __slots__ = ()

    def _values(self) -> tuple:
        return tuple(getattr(self, name) for name in self.__slots__)

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self._values() == other._values()  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((type(self).__name__,) + tuple(
            tuple(sorted(v.items())) if isinstance(v, dict) else v
            for v in self._values()))

    def __repr__(self) -> str:
        args = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__slots__)
        return f"{type(self).__name__}({args})"


class HandshakeComplete(Event):
    """Greeting and security handshake are done; data may now flow.

    ``peer_metadata`` keeps property names exactly as the peer spelled them
    (e.g. ``"Socket-Type"``); use :meth:`peer_property` for the
    case-insensitive lookup RFC 23 asks for.
    """

    __slots__ = ("peer_metadata", "peer_version")

    def __init__(self, peer_metadata: dict[str, bytes], peer_version: tuple[int, int]) -> None:
        self.peer_metadata = peer_metadata
        self.peer_version = peer_version

    def peer_property(self, name: str, default: bytes | None = None) -> bytes | None:
        return lookup_property(self.peer_metadata, name, default)


class Subscribe(Event):
    """A SUBSCRIBE command (ZMTP 3.1) was received."""

    __slots__ = ("topic",)

    def __init__(self, topic: bytes) -> None:
        self.topic = topic


class Cancel(Event):
    """A CANCEL command (ZMTP 3.1) was received."""

    __slots__ = ("topic",)

    def __init__(self, topic: bytes) -> None:
        self.topic = topic


class Ping(Event):
    """A PING was received (the PONG reply is already queued).

    ``ttl`` is in deciseconds, exactly as on the wire.
    """

    __slots__ = ("ttl", "context")

    def __init__(self, ttl: int, context: bytes) -> None:
        self.ttl = ttl
        self.context = context


class Pong(Event):
    """A PONG was received."""

    __slots__ = ("context",)

    def __init__(self, context: bytes) -> None:
        self.context = context


class PeerError(Event):
    """The peer sent an ERROR command; the connection is dead afterwards."""

    __slots__ = ("reason",)

    def __init__(self, reason: bytes) -> None:
        self.reason = reason


def lookup_property(metadata: dict[str, bytes], name: str,
                    default: bytes | None = None) -> bytes | None:
    """Case-insensitive metadata lookup (first matching entry wins)."""
    value = metadata.get(name)
    if value is not None:
        return value
    folded = name.casefold()
    for key, value in metadata.items():
        if key.casefold() == folded:
            return value
    return default
