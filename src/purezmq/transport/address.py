"""Endpoint strings: parsing, resolution and LAST_ENDPOINT formatting.

This module owns the textual side of endpoints (``transport://address``)
and turns them into what the ``socket`` module needs, following libzmq
4.3.5 rule for rule, including its errno for every bad case.  It performs
no I/O besides name resolution (``getaddrinfo``), interface lookup
(``getifaddrs``) and, for ``ipc://*`` only, creating the private temporary
directory that libzmq creates.  It knows nothing of ZMTP, sockets or
patterns.

What the socket layer must know to behave like libzmq:

* ``bind``: ``parse_endpoint`` then, for tcp, ``resolve_tcp_bind``; create
  a socket of the returned family, and if it is ``AF_INET6`` clear
  ``IPV6_V6ONLY`` (libzmq does it for every IPv6 socket, bind and
  connect, so ``tcp://*:port`` with ZMQ_IPV6 is dual-stack); set
  ``SO_REUSEADDR``; bind; listen.  Errors of ``bind()``/``listen()``
  themselves (EADDRINUSE, EADDRNOTAVAIL, EACCES, EINVAL for a link-local
  address without zone...) are the syscall's errno.  LAST_ENDPOINT is
  ``format_tcp_endpoint(family, sock.getsockname())``.
* ``connect``: libzmq only checks tcp syntax synchronously
  (``check_tcp_connect_address``, EINVAL) and resolves later, at each
  (re)connection attempt, in its I/O thread (``resolve_tcp_connect``).
  So ``connect("tcp://no.such.host:5555")`` *succeeds*; the failure only
  shows as retries.  LAST_ENDPOINT after a tcp connect is the endpoint
  string as given.  If a source address is given, bind to it with
  ``SO_REUSEADDR`` before connecting.
* If ZMQ_IPV6 is set but ``socket(AF_INET6, ...)`` fails with
  EAFNOSUPPORT, libzmq resolves again with ``ipv6=False`` and retries.
* ipc ``bind``: if ``is_ipc_wildcard(address)`` use
  ``new_ipc_wildcard_path()`` (and remove its directory when the listener
  closes, or if binding fails); unlink a stale file at the path, then
  bind to ``resolve_ipc(path)``.  ipc ``connect`` resolves synchronously.
* inproc: the name is any non-empty string (``validate_inproc``).

C strings: libzmq sees the endpoint as a NUL-terminated C string, so
everything from the first NUL on is ignored; ``parse_endpoint`` does the
same.  Rebuild the canonical endpoint as ``f"{transport}://{address}"``.
"""

from __future__ import annotations

import ctypes
import errno
import os
import secrets
import socket
import string
import sys
import time
from typing import Optional, Tuple, Union

from ..error import ZMQError

try:
    from ..constants import ENOCOMPATPROTO as _ENOCOMPATPROTO
except ImportError:  # pragma: no cover - constants not importable
    _ENOCOMPATPROTO = 156384712 + 52  # type: ignore[assignment]

__all__ = [
    "SUPPORTED_TRANSPORTS",
    "ENOCOMPATPROTO",
    "IPC_PATH_MAX",
    "parse_endpoint",
    "resolve_tcp_bind",
    "check_tcp_connect_address",
    "resolve_tcp_connect",
    "format_tcp_endpoint",
    "resolve_ipc",
    "is_ipc_wildcard",
    "new_ipc_wildcard_path",
    "format_ipc_endpoint",
    "validate_inproc",
]

#: Transports purezmq implements.
SUPPORTED_TRANSPORTS = ("tcp", "ipc", "inproc")

#: libzmq's own errno for "transport not compatible with socket type"
#: (ZMQ_HAUSNUMERO + 52), used for udp://, which libzmq knows but allows
#: only for the draft RADIO/DISH/DGRAM socket types.
ENOCOMPATPROTO: int = int(_ENOCOMPATPROTO)

#: sizeof(sockaddr_un.sun_path): a path of this many bytes or more is
#: ENAMETOOLONG (libzmq keeps room for the terminating NUL, also for
#: abstract names).
_BSD_SOCKADDR = sys.platform == "darwin" or "bsd" in sys.platform \
    or sys.platform.startswith("dragonfly")
IPC_PATH_MAX = 104 if _BSD_SOCKADDR else 108

Sockaddr = tuple
IpcAddress = Union[str, bytes]

_ASCII_ALNUM = frozenset(string.ascii_letters + string.digits)
_ASCII_DIGITS = frozenset(string.digits)
_C_SPACE = " \t\n\v\f\r"
# Characters libzmq's connect-time sanity check lets through after the
# first one (the first must be alphanumeric, '[' or ':').
_CONNECT_CHARS = _ASCII_ALNUM | frozenset(".-:%;[]_*")

_LONG_BITS = ctypes.sizeof(ctypes.c_long) * 8


# ---------------------------------------------------------------------------
# Endpoint strings
# ---------------------------------------------------------------------------

def parse_endpoint(endpoint: Union[str, bytes]) -> Tuple[str, str]:
    """Split ``"transport://address"`` into ``(transport, address)``.

    The split is at the first ``"://"``; both parts must be non-empty
    (EINVAL).  The transport name is case-sensitive.  ``udp`` gives
    ENOCOMPATPROTO (libzmq knows it but refuses it for every non-draft
    socket type); any other transport but tcp, ipc and inproc gives
    EPROTONOSUPPORT.  Malformed strings are checked first, so
    ``"foo://"`` is EINVAL, not EPROTONOSUPPORT.  ``bytes`` are decoded as
    UTF-8 (pyzmq accepts them; invalid bytes are kept as surrogate escapes);
    any other type is EINVAL.
    """
    if isinstance(endpoint, (bytes, bytearray, memoryview)):
        # Undecodable bytes survive as surrogates, so that an ipc path or a
        # host name reaches the OS byte for byte, as in libzmq.
        endpoint = bytes(endpoint).decode("utf-8", "surrogateescape")
    elif not isinstance(endpoint, str):
        raise ZMQError(errno.EINVAL)
    nul = endpoint.find("\0")
    if nul >= 0:
        endpoint = endpoint[:nul]
    pos = endpoint.find("://")
    if pos < 0:
        raise ZMQError(errno.EINVAL)
    transport = endpoint[:pos]
    address = endpoint[pos + 3:]
    if not transport or not address:
        raise ZMQError(errno.EINVAL)
    if transport == "udp":
        raise ZMQError(ENOCOMPATPROTO)
    if transport not in SUPPORTED_TRANSPORTS:
        raise ZMQError(errno.EPROTONOSUPPORT)
    return transport, address


# ---------------------------------------------------------------------------
# TCP
# ---------------------------------------------------------------------------

def resolve_tcp_bind(address: str, ipv6: bool = False) -> Tuple[int, Sockaddr]:
    """Resolve the address part of a ``tcp://`` endpoint for ``bind``.

    Returns ``(family, sockaddr)`` with ``sockaddr`` in Python's form:
    ``(host, port)`` or ``(host, port, flowinfo, scope_id)``.

    The host may be ``*`` (``0.0.0.0``, or ``::`` with *ipv6*), an
    interface name (its first address of the wanted family), an IP
    literal (IPv6 with or without brackets, optional ``%zone``) or a host
    name (libzmq resolves DNS names on bind too).  With *ipv6* everything
    is looked up as IPv6, IPv4 results becoming ``::ffff:a.b.c.d``.  The
    port is ``*`` or ``0`` (ephemeral) or a number read like C ``atoi``
    and truncated to 16 bits, so ``-1`` is 65535 and ``65536`` is invalid.

    Errors: no ``:port``, bad port, empty or unknown ``%zone`` -> EINVAL;
    host that is neither an interface nor resolvable -> ENODEV.  A source
    part (``src;dst``) is validated as on connect and otherwise ignored,
    as libzmq does.
    """
    source, dest = _split_source(address)
    if source is not None:
        _resolve_source(source, ipv6)
    return _resolve_ip(dest, bindable=True, allow_dns=True,
                       allow_nic=True, ipv6=ipv6)


def check_tcp_connect_address(address: str) -> None:
    """libzmq's synchronous sanity check of a ``tcp://`` connect address.

    This is the only validation ``zmq_connect`` does before returning;
    everything else fails later, asynchronously.  The address must start
    with an ASCII letter, digit, ``[`` or ``:``, continue with letters,
    digits or ``.-:%;[]_*`` only, and the text after its last ``:`` must
    start with a digit (so the port cannot be ``*``).  Raises EINVAL.
    """
    ok = False
    n = len(address)
    i = 0
    if n and (address[0] in _ASCII_ALNUM or address[0] in "[:"):
        i = 1
        while i < n and address[i] in _CONNECT_CHARS:
            i += 1
    if i == n:
        colon = address.rfind(":")
        if colon >= 0 and colon + 1 < n and address[colon + 1] in _ASCII_DIGITS:
            ok = True
    if not ok:
        raise ZMQError(errno.EINVAL)


def resolve_tcp_connect(
    address: str, ipv6: bool = False
) -> Tuple[int, Sockaddr, Optional[Sockaddr]]:
    """Resolve the address part of a ``tcp://`` endpoint for ``connect``.

    Returns ``(family, sockaddr, source_sockaddr or None)``.  The syntax
    is ``[src_host:src_port;]host:port``.  The destination may be a DNS
    name but not an interface name or ``*``; its port may be ``0`` but
    not ``*``.  The optional source is a literal address or an interface
    name (no DNS), with port ``*``/``0`` for any.

    Errors: everything ``check_tcp_connect_address`` rejects, and an
    unresolvable destination -> EINVAL; a bad source -> ENODEV (EINVAL for
    a bad port).  In libzmq these resolution failures happen in the
    background (connect() itself succeeded): callers should call this at
    each connection attempt and treat an error as a failed attempt.
    """
    check_tcp_connect_address(address)
    source, dest = _split_source(address)
    source_sockaddr = None
    if source is not None:
        source_sockaddr = _resolve_source(source, ipv6)[1]
    family, sockaddr = _resolve_ip(dest, bindable=False, allow_dns=True,
                                   allow_nic=False, ipv6=ipv6)
    return family, sockaddr, source_sockaddr


def format_tcp_endpoint(family: int, sockaddr: Sockaddr) -> str:
    """The LAST_ENDPOINT form of a TCP address, as libzmq writes it.

    ``tcp://127.0.0.1:5555``, ``tcp://0.0.0.0:5555``, ``tcp://[::]:5555``,
    ``tcp://[::ffff:127.0.0.1]:5555``, ``tcp://[fe80::1%eth0]:5555``: the
    numeric host from ``getnameinfo`` (which appends the zone, by name
    when it can), IPv6 in brackets.  Other families give ``""``, as in
    libzmq.
    """
    if family not in (socket.AF_INET, socket.AF_INET6):
        return ""
    flags = socket.NI_NUMERICHOST | socket.NI_NUMERICSERV
    try:
        host, _ = socket.getnameinfo(tuple(sockaddr), flags)
    except (OSError, ValueError, TypeError):
        return ""
    port = int(sockaddr[1])
    if family == socket.AF_INET6:
        return f"tcp://[{host}]:{port}"
    return f"tcp://{host}:{port}"


def _split_source(address: str) -> Tuple[Optional[str], str]:
    """``"src;dst"`` -> ``(src, dst)`` at the last ';'; no ';' -> (None, addr)."""
    pos = address.rfind(";")
    if pos < 0:
        return None, address
    return address[:pos], address[pos + 1:]


def _resolve_source(source: str, ipv6: bool) -> Tuple[int, Sockaddr]:
    return _resolve_ip(source, bindable=True, allow_dns=False,
                       allow_nic=True, ipv6=ipv6)


def _c_atoi(text: str) -> int:
    """C ``atoi`` as glibc implements it: ``(int) strtol(text, NULL, 10)``."""
    i = 0
    n = len(text)
    while i < n and text[i] in _C_SPACE:
        i += 1
    negative = False
    if i < n and text[i] in "+-":
        negative = text[i] == "-"
        i += 1
    start = i
    while i < n and text[i] in _ASCII_DIGITS:
        i += 1
    if i == start:
        return 0
    value = int(text[start:i])
    if negative:
        value = -value
    # strtol saturates at LONG_MIN/LONG_MAX, then the cast keeps 32 bits.
    value = max(-(1 << (_LONG_BITS - 1)), min(value, (1 << (_LONG_BITS - 1)) - 1))
    value &= 0xFFFFFFFF
    return value - (1 << 32) if value & 0x80000000 else value


def _parse_port(port_str: str, bindable: bool) -> int:
    if port_str == "*":
        if bindable:
            return 0
        raise ZMQError(errno.EINVAL)
    if port_str == "0":
        return 0
    port = _c_atoi(port_str) & 0xFFFF  # the cast to uint16_t
    if port == 0:
        raise ZMQError(errno.EINVAL)
    return port


def _parse_zone(zone: str) -> int:
    if not zone:
        raise ZMQError(errno.EINVAL)
    if zone[0] in string.ascii_letters:
        try:
            zone_id = socket.if_nametoindex(zone)
        except (OSError, ValueError, UnicodeError):
            zone_id = 0
    else:
        zone_id = _c_atoi(zone) & 0xFFFFFFFF
    if zone_id == 0:
        raise ZMQError(errno.EINVAL)
    return zone_id


def _resolve_ip(name: str, *, bindable: bool, allow_dns: bool,
                allow_nic: bool, ipv6: bool) -> Tuple[int, Sockaddr]:
    """libzmq's ip_resolver_t::resolve, with a port always expected."""
    colon = name.rfind(":")
    if colon < 0:
        raise ZMQError(errno.EINVAL)
    host = name[:colon]
    port = _parse_port(name[colon + 1:], bindable)

    # Brackets are optional around IPv6 literals (and allowed around
    # anything else).
    if len(host) >= 2 and host[0] == "[" and host[-1] == "]":
        host = host[1:-1]

    zone_id = 0
    percent = host.rfind("%")
    if percent >= 0:
        zone_id = _parse_zone(host[percent + 1:])
        host = host[:percent]

    family = socket.AF_INET6 if ipv6 else socket.AF_INET
    sockaddr: tuple | None = None
    if bindable and host == "*":
        if ipv6:
            sockaddr = ("::", 0, 0, 0)
        else:
            sockaddr = ("0.0.0.0", 0)
    if sockaddr is None and allow_nic:
        sockaddr = _nic_address(host, family)
    if sockaddr is None:
        sockaddr = _getaddrinfo(host, family, bindable=bindable,
                                allow_dns=allow_dns)

    if len(sockaddr) == 4:
        return socket.AF_INET6, (sockaddr[0], port, sockaddr[2], zone_id)
    return socket.AF_INET, (sockaddr[0], port)


def _getaddrinfo(host: str, family: int, *, bindable: bool,
                 allow_dns: bool) -> Sockaddr:
    flags = 0
    if bindable:
        flags |= socket.AI_PASSIVE
    if not allow_dns:
        flags |= socket.AI_NUMERICHOST
    v4mapped = getattr(socket, "AI_V4MAPPED", 0)
    if family == socket.AF_INET6:
        flags |= v4mapped
    try:
        node = host.encode("utf-8", "surrogateescape")
    except UnicodeError:
        node = None
    try:
        if node is None:
            raise socket.gaierror(socket.EAI_NONAME, "bad host")
        try:
            infos = socket.getaddrinfo(node, None, family, socket.SOCK_STREAM,
                                       0, flags)
        except socket.gaierror as exc:
            if exc.errno != socket.EAI_BADFLAGS or not flags & v4mapped:
                raise
            infos = socket.getaddrinfo(node, None, family, socket.SOCK_STREAM,
                                       0, flags & ~v4mapped)
    except socket.gaierror as exc:
        if exc.errno == getattr(socket, "EAI_MEMORY", None):
            raise ZMQError(errno.ENOMEM) from None
        raise ZMQError(errno.ENODEV if bindable else errno.EINVAL) from None
    except (OSError, ValueError, UnicodeError):
        raise ZMQError(errno.ENODEV if bindable else errno.EINVAL) from None
    if not infos:
        raise ZMQError(errno.ENODEV if bindable else errno.EINVAL)
    return infos[0][4]


# ---------------------------------------------------------------------------
# Network interfaces
# ---------------------------------------------------------------------------

def _nic_address(name: str, family: int) -> Optional[Sockaddr]:
    """First address of *family* on interface *name* (getifaddrs order), or
    None (libzmq's ENODEV, after which it falls back to getaddrinfo)."""
    try:
        wanted = name.encode("utf-8", "surrogateescape")
    except UnicodeError:
        return None
    found = _getifaddrs_lookup(wanted, family)
    if found is _UNAVAILABLE:
        found = _fallback_nic_lookup(wanted, family)
    return found


_UNAVAILABLE = object()


class _IfAddrs(ctypes.Structure):
    pass


_IfAddrs._fields_ = [
    ("ifa_next", ctypes.POINTER(_IfAddrs)),
    ("ifa_name", ctypes.c_char_p),
    ("ifa_flags", ctypes.c_uint),
    ("ifa_addr", ctypes.c_void_p),
    ("ifa_netmask", ctypes.c_void_p),
    ("ifa_ifu", ctypes.c_void_p),
    ("ifa_data", ctypes.c_void_p),
]

_libc_funcs = None


def _libc_ifaddrs():
    global _libc_funcs
    if _libc_funcs is None:
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            get, free = libc.getifaddrs, libc.freeifaddrs
            get.argtypes = [ctypes.POINTER(ctypes.POINTER(_IfAddrs))]
            get.restype = ctypes.c_int
            free.argtypes = [ctypes.POINTER(_IfAddrs)]
            free.restype = None
            _libc_funcs = (get, free)
        except (OSError, AttributeError, TypeError):
            _libc_funcs = False
    return _libc_funcs


def _sockaddr_family(ptr: int) -> int:
    if _BSD_SOCKADDR:  # sa_len, then an 8-bit sa_family
        return ctypes.c_ubyte.from_address(ptr + 1).value
    return ctypes.c_ushort.from_address(ptr).value


def _decode_sockaddr(ptr: int, family: int) -> Sockaddr:
    if family == socket.AF_INET:
        raw = ctypes.string_at(ptr, 16)
        return (socket.inet_ntop(socket.AF_INET, raw[4:8]),
                int.from_bytes(raw[2:4], "big"))
    raw = ctypes.string_at(ptr, 28)
    return (socket.inet_ntop(socket.AF_INET6, raw[8:24]),
            int.from_bytes(raw[2:4], "big"),
            int.from_bytes(raw[4:8], "big"),
            int.from_bytes(raw[24:28], sys.byteorder))


def _getifaddrs_lookup(name: bytes, family: int):
    funcs = _libc_ifaddrs()
    if not funcs:
        return _UNAVAILABLE
    get, free = funcs
    head = ctypes.POINTER(_IfAddrs)()
    # libzmq retries a few times when netlink answers ECONNREFUSED.
    for attempt in range(10):
        rc = get(ctypes.byref(head))
        if rc == 0 or ctypes.get_errno() != errno.ECONNREFUSED:
            break
        time.sleep((1 << attempt) / 1000.0)
    if rc != 0:
        return None
    try:
        node = head
        while node:
            entry = node.contents
            if entry.ifa_addr and entry.ifa_name == name \
                    and _sockaddr_family(entry.ifa_addr) == family:
                return _decode_sockaddr(entry.ifa_addr, family)
            node = entry.ifa_next
        return None
    finally:
        free(head)


def _fallback_nic_lookup(name: bytes, family: int) -> Optional[Sockaddr]:
    """Linux without a usable getifaddrs: ioctl for IPv4, /proc for IPv6."""
    if family == socket.AF_INET:
        try:
            import fcntl
            import struct
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                req = struct.pack("256s", name[:15])
                res = fcntl.ioctl(s.fileno(), 0x8915, req)  # SIOCGIFADDR
            return (socket.inet_ntop(socket.AF_INET, res[20:24]), 0)
        except (OSError, ImportError):
            return None
    try:
        with open("/proc/net/if_inet6", "rb") as f:
            for line in f:
                fields = line.split()
                if len(fields) >= 6 and fields[5] == name:
                    packed = bytes.fromhex(fields[0].decode("ascii"))
                    return (socket.inet_ntop(socket.AF_INET6, packed), 0, 0, 0)
    except (OSError, ValueError):
        pass
    return None


# ---------------------------------------------------------------------------
# IPC
# ---------------------------------------------------------------------------

def resolve_ipc(address: str) -> IpcAddress:
    """The AF_UNIX address for an ``ipc://`` address part.

    A filesystem path is returned as given (``str``); ``@name`` is a Linux
    abstract name, returned as ``bytes`` with a leading NUL.  Errors: a
    path of ``IPC_PATH_MAX`` bytes or more (``@`` included) ->
    ENAMETOOLONG; ``@`` alone -> EINVAL.  ``*`` is not special here: bind
    replaces it first (see ``is_ipc_wildcard``); connect takes it
    literally.
    """
    raw = os.fsencode(address)
    if len(raw) >= IPC_PATH_MAX:
        raise ZMQError(errno.ENAMETOOLONG)
    if raw == b"@" or not raw:
        raise ZMQError(errno.EINVAL)
    if raw[:1] == b"@":
        return b"\0" + raw[1:]
    return address


def is_ipc_wildcard(address: str) -> bool:
    """Whether an ``ipc://`` bind address asks for a generated path.

    libzmq looks at the first character only: ``*`` and ``*anything``
    both mean "make one up".
    """
    return address[:1] == "*"


_TMP_ENV_VARS = ("TMPDIR", "TEMPDIR", "TMP")
_MKDTEMP_CHARS = string.ascii_letters + string.digits


def new_ipc_wildcard_path() -> str:
    """Create a private directory and return the socket path inside it.

    As libzmq: the directory is ``tmpXXXXXX`` (6 random letters/digits,
    mode 0700) in the first of $TMPDIR, $TEMPDIR, $TMP that names an
    existing directory, else in the *current directory* (a relative
    path); the socket is ``<dir>/socket``.  The caller owns the directory
    (``os.path.dirname`` of the result) and should remove it when the
    listener closes or the bind fails.  Errors: the errno of mkdir.
    """
    base = ""
    for var in _TMP_ENV_VARS:
        value = os.environ.get(var)
        if value and os.path.isdir(value):
            base = value if value.endswith("/") else value + "/"
            break
    for _ in range(1000):
        suffix = "".join(secrets.choice(_MKDTEMP_CHARS) for _ in range(6))
        dirname = base + "tmp" + suffix
        try:
            os.mkdir(dirname, 0o700)
        except FileExistsError:
            continue
        except OSError as exc:
            raise ZMQError(exc.errno or errno.EINVAL) from None
        return dirname + "/socket"
    raise ZMQError(errno.EEXIST)


def format_ipc_endpoint(addr: IpcAddress) -> str:
    """The LAST_ENDPOINT form of an AF_UNIX address.

    Accepts what ``resolve_ipc`` or ``socket.getsockname()`` give:
    ``"/path"`` -> ``"ipc:///path"``, ``b"\\0name"`` -> ``"ipc://@name"``.
    Like libzmq, the name stops at the first NUL after the leading one.
    """
    if isinstance(addr, str):
        raw = os.fsencode(addr)
    else:
        raw = bytes(addr)
    prefix = "ipc://"
    if len(raw) >= 2 and raw[0] == 0:
        prefix = "ipc://@"
        raw = raw[1:]
    nul = raw.find(b"\0")
    if nul >= 0:
        raw = raw[:nul]
    return prefix + os.fsdecode(raw)


# ---------------------------------------------------------------------------
# inproc
# ---------------------------------------------------------------------------

def validate_inproc(address: str) -> str:
    """Check an ``inproc://`` name: any non-empty string (else EINVAL)."""
    if not isinstance(address, str) or not address:
        raise ZMQError(errno.EINVAL)
    return address
