"""Distributor: copy one message to many pipes (PUB, XPUB, XSUB upstream).

libzmq's dist_t.  A pipe at its high-water mark simply misses the message
(PUB never blocks), unless the caller asked first with `all_writable`
(XPUB_NODROP).  Frames are immutable bytes, so every pipe shares the same
message object: fan-out costs no copy.
"""

from __future__ import annotations

from typing import Any, Iterable


class Distributor:
    __slots__ = ("pipes",)

    def __init__(self) -> None:
        self.pipes: list = []

    def attach(self, pipe: Any) -> None:
        self.pipes.append(pipe)

    def terminated(self, pipe: Any) -> None:
        try:
            self.pipes.remove(pipe)
        except ValueError:
            pass

    def send_to_all(self, msg: Any) -> None:
        for pipe in self.pipes:
            pipe.write(msg)

    @staticmethod
    def send_to(pipes: Iterable, msg: Any) -> None:
        for pipe in pipes:
            pipe.write(msg)

    @staticmethod
    def all_writable(pipes: Iterable) -> bool:
        return all(p.check_write() for p in pipes)

    def __len__(self) -> int:
        return len(self.pipes)
