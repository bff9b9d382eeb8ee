"""An array of pipes split into an active prefix and an inactive tail.

libzmq's array_t in spirit: positions live in a dict so that activating,
deactivating and removing a pipe are O(1) even with ten thousand peers.
The load balancer and the fair queue are both built on it.
"""

from __future__ import annotations

from typing import Any


class ActiveArray:
    __slots__ = ("items", "pos", "active")

    def __init__(self) -> None:
        self.items: list = []
        self.pos: dict = {}
        self.active = 0

    def __len__(self) -> int:
        return len(self.items)

    def __contains__(self, item: Any) -> bool:
        return item in self.pos

    def _swap(self, i: int, j: int) -> None:
        items = self.items
        if i == j:
            return
        a, b = items[i], items[j]
        items[i], items[j] = b, a
        self.pos[b] = i
        self.pos[a] = j

    def add(self, item: Any, active: bool = True) -> None:
        if item in self.pos:
            return
        self.pos[item] = len(self.items)
        self.items.append(item)
        if active:
            self._swap(self.active, len(self.items) - 1)
            self.active += 1

    def activate(self, item: Any) -> bool:
        i = self.pos.get(item)
        active = self.active
        if i is None or i < active:
            return False
        if i != active:
            self._swap(active, i)
        self.active = active + 1
        return True

    def deactivate(self, item: Any) -> None:
        i = self.pos.get(item)
        active = self.active - 1
        if i is None or i > active:
            return
        self.active = active
        if i != active:
            self._swap(i, active)

    def remove(self, item: Any) -> None:
        i = self.pos.get(item)
        if i is None:
            return
        if i < self.active:
            self.active -= 1
            self._swap(i, self.active)
            i = self.active
        last = len(self.items) - 1
        self._swap(i, last)
        self.items.pop()
        del self.pos[item]


class Rotation:
    """A rotating cursor over an ActiveArray: the part lb and fq share."""

    __slots__ = ("_arr", "_current")

    def __init__(self) -> None:
        self._arr = ActiveArray()
        self._current = 0

    def attach(self, pipe: Any) -> None:
        self._arr.add(pipe, active=True)

    def activated(self, pipe: Any) -> None:
        arr = self._arr
        if len(arr.items) == 1:  # one peer: no order to keep, no swap
            if arr.items[0] is pipe:
                arr.active = 1
            return
        arr.activate(pipe)

    def terminated(self, pipe: Any) -> None:
        arr = self._arr
        arr.remove(pipe)
        if self._current >= arr.active:
            self._current = 0

    def has_active(self) -> bool:
        return self._arr.active > 0

    def _deactivate(self, pipe: Any) -> None:
        arr = self._arr
        if len(arr.items) == 1:
            arr.active = 0
        else:
            arr.deactivate(pipe)
        if self._current >= arr.active:
            self._current = 0

    def __len__(self) -> int:
        return len(self._arr)
