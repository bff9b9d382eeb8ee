"""ZeroMQ constants: the numbers of the libzmq 4.3.5 API, shaped like pyzmq's.

This module owns every constant ``import zmq`` exposes at top level:

* one enum per family (``SocketType``, ``SocketOption``, ``Flag``, ``Event``,
  ``Errno``, ...) with pyzmq's class names, member names, aliases and values,
  and the same base class (``IntEnum`` or ``IntFlag``);
* a flat module-level alias for every member (``PUSH``, ``SNDMORE``,
  ``EVENT_CONNECTED``, ``NOTIFY_CONNECT``, ``IDENTITY``...);
* the libzmq version we speak (``VERSION_MAJOR`` ...), and the handful of
  other upper-case names pyzmq exports (``COPY_THRESHOLD``, ``DRAFT_API``...);
* ``OPTION_TYPES``: how each socket option's value is typed on the wire of
  getsockopt/setsockopt ("int", "int64", "bytes", "fd").

It holds numbers only. What an option *means*, its default and its validation
live with the socket code; exception classes and error messages live in
``purezmq.error``.
"""

from __future__ import annotations

import errno as _errno
import sys as _sys
import typing as _typing
from enum import Enum, IntEnum, IntFlag

# libzmq numbers its own error codes (and POSIX codes missing from the
# platform) upwards from this arbitrary base.
_HAUSNUMERO = 156384712

# On Windows libzmq uses the MSVC C runtime's errno.h values for the network
# errors, while Python's errno module prefers the WSA* numbers; so the CRT
# values are spelled out here.
_WINDOWS_CRT_ERRNO = {
    "ENOTSUP": 129,
    "EPROTONOSUPPORT": 135,
    "ENOBUFS": 119,
    "ENETDOWN": 116,
    "EADDRINUSE": 100,
    "EADDRNOTAVAIL": 101,
    "ECONNREFUSED": 107,
    "EINPROGRESS": 112,
    "ENOTSOCK": 128,
    "EMSGSIZE": 115,
    "EAFNOSUPPORT": 102,
    "ENETUNREACH": 118,
    "ECONNABORTED": 106,
    "ECONNRESET": 108,
    "ENOTCONN": 126,
    "ETIMEDOUT": 138,
    "EHOSTUNREACH": 110,
    "ENETRESET": 117,
}


def _system_errno(name: str, offset: int) -> int:
    """The value libzmq uses for POSIX error ``name`` on this platform.

    That is the platform's own number; if the platform lacks it, libzmq
    defines it as ``_HAUSNUMERO + offset``.
    """
    if _sys.platform.startswith("win"):
        return _WINDOWS_CRT_ERRNO[name]
    return getattr(_errno, name, _HAUSNUMERO + offset)


# ---------------------------------------------------------------------------
# The enums
# ---------------------------------------------------------------------------


class SocketType(IntEnum):
    """Socket types, the argument of ``Context.socket()``."""

    PAIR = 0
    PUB = 1
    SUB = 2
    REQ = 3
    REP = 4
    DEALER = 5
    ROUTER = 6
    PULL = 7
    PUSH = 8
    XPUB = 9
    XSUB = 10
    STREAM = 11
    # pre-3.x names
    XREQ = DEALER
    XREP = ROUTER
    # draft socket types
    SERVER = 12
    CLIENT = 13
    RADIO = 14
    DISH = 15
    GATHER = 16
    SCATTER = 17
    DGRAM = 18
    PEER = 19
    CHANNEL = 20


class SocketOption(IntEnum):
    """Options for ``Socket.get`` / ``Socket.set``.

    ``option._opt_type`` (an ``_OptType``) gives the value's type, as in
    pyzmq; ``OPTION_TYPES`` holds the same classification as plain strings.
    """

    HWM = 1  # pyzmq-only: sets both SNDHWM and RCVHWM
    AFFINITY = 4
    ROUTING_ID = 5
    SUBSCRIBE = 6
    UNSUBSCRIBE = 7
    RATE = 8
    RECOVERY_IVL = 9
    SNDBUF = 11
    RCVBUF = 12
    RCVMORE = 13
    FD = 14
    EVENTS = 15
    TYPE = 16
    LINGER = 17
    RECONNECT_IVL = 18
    BACKLOG = 19
    RECONNECT_IVL_MAX = 21
    MAXMSGSIZE = 22
    SNDHWM = 23
    RCVHWM = 24
    MULTICAST_HOPS = 25
    RCVTIMEO = 27
    SNDTIMEO = 28
    IPV4ONLY = 31  # deprecated, use IPV6
    LAST_ENDPOINT = 32
    ROUTER_MANDATORY = 33
    TCP_KEEPALIVE = 34
    TCP_KEEPALIVE_CNT = 35
    TCP_KEEPALIVE_IDLE = 36
    TCP_KEEPALIVE_INTVL = 37
    TCP_ACCEPT_FILTER = 38  # deprecated
    IMMEDIATE = 39
    XPUB_VERBOSE = 40
    ROUTER_RAW = 41
    IPV6 = 42
    MECHANISM = 43
    PLAIN_SERVER = 44
    PLAIN_USERNAME = 45
    PLAIN_PASSWORD = 46
    CURVE_SERVER = 47
    CURVE_PUBLICKEY = 48
    CURVE_SECRETKEY = 49
    CURVE_SERVERKEY = 50
    PROBE_ROUTER = 51
    REQ_CORRELATE = 52
    REQ_RELAXED = 53
    CONFLATE = 54
    ZAP_DOMAIN = 55
    ROUTER_HANDOVER = 56
    TOS = 57
    IPC_FILTER_PID = 58  # deprecated
    IPC_FILTER_UID = 59  # deprecated
    IPC_FILTER_GID = 60  # deprecated
    CONNECT_ROUTING_ID = 61
    GSSAPI_SERVER = 62
    GSSAPI_PRINCIPAL = 63
    GSSAPI_SERVICE_PRINCIPAL = 64
    GSSAPI_PLAINTEXT = 65
    HANDSHAKE_IVL = 66
    SOCKS_PROXY = 68
    XPUB_NODROP = 69
    BLOCKY = 70
    XPUB_MANUAL = 71
    XPUB_WELCOME_MSG = 72
    STREAM_NOTIFY = 73
    INVERT_MATCHING = 74
    HEARTBEAT_IVL = 75
    HEARTBEAT_TTL = 76
    HEARTBEAT_TIMEOUT = 77
    XPUB_VERBOSER = 78
    CONNECT_TIMEOUT = 79
    TCP_MAXRT = 80
    THREAD_SAFE = 81
    MULTICAST_MAXTPDU = 84
    VMCI_BUFFER_SIZE = 85
    VMCI_BUFFER_MIN_SIZE = 86
    VMCI_BUFFER_MAX_SIZE = 87
    VMCI_CONNECT_TIMEOUT = 88
    USE_FD = 89
    GSSAPI_PRINCIPAL_NAMETYPE = 90
    GSSAPI_SERVICE_PRINCIPAL_NAMETYPE = 91
    BINDTODEVICE = 92
    ZAP_ENFORCE_DOMAIN = 93
    LOOPBACK_FASTPATH = 94
    METADATA = 95
    MULTICAST_LOOP = 96
    ROUTER_NOTIFY = 97
    XPUB_MANUAL_LAST_VALUE = 98
    SOCKS_USERNAME = 99
    SOCKS_PASSWORD = 100
    IN_BATCH_SIZE = 101
    OUT_BATCH_SIZE = 102
    WSS_KEY_PEM = 103
    WSS_CERT_PEM = 104
    WSS_TRUST_PEM = 105
    WSS_HOSTNAME = 106
    WSS_TRUST_SYSTEM = 107
    ONLY_FIRST_SUBSCRIBE = 108
    RECONNECT_STOP = 109
    HELLO_MSG = 110
    DISCONNECT_MSG = 111
    PRIORITY = 112
    BUSY_POLL = 113
    HICCUP_MSG = 114
    XSUB_VERBOSE_UNSUBSCRIBE = 115
    TOPICS_COUNT = 116
    NORM_MODE = 117
    NORM_UNICAST_NACK = 118
    NORM_BUFFER_SIZE = 119
    NORM_SEGMENT_SIZE = 120
    NORM_BLOCK_SIZE = 121
    NORM_NUM_PARITY = 122
    NORM_NUM_AUTOPARITY = 123
    NORM_PUSH = 124

    # older names of the options above
    IDENTITY = ROUTING_ID
    CONNECT_RID = CONNECT_ROUTING_ID
    DELAY_ATTACH_ON_CONNECT = IMMEDIATE
    FAIL_UNROUTABLE = ROUTER_MANDATORY
    ROUTER_BEHAVIOR = ROUTER_MANDATORY

    @property
    def _opt_type(self) -> _OptType:
        """This option's value type (pyzmq's ``SocketOption._opt_type``)."""
        return _OptType(OPTION_TYPES[self])


class ContextOption(IntEnum):
    """Options for ``Context.get`` / ``Context.set``."""

    IO_THREADS = 1
    MAX_SOCKETS = 2
    SOCKET_LIMIT = 3
    THREAD_PRIORITY = 3  # libzmq gives both the same number
    THREAD_SCHED_POLICY = 4
    MAX_MSGSZ = 5
    MSG_T_SIZE = 6
    THREAD_AFFINITY_CPU_ADD = 7
    THREAD_AFFINITY_CPU_REMOVE = 8
    THREAD_NAME_PREFIX = 9


class MessageOption(IntEnum):
    """Properties of a message (``Frame.get``)."""

    MORE = 1
    SRCFD = 2
    SHARED = 3


class Flag(IntFlag):
    """Flags for send and recv."""

    DONTWAIT = 1
    SNDMORE = 2
    NOBLOCK = DONTWAIT


class PollEvent(IntFlag):
    """Readiness bits for ``poll`` and the ``EVENTS`` option."""

    POLLIN = 1
    POLLOUT = 2
    POLLERR = 4
    POLLPRI = 8


class Event(IntFlag):
    """Socket monitor events, and the protocol-error codes that
    ``HANDSHAKE_FAILED_PROTOCOL`` carries as its value.

    The top-level aliases of the lifecycle events carry an ``EVENT_`` prefix
    (``EVENT_CONNECTED``); the protocol errors keep their names.
    """

    CONNECTED = 0x0001
    CONNECT_DELAYED = 0x0002
    CONNECT_RETRIED = 0x0004
    LISTENING = 0x0008
    BIND_FAILED = 0x0010
    ACCEPTED = 0x0020
    ACCEPT_FAILED = 0x0040
    CLOSED = 0x0080
    CLOSE_FAILED = 0x0100
    DISCONNECTED = 0x0200
    MONITOR_STOPPED = 0x0400
    HANDSHAKE_FAILED_NO_DETAIL = 0x0800
    HANDSHAKE_SUCCEEDED = 0x1000
    HANDSHAKE_FAILED_PROTOCOL = 0x2000
    HANDSHAKE_FAILED_AUTH = 0x4000
    ALL_V1 = 0xFFFF
    ALL = ALL_V1
    PIPES_STATS = 0x10000
    ALL_V2 = ALL_V1 | PIPES_STATS

    PROTOCOL_ERROR_ZMTP_UNSPECIFIED = 0x10000000
    PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND = 0x10000001
    PROTOCOL_ERROR_ZMTP_INVALID_SEQUENCE = 0x10000002
    PROTOCOL_ERROR_ZMTP_KEY_EXCHANGE = 0x10000003
    PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_UNSPECIFIED = 0x10000011
    PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_MESSAGE = 0x10000012
    PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_HELLO = 0x10000013
    PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_INITIATE = 0x10000014
    PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_ERROR = 0x10000015
    PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_READY = 0x10000016
    PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_WELCOME = 0x10000017
    PROTOCOL_ERROR_ZMTP_INVALID_METADATA = 0x10000018
    PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC = 0x11000001
    PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH = 0x11000002
    PROTOCOL_ERROR_ZAP_UNSPECIFIED = 0x20000000
    PROTOCOL_ERROR_ZAP_MALFORMED_REPLY = 0x20000001
    PROTOCOL_ERROR_ZAP_BAD_REQUEST_ID = 0x20000002
    PROTOCOL_ERROR_ZAP_BAD_VERSION = 0x20000003
    PROTOCOL_ERROR_ZAP_INVALID_STATUS_CODE = 0x20000004
    PROTOCOL_ERROR_ZAP_INVALID_METADATA = 0x20000005
    PROTOCOL_ERROR_WS_UNSPECIFIED = 0x30000000


class Errno(IntEnum):
    """Error numbers libzmq reports.

    POSIX errors take the platform's numbers (Python's ``errno`` module, or the
    C runtime's on Windows); libzmq's own errors sit above ``_HAUSNUMERO``.
    EINTR is not listed (pyzmq doesn't either); use ``errno.EINTR``.
    """

    EAGAIN = _errno.EAGAIN
    EFAULT = _errno.EFAULT
    EINVAL = _errno.EINVAL
    ENOTSUP = _system_errno("ENOTSUP", 1)
    EPROTONOSUPPORT = _system_errno("EPROTONOSUPPORT", 2)
    ENOBUFS = _system_errno("ENOBUFS", 3)
    ENETDOWN = _system_errno("ENETDOWN", 4)
    EADDRINUSE = _system_errno("EADDRINUSE", 5)
    EADDRNOTAVAIL = _system_errno("EADDRNOTAVAIL", 6)
    ECONNREFUSED = _system_errno("ECONNREFUSED", 7)
    EINPROGRESS = _system_errno("EINPROGRESS", 8)
    ENOTSOCK = _system_errno("ENOTSOCK", 9)
    EMSGSIZE = _system_errno("EMSGSIZE", 10)
    EAFNOSUPPORT = _system_errno("EAFNOSUPPORT", 11)
    ENETUNREACH = _system_errno("ENETUNREACH", 12)
    ECONNABORTED = _system_errno("ECONNABORTED", 13)
    ECONNRESET = _system_errno("ECONNRESET", 14)
    ENOTCONN = _system_errno("ENOTCONN", 15)
    ETIMEDOUT = _system_errno("ETIMEDOUT", 16)
    EHOSTUNREACH = _system_errno("EHOSTUNREACH", 17)
    ENETRESET = _system_errno("ENETRESET", 18)

    # libzmq's own
    EFSM = _HAUSNUMERO + 51
    ENOCOMPATPROTO = _HAUSNUMERO + 52
    ETERM = _HAUSNUMERO + 53
    EMTHREAD = _HAUSNUMERO + 54


class SecurityMechanism(IntEnum):
    """Security mechanisms, as read from the ``MECHANISM`` option."""

    NULL = 0
    PLAIN = 1
    CURVE = 2
    GSSAPI = 3


class RouterNotify(IntEnum):
    """Values of the ``ROUTER_NOTIFY`` option (top level: ``NOTIFY_*``)."""

    CONNECT = 1
    DISCONNECT = 2


class NormMode(IntEnum):
    """Values of the ``NORM_MODE`` option (top level: ``NORM_*``)."""

    FIXED = 0
    CC = 1
    CCL = 2
    CCE = 3
    CCE_ECNONLY = 4


class ReconnectStop(IntEnum):
    """Bits of the ``RECONNECT_STOP`` option (top level: ``RECONNECT_STOP_*``)."""

    CONN_REFUSED = 0x1
    HANDSHAKE_FAILED = 0x2
    AFTER_DISCONNECT = 0x4


class DeviceType(IntEnum):
    """Device kinds for ``zmq.device``."""

    STREAMER = 1
    FORWARDER = 2
    QUEUE = 3


# ---------------------------------------------------------------------------
# Socket option value types
# ---------------------------------------------------------------------------


class _OptType(Enum):
    """Value type of a socket option (pyzmq's private ``_OptType``)."""

    int = "int"  # C int, Python int
    int64 = "int64"  # int64_t / uint64_t, Python int
    bytes = "bytes"  # binary blob or string, Python bytes
    fd = "fd"  # file descriptor (a SOCKET, 64-bit, on Windows), Python int


_INT64_OPTIONS = {
    SocketOption.AFFINITY,
    SocketOption.MAXMSGSIZE,
    SocketOption.VMCI_BUFFER_SIZE,
    SocketOption.VMCI_BUFFER_MIN_SIZE,
    SocketOption.VMCI_BUFFER_MAX_SIZE,
}

_BYTES_OPTIONS = {
    SocketOption.ROUTING_ID,
    SocketOption.SUBSCRIBE,
    SocketOption.UNSUBSCRIBE,
    SocketOption.LAST_ENDPOINT,
    SocketOption.TCP_ACCEPT_FILTER,
    SocketOption.PLAIN_USERNAME,
    SocketOption.PLAIN_PASSWORD,
    SocketOption.CURVE_PUBLICKEY,
    SocketOption.CURVE_SECRETKEY,
    SocketOption.CURVE_SERVERKEY,
    SocketOption.ZAP_DOMAIN,
    SocketOption.CONNECT_ROUTING_ID,
    SocketOption.GSSAPI_PRINCIPAL,
    SocketOption.GSSAPI_SERVICE_PRINCIPAL,
    SocketOption.SOCKS_PROXY,
    SocketOption.XPUB_WELCOME_MSG,
    SocketOption.BINDTODEVICE,
    SocketOption.METADATA,
    SocketOption.SOCKS_USERNAME,
    SocketOption.SOCKS_PASSWORD,
    SocketOption.WSS_KEY_PEM,
    SocketOption.WSS_CERT_PEM,
    SocketOption.WSS_TRUST_PEM,
    SocketOption.WSS_HOSTNAME,
    SocketOption.HELLO_MSG,
    SocketOption.DISCONNECT_MSG,
    SocketOption.HICCUP_MSG,
}

_FD_OPTIONS = {SocketOption.FD}


def _classify(option: SocketOption) -> str:
    if option in _INT64_OPTIONS:
        return "int64"
    if option in _BYTES_OPTIONS:
        return "bytes"
    if option in _FD_OPTIONS:
        return "fd"
    return "int"


#: Value type of every socket option, keyed by option number:
#: "int", "int64", "bytes" or "fd". Options not listed are "int".
OPTION_TYPES: dict[int, str] = {option: _classify(option) for option in SocketOption}


# ---------------------------------------------------------------------------
# Version, and pyzmq's other top-level upper-case names
# ---------------------------------------------------------------------------

# The libzmq release whose protocol and API we implement. (pyzmq >= 23 no
# longer exports these; older pyzmq did, straight from zmq.h.)
VERSION_MAJOR = 4
VERSION_MINOR = 3
VERSION_PATCH = 5
VERSION = VERSION_MAJOR * 10000 + VERSION_MINOR * 100 + VERSION_PATCH

#: pyzmq copies frames smaller than this even when asked for copy=False.
COPY_THRESHOLD = 65536

#: Whether draft APIs are enabled (mirrors pyzmq's view of a stock libzmq).
DRAFT_API = False
PYZMQ_DRAFT_API = False

#: Longest ipc:// path: sizeof(sockaddr_un.sun_path) - 1.
IPC_PATH_MAX_LEN = 103 if _sys.platform == "darwin" or "bsd" in _sys.platform else 107


# ---------------------------------------------------------------------------
# Flat aliases: every enum member as a module-level name
# ---------------------------------------------------------------------------

# SocketType
PAIR = SocketType.PAIR
PUB = SocketType.PUB
SUB = SocketType.SUB
REQ = SocketType.REQ
REP = SocketType.REP
DEALER = SocketType.DEALER
ROUTER = SocketType.ROUTER
PULL = SocketType.PULL
PUSH = SocketType.PUSH
XPUB = SocketType.XPUB
XSUB = SocketType.XSUB
STREAM = SocketType.STREAM
XREQ = SocketType.XREQ
XREP = SocketType.XREP
SERVER = SocketType.SERVER
CLIENT = SocketType.CLIENT
RADIO = SocketType.RADIO
DISH = SocketType.DISH
GATHER = SocketType.GATHER
SCATTER = SocketType.SCATTER
DGRAM = SocketType.DGRAM
PEER = SocketType.PEER
CHANNEL = SocketType.CHANNEL

# SocketOption
HWM = SocketOption.HWM
AFFINITY = SocketOption.AFFINITY
ROUTING_ID = SocketOption.ROUTING_ID
SUBSCRIBE = SocketOption.SUBSCRIBE
UNSUBSCRIBE = SocketOption.UNSUBSCRIBE
RATE = SocketOption.RATE
RECOVERY_IVL = SocketOption.RECOVERY_IVL
SNDBUF = SocketOption.SNDBUF
RCVBUF = SocketOption.RCVBUF
RCVMORE = SocketOption.RCVMORE
FD = SocketOption.FD
EVENTS = SocketOption.EVENTS
TYPE = SocketOption.TYPE
LINGER = SocketOption.LINGER
RECONNECT_IVL = SocketOption.RECONNECT_IVL
BACKLOG = SocketOption.BACKLOG
RECONNECT_IVL_MAX = SocketOption.RECONNECT_IVL_MAX
MAXMSGSIZE = SocketOption.MAXMSGSIZE
SNDHWM = SocketOption.SNDHWM
RCVHWM = SocketOption.RCVHWM
MULTICAST_HOPS = SocketOption.MULTICAST_HOPS
RCVTIMEO = SocketOption.RCVTIMEO
SNDTIMEO = SocketOption.SNDTIMEO
IPV4ONLY = SocketOption.IPV4ONLY
LAST_ENDPOINT = SocketOption.LAST_ENDPOINT
ROUTER_MANDATORY = SocketOption.ROUTER_MANDATORY
TCP_KEEPALIVE = SocketOption.TCP_KEEPALIVE
TCP_KEEPALIVE_CNT = SocketOption.TCP_KEEPALIVE_CNT
TCP_KEEPALIVE_IDLE = SocketOption.TCP_KEEPALIVE_IDLE
TCP_KEEPALIVE_INTVL = SocketOption.TCP_KEEPALIVE_INTVL
TCP_ACCEPT_FILTER = SocketOption.TCP_ACCEPT_FILTER
IMMEDIATE = SocketOption.IMMEDIATE
XPUB_VERBOSE = SocketOption.XPUB_VERBOSE
ROUTER_RAW = SocketOption.ROUTER_RAW
IPV6 = SocketOption.IPV6
MECHANISM = SocketOption.MECHANISM
PLAIN_SERVER = SocketOption.PLAIN_SERVER
PLAIN_USERNAME = SocketOption.PLAIN_USERNAME
PLAIN_PASSWORD = SocketOption.PLAIN_PASSWORD
CURVE_SERVER = SocketOption.CURVE_SERVER
CURVE_PUBLICKEY = SocketOption.CURVE_PUBLICKEY
CURVE_SECRETKEY = SocketOption.CURVE_SECRETKEY
CURVE_SERVERKEY = SocketOption.CURVE_SERVERKEY
PROBE_ROUTER = SocketOption.PROBE_ROUTER
REQ_CORRELATE = SocketOption.REQ_CORRELATE
REQ_RELAXED = SocketOption.REQ_RELAXED
CONFLATE = SocketOption.CONFLATE
ZAP_DOMAIN = SocketOption.ZAP_DOMAIN
ROUTER_HANDOVER = SocketOption.ROUTER_HANDOVER
TOS = SocketOption.TOS
IPC_FILTER_PID = SocketOption.IPC_FILTER_PID
IPC_FILTER_UID = SocketOption.IPC_FILTER_UID
IPC_FILTER_GID = SocketOption.IPC_FILTER_GID
CONNECT_ROUTING_ID = SocketOption.CONNECT_ROUTING_ID
GSSAPI_SERVER = SocketOption.GSSAPI_SERVER
GSSAPI_PRINCIPAL = SocketOption.GSSAPI_PRINCIPAL
GSSAPI_SERVICE_PRINCIPAL = SocketOption.GSSAPI_SERVICE_PRINCIPAL
GSSAPI_PLAINTEXT = SocketOption.GSSAPI_PLAINTEXT
HANDSHAKE_IVL = SocketOption.HANDSHAKE_IVL
SOCKS_PROXY = SocketOption.SOCKS_PROXY
XPUB_NODROP = SocketOption.XPUB_NODROP
BLOCKY = SocketOption.BLOCKY
XPUB_MANUAL = SocketOption.XPUB_MANUAL
XPUB_WELCOME_MSG = SocketOption.XPUB_WELCOME_MSG
STREAM_NOTIFY = SocketOption.STREAM_NOTIFY
INVERT_MATCHING = SocketOption.INVERT_MATCHING
HEARTBEAT_IVL = SocketOption.HEARTBEAT_IVL
HEARTBEAT_TTL = SocketOption.HEARTBEAT_TTL
HEARTBEAT_TIMEOUT = SocketOption.HEARTBEAT_TIMEOUT
XPUB_VERBOSER = SocketOption.XPUB_VERBOSER
CONNECT_TIMEOUT = SocketOption.CONNECT_TIMEOUT
TCP_MAXRT = SocketOption.TCP_MAXRT
THREAD_SAFE = SocketOption.THREAD_SAFE
MULTICAST_MAXTPDU = SocketOption.MULTICAST_MAXTPDU
VMCI_BUFFER_SIZE = SocketOption.VMCI_BUFFER_SIZE
VMCI_BUFFER_MIN_SIZE = SocketOption.VMCI_BUFFER_MIN_SIZE
VMCI_BUFFER_MAX_SIZE = SocketOption.VMCI_BUFFER_MAX_SIZE
VMCI_CONNECT_TIMEOUT = SocketOption.VMCI_CONNECT_TIMEOUT
USE_FD = SocketOption.USE_FD
GSSAPI_PRINCIPAL_NAMETYPE = SocketOption.GSSAPI_PRINCIPAL_NAMETYPE
GSSAPI_SERVICE_PRINCIPAL_NAMETYPE = SocketOption.GSSAPI_SERVICE_PRINCIPAL_NAMETYPE
BINDTODEVICE = SocketOption.BINDTODEVICE
ZAP_ENFORCE_DOMAIN = SocketOption.ZAP_ENFORCE_DOMAIN
LOOPBACK_FASTPATH = SocketOption.LOOPBACK_FASTPATH
METADATA = SocketOption.METADATA
MULTICAST_LOOP = SocketOption.MULTICAST_LOOP
ROUTER_NOTIFY = SocketOption.ROUTER_NOTIFY
XPUB_MANUAL_LAST_VALUE = SocketOption.XPUB_MANUAL_LAST_VALUE
SOCKS_USERNAME = SocketOption.SOCKS_USERNAME
SOCKS_PASSWORD = SocketOption.SOCKS_PASSWORD
IN_BATCH_SIZE = SocketOption.IN_BATCH_SIZE
OUT_BATCH_SIZE = SocketOption.OUT_BATCH_SIZE
WSS_KEY_PEM = SocketOption.WSS_KEY_PEM
WSS_CERT_PEM = SocketOption.WSS_CERT_PEM
WSS_TRUST_PEM = SocketOption.WSS_TRUST_PEM
WSS_HOSTNAME = SocketOption.WSS_HOSTNAME
WSS_TRUST_SYSTEM = SocketOption.WSS_TRUST_SYSTEM
ONLY_FIRST_SUBSCRIBE = SocketOption.ONLY_FIRST_SUBSCRIBE
RECONNECT_STOP = SocketOption.RECONNECT_STOP
HELLO_MSG = SocketOption.HELLO_MSG
DISCONNECT_MSG = SocketOption.DISCONNECT_MSG
PRIORITY = SocketOption.PRIORITY
BUSY_POLL = SocketOption.BUSY_POLL
HICCUP_MSG = SocketOption.HICCUP_MSG
XSUB_VERBOSE_UNSUBSCRIBE = SocketOption.XSUB_VERBOSE_UNSUBSCRIBE
TOPICS_COUNT = SocketOption.TOPICS_COUNT
NORM_MODE = SocketOption.NORM_MODE
NORM_UNICAST_NACK = SocketOption.NORM_UNICAST_NACK
NORM_BUFFER_SIZE = SocketOption.NORM_BUFFER_SIZE
NORM_SEGMENT_SIZE = SocketOption.NORM_SEGMENT_SIZE
NORM_BLOCK_SIZE = SocketOption.NORM_BLOCK_SIZE
NORM_NUM_PARITY = SocketOption.NORM_NUM_PARITY
NORM_NUM_AUTOPARITY = SocketOption.NORM_NUM_AUTOPARITY
NORM_PUSH = SocketOption.NORM_PUSH
IDENTITY = SocketOption.IDENTITY
CONNECT_RID = SocketOption.CONNECT_RID
DELAY_ATTACH_ON_CONNECT = SocketOption.DELAY_ATTACH_ON_CONNECT
FAIL_UNROUTABLE = SocketOption.FAIL_UNROUTABLE
ROUTER_BEHAVIOR = SocketOption.ROUTER_BEHAVIOR

# ContextOption
IO_THREADS = ContextOption.IO_THREADS
MAX_SOCKETS = ContextOption.MAX_SOCKETS
SOCKET_LIMIT = ContextOption.SOCKET_LIMIT
THREAD_PRIORITY = ContextOption.THREAD_PRIORITY
THREAD_SCHED_POLICY = ContextOption.THREAD_SCHED_POLICY
MAX_MSGSZ = ContextOption.MAX_MSGSZ
MSG_T_SIZE = ContextOption.MSG_T_SIZE
THREAD_AFFINITY_CPU_ADD = ContextOption.THREAD_AFFINITY_CPU_ADD
THREAD_AFFINITY_CPU_REMOVE = ContextOption.THREAD_AFFINITY_CPU_REMOVE
THREAD_NAME_PREFIX = ContextOption.THREAD_NAME_PREFIX

# MessageOption
MORE = MessageOption.MORE
SRCFD = MessageOption.SRCFD
SHARED = MessageOption.SHARED

# Flag
DONTWAIT = Flag.DONTWAIT
SNDMORE = Flag.SNDMORE
NOBLOCK = Flag.NOBLOCK

# PollEvent
POLLIN = PollEvent.POLLIN
POLLOUT = PollEvent.POLLOUT
POLLERR = PollEvent.POLLERR
POLLPRI = PollEvent.POLLPRI

# Event
EVENT_CONNECTED = Event.CONNECTED
EVENT_CONNECT_DELAYED = Event.CONNECT_DELAYED
EVENT_CONNECT_RETRIED = Event.CONNECT_RETRIED
EVENT_LISTENING = Event.LISTENING
EVENT_BIND_FAILED = Event.BIND_FAILED
EVENT_ACCEPTED = Event.ACCEPTED
EVENT_ACCEPT_FAILED = Event.ACCEPT_FAILED
EVENT_CLOSED = Event.CLOSED
EVENT_CLOSE_FAILED = Event.CLOSE_FAILED
EVENT_DISCONNECTED = Event.DISCONNECTED
EVENT_MONITOR_STOPPED = Event.MONITOR_STOPPED
EVENT_HANDSHAKE_FAILED_NO_DETAIL = Event.HANDSHAKE_FAILED_NO_DETAIL
EVENT_HANDSHAKE_SUCCEEDED = Event.HANDSHAKE_SUCCEEDED
EVENT_HANDSHAKE_FAILED_PROTOCOL = Event.HANDSHAKE_FAILED_PROTOCOL
EVENT_HANDSHAKE_FAILED_AUTH = Event.HANDSHAKE_FAILED_AUTH
EVENT_ALL_V1 = Event.ALL_V1
EVENT_ALL = Event.ALL
EVENT_PIPES_STATS = Event.PIPES_STATS
EVENT_ALL_V2 = Event.ALL_V2
PROTOCOL_ERROR_ZMTP_UNSPECIFIED = Event.PROTOCOL_ERROR_ZMTP_UNSPECIFIED
PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND = Event.PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND
PROTOCOL_ERROR_ZMTP_INVALID_SEQUENCE = Event.PROTOCOL_ERROR_ZMTP_INVALID_SEQUENCE
PROTOCOL_ERROR_ZMTP_KEY_EXCHANGE = Event.PROTOCOL_ERROR_ZMTP_KEY_EXCHANGE
PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_UNSPECIFIED = Event.PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_UNSPECIFIED
PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_MESSAGE = Event.PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_MESSAGE
PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_HELLO = Event.PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_HELLO
PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_INITIATE = Event.PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_INITIATE
PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_ERROR = Event.PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_ERROR
PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_READY = Event.PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_READY
PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_WELCOME = Event.PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_WELCOME
PROTOCOL_ERROR_ZMTP_INVALID_METADATA = Event.PROTOCOL_ERROR_ZMTP_INVALID_METADATA
PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC = Event.PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC
PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH = Event.PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH
PROTOCOL_ERROR_ZAP_UNSPECIFIED = Event.PROTOCOL_ERROR_ZAP_UNSPECIFIED
PROTOCOL_ERROR_ZAP_MALFORMED_REPLY = Event.PROTOCOL_ERROR_ZAP_MALFORMED_REPLY
PROTOCOL_ERROR_ZAP_BAD_REQUEST_ID = Event.PROTOCOL_ERROR_ZAP_BAD_REQUEST_ID
PROTOCOL_ERROR_ZAP_BAD_VERSION = Event.PROTOCOL_ERROR_ZAP_BAD_VERSION
PROTOCOL_ERROR_ZAP_INVALID_STATUS_CODE = Event.PROTOCOL_ERROR_ZAP_INVALID_STATUS_CODE
PROTOCOL_ERROR_ZAP_INVALID_METADATA = Event.PROTOCOL_ERROR_ZAP_INVALID_METADATA
PROTOCOL_ERROR_WS_UNSPECIFIED = Event.PROTOCOL_ERROR_WS_UNSPECIFIED

# Errno
EAGAIN = Errno.EAGAIN
EFAULT = Errno.EFAULT
EINVAL = Errno.EINVAL
ENOTSUP = Errno.ENOTSUP
EPROTONOSUPPORT = Errno.EPROTONOSUPPORT
ENOBUFS = Errno.ENOBUFS
ENETDOWN = Errno.ENETDOWN
EADDRINUSE = Errno.EADDRINUSE
EADDRNOTAVAIL = Errno.EADDRNOTAVAIL
ECONNREFUSED = Errno.ECONNREFUSED
EINPROGRESS = Errno.EINPROGRESS
ENOTSOCK = Errno.ENOTSOCK
EMSGSIZE = Errno.EMSGSIZE
EAFNOSUPPORT = Errno.EAFNOSUPPORT
ENETUNREACH = Errno.ENETUNREACH
ECONNABORTED = Errno.ECONNABORTED
ECONNRESET = Errno.ECONNRESET
ENOTCONN = Errno.ENOTCONN
ETIMEDOUT = Errno.ETIMEDOUT
EHOSTUNREACH = Errno.EHOSTUNREACH
ENETRESET = Errno.ENETRESET
EFSM = Errno.EFSM
ENOCOMPATPROTO = Errno.ENOCOMPATPROTO
ETERM = Errno.ETERM
EMTHREAD = Errno.EMTHREAD

# SecurityMechanism
NULL = SecurityMechanism.NULL
PLAIN = SecurityMechanism.PLAIN
CURVE = SecurityMechanism.CURVE
GSSAPI = SecurityMechanism.GSSAPI

# RouterNotify
NOTIFY_CONNECT = RouterNotify.CONNECT
NOTIFY_DISCONNECT = RouterNotify.DISCONNECT

# NormMode
NORM_FIXED = NormMode.FIXED
NORM_CC = NormMode.CC
NORM_CCL = NormMode.CCL
NORM_CCE = NormMode.CCE
NORM_CCE_ECNONLY = NormMode.CCE_ECNONLY

# ReconnectStop
RECONNECT_STOP_CONN_REFUSED = ReconnectStop.CONN_REFUSED
RECONNECT_STOP_HANDSHAKE_FAILED = ReconnectStop.HANDSHAKE_FAILED
RECONNECT_STOP_AFTER_DISCONNECT = ReconnectStop.AFTER_DISCONNECT

# DeviceType
STREAMER = DeviceType.STREAMER
FORWARDER = DeviceType.FORWARDER
QUEUE = DeviceType.QUEUE


# Everything public: the enum classes, ``Enum``/``IntEnum``/``IntFlag``
# (pyzmq re-exports them too), ``OPTION_TYPES`` and every upper-case name above.
# Hidden from type checkers, which cannot evaluate the comprehension: with no
# __all__ they take every public name, the same set, for `import *`.
if not _typing.TYPE_CHECKING:
    __all__ = [
        "Enum",
        "IntEnum",
        "IntFlag",
        "SocketType",
        "SocketOption",
        "ContextOption",
        "MessageOption",
        "Flag",
        "PollEvent",
        "Event",
        "Errno",
        "SecurityMechanism",
        "RouterNotify",
        "NormMode",
        "ReconnectStop",
        "DeviceType",
        "OPTION_TYPES",
    ]
    __all__ += [
        _name
        for _name in list(globals())
        if _name.isupper() and not _name.startswith("_") and _name not in __all__
    ]
