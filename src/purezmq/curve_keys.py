"""CURVE key pairs in libzmq's Z85 text form (zmq_curve_keypair/public).

Keys are X25519 (RFC 7748).  PyNaCl (libsodium) computes them when it is
installed; otherwise a plain Python Montgomery ladder does, which is slow
(milliseconds) but needs nothing: generating or checking keys must not
require the crypto library that only the CURVE mechanism itself needs.
"""

from __future__ import annotations

import os

from .error import ZMQError
from .utils import z85

_P = 2**255 - 19
_A24 = 121665
_BASE = (9).to_bytes(32, "little")


def _clamp(secret: bytes) -> int:
    k = bytearray(secret)
    k[0] &= 248
    k[31] &= 127
    k[31] |= 64
    return int.from_bytes(k, "little")


def _x25519(secret: bytes, u: bytes) -> bytes:
    """RFC 7748 section 5: the scalar `secret` times the point `u`."""
    k = _clamp(secret)
    x1 = int.from_bytes(u, "little") & ((1 << 255) - 1)
    x2, z2, x3, z3 = 1, 0, x1, 1
    swap = 0
    for t in range(254, -1, -1):
        bit = (k >> t) & 1
        if swap ^ bit:
            x2, x3, z2, z3 = x3, x2, z3, z2
        swap = bit
        a, b = x2 + z2, x2 - z2
        aa, bb = a * a % _P, b * b % _P
        e = aa - bb
        c, d = x3 + z3, x3 - z3
        da, cb = d * a % _P, c * b % _P
        x3 = (da + cb) ** 2 % _P
        z3 = x1 * (da - cb) ** 2 % _P
        x2 = aa * bb % _P
        z2 = e * (aa + _A24 * e) % _P
    if swap:
        x2, z2 = x3, z3
    return (x2 * pow(z2, _P - 2, _P) % _P).to_bytes(32, "little")


def _public_of(secret: bytes) -> bytes:
    try:
        from nacl.bindings import crypto_scalarmult_base
    except ImportError:
        return _x25519(secret, _BASE)
    return crypto_scalarmult_base(secret)


def curve_keypair() -> tuple[bytes, bytes]:
    """A new (public, secret) key pair, each 40 bytes of Z85."""
    secret = os.urandom(32)
    return z85.encode(_public_of(secret)), z85.encode(secret)


def curve_public(secret_key: bytes | str) -> bytes:
    """The Z85 public key of a Z85 secret key."""
    if isinstance(secret_key, str):
        secret_key = secret_key.encode("ascii")
    if len(secret_key) != 40:
        raise ZMQError(22)  # EINVAL, as zmq_curve_public
    try:
        secret = z85.decode(secret_key)
    except (ValueError, KeyError, IndexError):
        raise ZMQError(22) from None
    return z85.encode(_public_of(secret))


__all__ = ["curve_keypair", "curve_public"]
