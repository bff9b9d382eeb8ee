"""Z85 (ZeroMQ RFC 32): the printable encoding of binary keys.

`encode` takes a length divisible by 4, `decode` one divisible by 5;
anything else is a ValueError, as in pyzmq's zmq.utils.z85.
"""

from __future__ import annotations

import struct

_ALPHABET = (b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
             b".-:+=^!/*?&<>()[]{}@%$#")
_DECODE = {c: i for i, c in enumerate(_ALPHABET)}
_85 = (85 ** 4, 85 ** 3, 85 ** 2, 85, 1)


def encode(rawbytes: bytes) -> bytes:
    """Binary -> Z85 text (bytes)."""
    raw = bytes(rawbytes)
    if len(raw) % 4:
        raise ValueError("length must be multiple of 4, not %i" % len(raw))
    out = bytearray()
    for (value,) in struct.iter_unpack(">I", raw):
        for divisor in _85:
            out.append(_ALPHABET[(value // divisor) % 85])
    return bytes(out)


def decode(z85bytes: bytes | str) -> bytes:
    """Z85 text -> binary."""
    if isinstance(z85bytes, str):
        try:
            z85bytes = z85bytes.encode("ascii")
        except UnicodeEncodeError:
            raise ValueError("string argument should contain only ASCII characters") from None
    data = bytes(z85bytes)
    if len(data) % 5:
        raise ValueError("Z85 length must be multiple of 5, not %i" % len(data))
    out = bytearray()
    for i in range(0, len(data), 5):
        value = 0
        for c in data[i:i + 5]:
            digit = _DECODE.get(c)
            if digit is None:
                raise ValueError(f"invalid Z85 character {chr(c)!r}")
            value = value * 85 + digit
        if value > 0xFFFFFFFF:
            raise ValueError("Z85 group out of range")
        out += struct.pack(">I", value)
    return bytes(out)
