"""Subscription tables: prefix matching for SUB and for PUB/XPUB.

`Subscriptions` (libzmq's trie_t) counts how often each topic was
subscribed by one subscriber socket.  `PipeSubscriptions` (libzmq's
mtrie_t) records which pipes subscribed to which topic on a publisher.

Both match by prefix: a message matches a topic when its first frame starts
with it; the empty topic matches everything.  Rather than a byte trie we
keep a dict per topic plus the set of distinct topic lengths: a match
costs one dict look-up per distinct length, which in Python beats walking
a trie node per byte.
"""

from __future__ import annotations

from typing import Any, Callable, Iterator


def _prefix_bytes(data: Any, n: int) -> bytes:
    if type(data) is bytes:
        return data[:n]
    return memoryview(data)[:n].tobytes()


class _Lengths:
    """Distinct key lengths with reference counts, kept sorted."""

    __slots__ = ("counts", "sorted")

    def __init__(self) -> None:
        self.counts: dict[int, int] = {}
        self.sorted: list[int] = []

    def add(self, n: int) -> None:
        c = self.counts.get(n, 0)
        self.counts[n] = c + 1
        if c == 0:
            self.sorted = sorted(self.counts)

    def remove(self, n: int) -> None:
        c = self.counts[n] - 1
        if c:
            self.counts[n] = c
        else:
            del self.counts[n]
            self.sorted = sorted(self.counts)


class Subscriptions:
    """Counted topics of one subscriber socket (SUB/XSUB)."""

    __slots__ = ("_topics", "_lengths")

    def __init__(self) -> None:
        self._topics: dict[bytes, int] = {}
        self._lengths = _Lengths()

    def add(self, topic: bytes) -> bool:
        """Count one more; True if the topic is new."""
        c = self._topics.get(topic, 0)
        self._topics[topic] = c + 1
        if c == 0:
            self._lengths.add(len(topic))
            return True
        return False

    def remove(self, topic: bytes) -> bool:
        """Count one less; True if the topic is now gone."""
        c = self._topics.get(topic)
        if c is None:
            return False
        if c > 1:
            self._topics[topic] = c - 1
            return False
        del self._topics[topic]
        self._lengths.remove(len(topic))
        return True

    def match(self, data: Any) -> bool:
        topics = self._topics
        size = len(data)
        for n in self._lengths.sorted:
            if n > size:
                return False
            if _prefix_bytes(data, n) in topics:
                return True
        return False

    def __iter__(self) -> Iterator[bytes]:
        """Each topic once per subscription, as a resend needs them."""
        for topic, count in self._topics.items():
            for _ in range(count):
                yield topic

    def __len__(self) -> int:
        return len(self._topics)


class PipeSubscriptions:
    """Which pipes subscribed to which topics (PUB/XPUB side)."""

    __slots__ = ("_topics", "_lengths", "_by_pipe")

    def __init__(self) -> None:
        self._topics: dict[bytes, set] = {}
        self._lengths = _Lengths()
        self._by_pipe: dict[Any, set] = {}

    def add(self, topic: bytes, pipe: Any) -> bool:
        """Subscribe pipe; True if no pipe had this topic before."""
        pipes = self._topics.get(topic)
        new_topic = pipes is None
        if pipes is None:
            pipes = self._topics[topic] = set()
            self._lengths.add(len(topic))
        pipes.add(pipe)
        self._by_pipe.setdefault(pipe, set()).add(topic)
        return new_topic

    def remove(self, topic: bytes, pipe: Any) -> tuple[bool, bool]:
        """Unsubscribe pipe: (it was subscribed, no pipe has the topic now)."""
        pipes = self._topics.get(topic)
        if pipes is None or pipe not in pipes:
            return False, False
        pipes.discard(pipe)
        mine = self._by_pipe.get(pipe)
        if mine is not None:
            mine.discard(topic)
        if pipes:
            return True, False
        del self._topics[topic]
        self._lengths.remove(len(topic))
        return True, True

    def remove_pipe(self, pipe: Any, on_topic_gone: Callable[[bytes], Any] | None = None) -> None:
        # Lexicographic, as libzmq's trie walk reports them.
        for topic in sorted(self._by_pipe.pop(pipe, ())):
            pipes = self._topics.get(topic)
            if pipes is None:
                continue
            pipes.discard(pipe)
            if not pipes:
                del self._topics[topic]
                self._lengths.remove(len(topic))
                if on_topic_gone is not None:
                    on_topic_gone(topic)

    def match(self, data: Any) -> set:
        """The pipes whose topics prefix `data`."""
        topics = self._topics
        size = len(data)
        out: set = set()
        for n in self._lengths.sorted:
            if n > size:
                break
            pipes = topics.get(_prefix_bytes(data, n))
            if pipes:
                out |= pipes
        return out

    def __len__(self) -> int:
        return len(self._topics)

    def topics_of(self, pipe: Any) -> set:
        return self._by_pipe.get(pipe, set())

    def topics(self) -> list[bytes]:
        return list(self._topics)
