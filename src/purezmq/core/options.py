"""Socket options: one declarative table.

Each row says an option's attribute name, its default, how a new value is
checked, whether it can be read and written, and which socket types accept
it.  Values and errors follow libzmq 4.3.5 as pyzmq calls it: an int option
always gets a C int (int64 for AFFINITY/MAXMSGSIZE), a bytes option a
non-NULL buffer, so an empty value is "empty", never "NULL/reset".  A value
out of range, an option the socket type does not know, or writing a
read-only option is EINVAL.  Options that need a libzmq build flag this
purezmq does not emulate (GSSAPI, VMCI, NORM, WSS) and the DRAFT-only ones
are not in the table: libzmq 4.3.5 without DRAFT rejects them too.

What it does not own: what an option *does*.  Readers find the current
value as an attribute of `Options` (`sock.options.sndhwm`); options that
act at once (SUBSCRIBE, SNDHWM on live pipes...) are applied by the
socket after the table has validated them.  A few attributes are
properties because libzmq ties options together (the security mechanism,
XPUB_MANUAL_LAST_VALUE) or because a write adds to a list (filters,
METADATA).
"""

from __future__ import annotations

import errno
import socket as _socket
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

from ..constants import OPTION_TYPES
from ..constants import SecurityMechanism as M
from ..constants import SocketOption as O
from ..constants import SocketType as T
from ..error import ZMQError

_UNBOUNDED = sys.maxsize


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
    """libzmq's strict bools: 0 or 1 only."""
    if v not in (0, 1):
        raise _einval()
    return v


def _flag(v: int) -> int:
    """The per-socket-type bools (ROUTER_*, XPUB_*, REQ_*): any value >= 0."""
    if v < 0:
        raise _einval()
    return int(v != 0)


def _relaxed(v: int) -> int:
    """libzmq's relaxed bools: any int, stored as 0/1."""
    return int(v != 0)


def _keepalive(v: int) -> int:
    if v not in (-1, 0, 1):
        raise _einval()
    return v


def _heartbeat_ttl(v: int) -> int:
    # Carried on the wire in deciseconds, 16 bits.  libzmq divides first
    # (C division truncates toward zero: -99 ms is 0), then range-checks.
    ds = abs(v) // 100 * (1 if v >= 0 else -1)
    if not 0 <= ds <= 0xFFFF:
        raise _einval()
    return ds * 100


def _blob(lo: int, hi: int = _UNBOUNDED) -> Callable[[bytes], bytes]:
    def check(v: bytes) -> bytes:
        if not lo <= len(v) <= hi:
            raise _einval()
        return v
    return check


def _curve_key(v: bytes) -> bytes:
    """32 raw bytes, or 40 Z85 characters (41 with a C string's NUL)."""
    if len(v) == 32:
        return v
    if len(v) == 41 and v[40] == 0:
        v = v[:40]
    if len(v) == 40:
        from ..utils.z85 import decode
        try:
            return decode(v)
        except ValueError:
            pass
    raise _einval()


def _metadata(v: bytes) -> tuple[bytes, bytes]:
    """"X-name:value", as (name, value).  libzmq takes any 4-byte value for
    an int and refuses it here, whatever its content."""
    pos = v.find(b":")
    if len(v) == 4 or pos <= 0 or pos == len(v) - 1:
        raise _einval()
    name = v[:pos]
    if not name.startswith(b"X-") or len(name) > 255:
        raise _einval()
    return name, v[pos + 1:]


def _accept_filter_ok(text: bytes, ipv6: bool) -> bool:
    """An address[/mask] for TCP_ACCEPT_FILTER: a numeric IP of the family
    IPV6 selects (IPv6 sockets take IPv4 as mapped addresses)."""
    s = text.split(b"\0", 1)[0].decode("latin-1")  # libzmq reads a C string
    addr, slash, mask = s.rpartition("/") if "/" in s else (s, "", "")
    if slash and not mask:
        return False
    if len(addr) >= 2 and addr[0] == "[" and addr[-1] == "]":
        addr = addr[1:-1]
    if "%" in addr:  # IPv6 zone: an interface name or number
        addr, _, zone = addr.rpartition("%")
        if not zone:
            return False
        try:
            zone_id = _socket.if_nametoindex(zone) if zone[0].isalpha() else _c_atoi(zone)
        except OSError:
            zone_id = 0
        if zone_id == 0:
            return False
    family = _socket.AF_INET6 if ipv6 else _socket.AF_INET
    flags = _socket.AI_NUMERICHOST | (getattr(_socket, "AI_V4MAPPED", 0) if ipv6 else 0)
    try:
        _socket.getaddrinfo(addr, None, family, _socket.SOCK_STREAM, 0, flags)
    except (OSError, UnicodeError, ValueError):
        return False
    if mask in ("", "0"):
        return True
    return 1 <= _c_atoi(mask) <= (128 if ipv6 else 32)


def _c_atoi(s: str) -> int:
    """C's atoi/strtol: optional blanks and sign, then leading digits."""
    s = s.lstrip(" \t\n\r\f\v")
    sign = -1 if s[:1] == "-" else 1
    s = s[1:] if s[:1] in "+-" else s
    digits = len(s) - len(s.lstrip("0123456789"))
    return sign * int(s[:digits]) if digits else 0


@dataclass(frozen=True)
class Spec:
    attr: str
    default: Any
    check: Callable[[Any], Any] | None  # None: read-only
    readable: bool = True
    types: frozenset | None = None  # None: every socket type


# Which socket types take a pattern option.  libzmq's REP is a ROUTER and
# REQ a DEALER inside; PUB is an XPUB, but SUB refuses all XSUB options.
_ROUTERS = frozenset({T.ROUTER, T.REP})
_PROBERS = frozenset({T.ROUTER, T.REP, T.DEALER, T.REQ})
_XPUBS = frozenset({T.PUB, T.XPUB})
_SUBS = frozenset({T.SUB, T.XPUB, T.PUB})  # XPUB/PUB: manual mode only
_TOPICS = frozenset({T.PUB, T.SUB, T.XPUB, T.XSUB})
_NOLIMIT = _at_least(-1)
_WO: dict[str, Any] = {"readable": False}  # write-only: libzmq has no getter for it

# Which security options take effect here: ipc peer filters need the
# credentials a Unix socket can report (the PID only on Linux).
_PEERCRED = sys.platform != "win32"
_PEERCRED_PID = sys.platform.startswith("linux")

TABLE: dict[int, Spec] = {
    # queues and timing
    O.SNDHWM: Spec("sndhwm", 1000, _at_least(0)),
    O.RCVHWM: Spec("rcvhwm", 1000, _at_least(0)),
    O.LINGER: Spec("linger", -1, _NOLIMIT),
    O.RCVTIMEO: Spec("rcvtimeo", -1, _NOLIMIT),
    O.SNDTIMEO: Spec("sndtimeo", -1, _NOLIMIT),
    O.RECONNECT_IVL: Spec("reconnect_ivl", 100, _NOLIMIT),
    O.RECONNECT_IVL_MAX: Spec("reconnect_ivl_max", 0, _at_least(0)),
    O.RECONNECT_STOP: Spec("reconnect_stop", 0, _any_int),  # a bit mask
    O.CONNECT_TIMEOUT: Spec("connect_timeout", 0, _at_least(0)),
    O.HANDSHAKE_IVL: Spec("handshake_ivl", 30000, _at_least(0)),
    O.HEARTBEAT_IVL: Spec("heartbeat_ivl", 0, _at_least(0)),
    O.HEARTBEAT_TIMEOUT: Spec("heartbeat_timeout", -1, _at_least(0)),
    O.HEARTBEAT_TTL: Spec("heartbeat_ttl", 0, _heartbeat_ttl),
    O.BACKLOG: Spec("backlog", 100, _at_least(0)),
    O.MAXMSGSIZE: Spec("maxmsgsize", -1, _any_int),
    O.IMMEDIATE: Spec("immediate", 0, _bool),
    O.CONFLATE: Spec("conflate", 0, _bool),
    O.AFFINITY: Spec("affinity", 0, _any_int),
    O.ROUTING_ID: Spec("routing_id", b"", _blob(1, 255)),
    # transport
    O.IPV6: Spec("ipv6", 0, _bool),
    O.IPV4ONLY: Spec("ipv4only", 1, _bool),  # kept as not IPV6 (socket.py)
    O.SNDBUF: Spec("sndbuf", -1, _NOLIMIT),
    O.RCVBUF: Spec("rcvbuf", -1, _NOLIMIT),
    O.TOS: Spec("tos", 0, _at_least(0)),
    O.TCP_KEEPALIVE: Spec("tcp_keepalive", -1, _keepalive),
    O.TCP_KEEPALIVE_CNT: Spec("tcp_keepalive_cnt", -1, _NOLIMIT),
    O.TCP_KEEPALIVE_IDLE: Spec("tcp_keepalive_idle", -1, _NOLIMIT),
    O.TCP_KEEPALIVE_INTVL: Spec("tcp_keepalive_intvl", -1, _NOLIMIT),
    O.TCP_MAXRT: Spec("tcp_maxrt", 0, _at_least(0)),
    O.TCP_ACCEPT_FILTER: Spec("tcp_accept_filter", b"", _blob(1, 255), **_WO),
    O.BINDTODEVICE: Spec("bindtodevice", b"", _blob(1, 16)),  # IFNAMSIZ
    O.USE_FD: Spec("use_fd", -1, _NOLIMIT),
    O.SOCKS_PROXY: Spec("socks_proxy", b"", _blob(1)),
    O.SOCKS_USERNAME: Spec("socks_username", b"", _blob(0, 255)),  # empty: none
    O.SOCKS_PASSWORD: Spec("socks_password", b"", _blob(0, 255)),
    O.LOOPBACK_FASTPATH: Spec("loopback_fastpath", 0, _relaxed),
    O.METADATA: Spec("metadata_item", b"", _metadata, **_WO),
    # multicast (kept for API completeness; pgm is not a transport yet)
    O.RATE: Spec("rate", 100, _at_least(1)),
    O.RECOVERY_IVL: Spec("recovery_ivl", 10000, _at_least(0)),
    O.MULTICAST_HOPS: Spec("multicast_hops", 1, _at_least(1)),
    O.MULTICAST_MAXTPDU: Spec("multicast_maxtpdu", 1500, _at_least(1)),
    O.MULTICAST_LOOP: Spec("multicast_loop", 1, _relaxed),
    # security; the writes also choose the mechanism (see Options)
    O.ZAP_DOMAIN: Spec("zap_domain", b"", _blob(1, 255)),
    O.ZAP_ENFORCE_DOMAIN: Spec("zap_enforce_domain", 0, _relaxed),
    O.PLAIN_SERVER: Spec("plain_server", 0, _bool),
    O.PLAIN_USERNAME: Spec("plain_username", b"", _blob(1, 255)),
    O.PLAIN_PASSWORD: Spec("plain_password", b"", _blob(1, 255)),
    O.CURVE_SERVER: Spec("curve_server", 0, _bool),
    # libzmq hands keys out only into a 32- or 41-byte buffer; pyzmq always
    # offers 255 bytes, so reading them is EINVAL there: write-only here.
    O.CURVE_PUBLICKEY: Spec("curve_publickey", b"", _curve_key, **_WO),
    O.CURVE_SECRETKEY: Spec("curve_secretkey", b"", _curve_key, **_WO),
    O.CURVE_SERVERKEY: Spec("curve_serverkey", b"", _curve_key, **_WO),
    # pattern-specific
    O.SUBSCRIBE: Spec("subscribe", None, _blob(0), False, _SUBS),
    O.UNSUBSCRIBE: Spec("unsubscribe", None, _blob(0), False, _SUBS),
    O.INVERT_MATCHING: Spec("invert_matching", 0, _relaxed),
    O.XPUB_VERBOSE: Spec("xpub_verbose", 0, _flag, False, _XPUBS),
    O.XPUB_VERBOSER: Spec("xpub_verboser", 0, _flag, False, _XPUBS),
    O.XPUB_NODROP: Spec("xpub_nodrop", 0, _flag, False, _XPUBS),
    O.XPUB_MANUAL: Spec("xpub_manual", 0, _flag, False, _XPUBS),
    O.XPUB_MANUAL_LAST_VALUE: Spec("xpub_manual_last_value", 0, _flag, False, _XPUBS),
    O.XPUB_WELCOME_MSG: Spec("xpub_welcome_msg", b"", _blob(0), False, _XPUBS),
    O.ONLY_FIRST_SUBSCRIBE: Spec("only_first_subscribe", 0, _flag, False,
                                 frozenset({T.PUB, T.XPUB, T.XSUB})),
    O.ROUTER_MANDATORY: Spec("router_mandatory", 0, _flag, False, _ROUTERS),
    O.ROUTER_HANDOVER: Spec("router_handover", 0, _flag, False, _ROUTERS),
    O.ROUTER_RAW: Spec("router_raw", 0, _flag, False, _ROUTERS),
    O.CONNECT_ROUTING_ID: Spec("connect_routing_id", b"", _blob(1), False,
                               frozenset({T.ROUTER, T.REP, T.STREAM})),
    O.PROBE_ROUTER: Spec("probe_router", 0, _flag, False, _PROBERS),
    O.REQ_CORRELATE: Spec("req_correlate", 0, _flag, False, frozenset({T.REQ})),
    O.REQ_RELAXED: Spec("req_relaxed", 0, _flag, False, frozenset({T.REQ})),
    O.STREAM_NOTIFY: Spec("stream_notify", 1, _bool, False, frozenset({T.STREAM})),
    # read-only state (EVENTS, FD, RCVMORE are answered live by the socket)
    O.TYPE: Spec("type", 0, None),
    O.RCVMORE: Spec("rcvmore", 0, None),
    O.EVENTS: Spec("events", 0, None),
    O.FD: Spec("fd", -1, None),
    O.LAST_ENDPOINT: Spec("last_endpoint", b"", None),
    O.MECHANISM: Spec("mechanism", M.NULL, None),
    O.THREAD_SAFE: Spec("thread_safe", 0, None),
    O.TOPICS_COUNT: Spec("topics_count", 0, None, types=_TOPICS),
}
if _PEERCRED:  # a filter adds one id to the accepted set
    TABLE[O.IPC_FILTER_UID] = Spec("ipc_filter_uid", 0, _any_int, **_WO)
    TABLE[O.IPC_FILTER_GID] = Spec("ipc_filter_gid", 0, _any_int, **_WO)
if _PEERCRED_PID:
    TABLE[O.IPC_FILTER_PID] = Spec("ipc_filter_pid", 0, _any_int, **_WO)

# Aliases pyzmq users still write; libzmq gives them the same numbers, but
# HWM is special: it sets both SNDHWM and RCVHWM.


def _mechanism_option(attr: str, mechanism: int, client: bool) -> property:
    """A credential: setting it selects `mechanism` (as a client, if so)."""
    private = "_" + attr

    def get(self: "Options") -> Any:
        return getattr(self, private)

    def set(self: "Options", value: Any) -> None:
        setattr(self, private, value)
        self.mechanism = mechanism
        if client:
            self.as_server = 0

    return property(get, set)


def _server_option(mechanism: int) -> property:
    """PLAIN_SERVER / CURVE_SERVER: 1 selects the mechanism as a server,
    0 falls back to NULL; each reads 1 only while its mechanism is on."""
    def get(self: "Options") -> int:
        return int(bool(self.as_server) and self.mechanism == mechanism)

    def set(self: "Options", value: int) -> None:
        self.as_server = value
        self.mechanism = mechanism if value else M.NULL

    return property(get, set)


def _adder(collection: str, add: Callable[[Any, Any, Any], None]) -> property:
    """A write-only option where each write adds to a collection."""
    def set(self: "Options", value: Any) -> None:
        add(self, getattr(self, collection), value)

    return property(None, set)


def _add_accept_filter(opts: "Options", filters: list, value: bytes) -> None:
    if not _accept_filter_ok(value, bool(opts.ipv6)):
        raise _einval()
    filters.append(value)


class Options:
    """The current option values of one socket, as plain attributes.

    Beyond the table: `mechanism` and `as_server` (what the handshake
    uses), `tcp_accept_filters`, `ipc_filter_uids/gids/pids` and
    `metadata` (the application's "X-" properties, first value wins).
    """

    plain_server = _server_option(M.PLAIN)
    curve_server = _server_option(M.CURVE)
    plain_username = _mechanism_option("plain_username", M.PLAIN, True)
    plain_password = _mechanism_option("plain_password", M.PLAIN, True)
    # Keys are stored raw; b"" means "not set" (libzmq: all zeros).
    curve_publickey = _mechanism_option("curve_publickey", M.CURVE, False)
    curve_secretkey = _mechanism_option("curve_secretkey", M.CURVE, False)
    curve_serverkey = _mechanism_option("curve_serverkey", M.CURVE, True)

    tcp_accept_filter = _adder("tcp_accept_filters", _add_accept_filter)
    ipc_filter_uid = _adder("ipc_filter_uids", lambda o, s, v: s.add(v))
    ipc_filter_gid = _adder("ipc_filter_gids", lambda o, s, v: s.add(v))
    ipc_filter_pid = _adder("ipc_filter_pids", lambda o, s, v: s.add(v))
    metadata_item = _adder("metadata", lambda o, d, v: d.setdefault(*v))

    @property
    def xpub_manual_last_value(self) -> int:
        return self._xpub_manual_last_value

    @xpub_manual_last_value.setter
    def xpub_manual_last_value(self, value: int) -> None:
        # Manual mode that also sends the last subscriber's messages only
        # to it; libzmq turns XPUB_MANUAL on or off with it.
        self._xpub_manual_last_value = value
        self.xpub_manual = value

    if TYPE_CHECKING:
        # Every TABLE row's attribute is set in __init__ from the table.
        def __getattr__(self, name: str) -> Any: ...

    def __init__(self, socket_type: int) -> None:
        self.mechanism: int = M.NULL
        self.as_server = 0
        self.tcp_accept_filters: list = []
        self.ipc_filter_uids: set = set()
        self.ipc_filter_gids: set = set()
        self.ipc_filter_pids: set = set()
        self.metadata: dict = {}
        cls = type(self)
        for spec in TABLE.values():
            prop = cls.__dict__.get(spec.attr)
            if isinstance(prop, property):
                private = "_" + spec.attr
                if prop.fget is not None and not hasattr(self, private):
                    setattr(self, private, spec.default)
            else:
                setattr(self, spec.attr, spec.default)
        self.type = int(socket_type)

    def copy(self) -> "Options":
        new = Options.__new__(Options)
        new.__dict__.update(self.__dict__)
        for name in ("tcp_accept_filters", "ipc_filter_uids", "ipc_filter_gids",
                     "ipc_filter_pids", "metadata"):
            setattr(new, name, getattr(self, name).copy())
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
    bytes options take bytes only (TypeError otherwise, str included).  An
    option pyzmq does not know is passed as an int.
    """
    kind = OPTION_TYPES.get(option, "int")
    if kind == "bytes":
        if isinstance(value, str):
            raise TypeError("unicode not allowed, use setsockopt_string")
        if not isinstance(value, bytes):
            raise TypeError(f"expected bytes, got: {value!r}")
        return bytes(value)
    if isinstance(value, str):
        raise TypeError("unicode not allowed, use setsockopt_string")
    if not isinstance(value, int):
        raise TypeError(f"expected int, got: {value!r}")
    bits = 63 if kind == "int64" else 31
    if not -(1 << bits) <= value < (1 << bits):
        raise OverflowError("value too large to convert to int")
    return int(value)


def coerce(spec: Spec, value: Any) -> Any:
    """Range-check a value already converted by check_type, as libzmq does."""
    assert spec.check is not None
    return spec.check(value)
