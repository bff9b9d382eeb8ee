"""Interoperability helpers (pyzmq's zmq.utils.interop)."""

from __future__ import annotations

from typing import Any


def cast_int_addr(n: Any) -> int:
    """An address as a Python int (purezmq has no C pointers to cast)."""
    if isinstance(n, int):
        return n
    raise ValueError(f"Cannot cast {n!r} to int")


__all__ = ["cast_int_addr"]
