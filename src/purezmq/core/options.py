"""Socket options: one declarative table.

Each row says an option's attribute name, how its value is typed, its
default, how a new value is checked, whether it can be read and written,
and which socket types accept it.  Values and errors follow libzmq 4.3
(`zmq_setsockopt(3)`): a value out of range, an option the socket type
does not know, or writing a read-only option is EINVAL.

What it does not own: what an option *does*.  Readers find the current
value as an attribute of `Options` (`sock.options.sndhwm`); options that
act at once (SUBSCRIBE, SNDHWM on live pipes...) are applied by the
socket after the table has validated them.
"""

from __future__ import annotations

import errno
from dataclasses import dataclass
from typing import Any, Callable

from ..constants import OPTION_TYPES
from ..constants import SocketOption as O
from ..constants import SocketType as T
from ..error import ZMQError


def _einval() -> ZMQError:
    return ZMQError(errno.EINVAL)


# -- validators: take the raw value, return the stored one or raise EINVAL --
def _at_least(lo: int) -> Callable[[int], int]:
    def check(v: int) -> int:
        if v < lo:
            raise _einval()
        return v
    return check


def _any_int(v: int) -> int:
    return v


def _bool(v: int) -> int:
    if v not in (0, 1):
        raise _einval()
    return v


def _flag(v: int) -> int:
    """libzmq's relaxed bool options: any non-negative value, stored 0/1."""
    if v < 0:
        raise _einval()
    return int(v != 0)


def _keepalive(v: int) -> int:
    if v not in (-1, 0, 1):
        raise _einval()
    return v


def _heartbeat_ttl(v: int) -> int:
    # Carried on the wire in deciseconds, 16 bits; libzmq rounds down.
    if v > 6553599:
        raise _einval()
    return max(0, v // 100 * 100)


def _blob(lo: int, hi: int) -> Callable[[bytes], bytes]:
    def check(v: bytes) -> bytes:
        if not lo <= len(v) <= hi:
            raise _einval()
        return bytes(v)
    return check


def _any_blob(v: bytes) -> bytes:
    return bytes(v)


def _curve_key(v: bytes) -> bytes:
    """32 raw bytes or 40 Z85 characters; stored raw."""
    v = bytes(v)
    if len(v) == 32:
        return v
    if len(v) in (40, 41):  # a trailing NUL, as C callers pass it
        from ..utils.z85 import decode
        try:
            return decode(v[:40])
        except ValueError:
            raise _einval() from None
    raise _einval()


@dataclass(frozen=True)
class Spec:
    attr: str
    kind: str  # "int" | "bytes" | "key"
    default: Any
    check: Callable[[Any], Any] | None  # None: read-only
    readable: bool = True
    types: frozenset | None = None  # None: every socket type


_ROUTERISH = frozenset({T.ROUTER, T.REP})  # libzmq's REP is a ROUTER inside
_XPUBS = frozenset({T.PUB, T.XPUB})
_SUBS = frozenset({T.SUB, T.XPUB, T.PUB})  # XPUB: manual mode only
_NOLIMIT = _at_least(-1)

TABLE: dict[int, Spec] = {
    # queues and timing
    O.SNDHWM: Spec("sndhwm", "int", 1000, _at_least(0)),
    O.RCVHWM: Spec("rcvhwm", "int", 1000, _at_least(0)),
    O.LINGER: Spec("linger", "int", -1, _NOLIMIT),
    O.RCVTIMEO: Spec("rcvtimeo", "int", -1, _NOLIMIT),
    O.SNDTIMEO: Spec("sndtimeo", "int", -1, _NOLIMIT),
    O.RECONNECT_IVL: Spec("reconnect_ivl", "int", 100, _NOLIMIT),
    O.RECONNECT_IVL_MAX: Spec("reconnect_ivl_max", "int", 0, _at_least(0)),
    O.RECONNECT_STOP: Spec("reconnect_stop", "int", 0, _at_least(0)),
    O.CONNECT_TIMEOUT: Spec("connect_timeout", "int", 0, _at_least(0)),
    O.HANDSHAKE_IVL: Spec("handshake_ivl", "int", 30000, _at_least(0)),
    O.HEARTBEAT_IVL: Spec("heartbeat_ivl", "int", 0, _at_least(0)),
    O.HEARTBEAT_TIMEOUT: Spec("heartbeat_timeout", "int", -1, _at_least(0)),
    O.HEARTBEAT_TTL: Spec("heartbeat_ttl", "int", 0, _heartbeat_ttl),
    O.BACKLOG: Spec("backlog", "int", 100, _at_least(0)),
    O.MAXMSGSIZE: Spec("maxmsgsize", "int", -1, _any_int),
    O.IMMEDIATE: Spec("immediate", "int", 0, _bool),
    O.CONFLATE: Spec("conflate", "int", 0, _bool),
    O.AFFINITY: Spec("affinity", "int", 0, _any_int),
    O.ROUTING_ID: Spec("routing_id", "bytes", b"", _blob(1, 255)),
    # transport
    O.IPV6: Spec("ipv6", "int", 0, _bool),
    O.IPV4ONLY: Spec("ipv4only", "int", 1, _bool),  # kept as not IPV6 (socket.py)
    O.SNDBUF: Spec("sndbuf", "int", -1, _NOLIMIT),
    O.RCVBUF: Spec("rcvbuf", "int", -1, _NOLIMIT),
    O.TOS: Spec("tos", "int", 0, _at_least(0)),
    O.TCP_KEEPALIVE: Spec("tcp_keepalive", "int", -1, _keepalive),
    O.TCP_KEEPALIVE_CNT: Spec("tcp_keepalive_cnt", "int", -1, _NOLIMIT),
    O.TCP_KEEPALIVE_IDLE: Spec("tcp_keepalive_idle", "int", -1, _NOLIMIT),
    O.TCP_KEEPALIVE_INTVL: Spec("tcp_keepalive_intvl", "int", -1, _NOLIMIT),
    O.TCP_MAXRT: Spec("tcp_maxrt", "int", 0, _at_least(0)),
    O.BINDTODEVICE: Spec("bindtodevice", "bytes", b"", _blob(0, 15)),
    O.USE_FD: Spec("use_fd", "int", -1, _NOLIMIT),
    O.SOCKS_PROXY: Spec("socks_proxy", "bytes", b"", _any_blob),
    O.LOOPBACK_FASTPATH: Spec("loopback_fastpath", "int", 0, _flag),
    # multicast (kept for API completeness; pgm is not a transport yet)
    O.RATE: Spec("rate", "int", 100, _at_least(1)),
    O.RECOVERY_IVL: Spec("recovery_ivl", "int", 10000, _at_least(0)),
    O.MULTICAST_HOPS: Spec("multicast_hops", "int", 1, _at_least(1)),
    O.MULTICAST_MAXTPDU: Spec("multicast_maxtpdu", "int", 1500, _at_least(1)),
    O.MULTICAST_LOOP: Spec("multicast_loop", "int", 1, _flag),
    # security
    O.ZAP_DOMAIN: Spec("zap_domain", "bytes", b"", _blob(0, 254)),
    O.ZAP_ENFORCE_DOMAIN: Spec("zap_enforce_domain", "int", 0, _flag),
    O.PLAIN_SERVER: Spec("plain_server", "int", 0, _bool),
    O.PLAIN_USERNAME: Spec("plain_username", "bytes", b"", _blob(0, 255)),
    O.PLAIN_PASSWORD: Spec("plain_password", "bytes", b"", _blob(0, 255)),
    O.CURVE_SERVER: Spec("curve_server", "int", 0, _bool),
    O.CURVE_PUBLICKEY: Spec("curve_publickey", "key", b"", _curve_key),
    O.CURVE_SECRETKEY: Spec("curve_secretkey", "key", b"", _curve_key),
    O.CURVE_SERVERKEY: Spec("curve_serverkey", "key", b"", _curve_key),
    # pattern-specific
    O.SUBSCRIBE: Spec("subscribe", "bytes", None, _any_blob, False, _SUBS),
    O.UNSUBSCRIBE: Spec("unsubscribe", "bytes", None, _any_blob, False, _SUBS),
    O.INVERT_MATCHING: Spec("invert_matching", "int", 0, _flag),
    O.XPUB_VERBOSE: Spec("xpub_verbose", "int", 0, _flag, False, _XPUBS),
    O.XPUB_VERBOSER: Spec("xpub_verboser", "int", 0, _flag, False, _XPUBS),
    O.XPUB_NODROP: Spec("xpub_nodrop", "int", 0, _flag, False, _XPUBS),
    O.XPUB_MANUAL: Spec("xpub_manual", "int", 0, _flag, False, _XPUBS),
    O.XPUB_WELCOME_MSG: Spec("xpub_welcome_msg", "bytes", b"", _any_blob, False, _XPUBS),
    O.ROUTER_MANDATORY: Spec("router_mandatory", "int", 0, _flag, False, _ROUTERISH),
    O.ROUTER_HANDOVER: Spec("router_handover", "int", 0, _flag, False, _ROUTERISH),
    O.ROUTER_RAW: Spec("router_raw", "int", 0, _flag, False, _ROUTERISH),
    O.CONNECT_ROUTING_ID: Spec("connect_routing_id", "bytes", b"", _blob(1, 255), False,
                               frozenset({T.ROUTER, T.REP, T.STREAM})),
    O.PROBE_ROUTER: Spec("probe_router", "int", 0, _flag, False,
                         frozenset({T.ROUTER, T.REP, T.DEALER, T.REQ})),
    O.REQ_CORRELATE: Spec("req_correlate", "int", 0, _flag, False, frozenset({T.REQ})),
    O.REQ_RELAXED: Spec("req_relaxed", "int", 0, _flag, False, frozenset({T.REQ})),
    O.STREAM_NOTIFY: Spec("stream_notify", "int", 1, _bool, False, frozenset({T.STREAM})),
    # read-only state
    O.TYPE: Spec("type", "int", 0, None),
    O.RCVMORE: Spec("rcvmore", "int", 0, None),
    O.EVENTS: Spec("events", "int", 0, None),
    O.FD: Spec("fd", "int", -1, None),
    O.LAST_ENDPOINT: Spec("last_endpoint", "bytes", b"", None),
    O.MECHANISM: Spec("mechanism", "int", 0, None),
    O.THREAD_SAFE: Spec("thread_safe", "int", 0, None),
}

# Aliases pyzmq users still write; libzmq gives them the same numbers, but
# HWM is special: it sets both SNDHWM and RCVHWM.
HWM_OPTION = 1


class Options:
    """The current option values of one socket, as plain attributes."""

    def __init__(self, socket_type: int) -> None:
        for spec in TABLE.values():
            setattr(self, spec.attr, spec.default)
        self.type = int(socket_type)

    def copy(self) -> "Options":
        new = Options.__new__(Options)
        new.__dict__.update(self.__dict__)
        return new


def spec_for(option: int, socket_type: int, write: bool) -> Spec:
    """The table row for `option` on this socket type, or raise EINVAL."""
    spec = TABLE.get(option)
    if spec is None:
        raise _einval()
    if spec.types is not None and socket_type not in spec.types:
        raise _einval()
    if write and spec.check is None:
        raise _einval()
    if not write and not spec.readable:
        raise _einval()
    return spec


def check_type(option: int, value: Any) -> Any:
    """pyzmq's conversion for the option's C type, before libzmq sees it.

    int options are C ints (OverflowError past 32 bits), int64 ones 64-bit;
    bytes options refuse str (TypeError).  An option nobody knows passes
    through and gets EINVAL afterwards.
    """
    kind = OPTION_TYPES.get(option)
    if kind in ("int", "int64", "fd"):
        if isinstance(value, bool):
            value = int(value)
        if not isinstance(value, int):
            raise TypeError(f"expected int, got: {value!r}")
        bits = 63 if kind == "int64" else 31
        if not -(1 << bits) <= value < (1 << bits):
            raise OverflowError("value too large to convert to int")
    elif kind == "bytes":
        if isinstance(value, str):
            raise TypeError("unicode not allowed, use setsockopt_string")
        try:
            value = memoryview(value).tobytes()
        except TypeError:
            raise TypeError(f"expected bytes, got: {value!r}") from None
    return value


def coerce(spec: Spec, value: Any) -> Any:
    """Range-check a value already converted by check_type, as libzmq does."""
    if spec.kind == "int" and not isinstance(value, int):
        raise TypeError(f"expected int, got: {value!r}")
    if spec.kind != "int" and not isinstance(value, bytes):
        value = check_type(-1, value) if isinstance(value, str) else bytes(value)
    assert spec.check is not None
    return spec.check(value)
