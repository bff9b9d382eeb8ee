"""JSON to and from UTF-8 bytes (pyzmq's zmq.utils.jsonapi)."""

from __future__ import annotations

import json
from typing import Any

jsonmod = json  # the module in use, for code that asks


def dumps(o: Any, **kwargs: Any) -> bytes:
    """JSON-encode `o` to UTF-8 bytes; keyword arguments go to json.dumps."""
    return json.dumps(o, **kwargs).encode("utf-8")


def loads(s: bytes | str, **kwargs: Any) -> Any:
    """Decode JSON from bytes (UTF-8) or str; keyword arguments go to json.loads."""
    if isinstance(s, (bytes, bytearray, memoryview)):
        s = bytes(s).decode("utf-8")
    return json.loads(s, **kwargs)


__all__ = ["dumps", "loads"]
