"""Tests for purezmq.transport.address, checked against libzmq through pyzmq.

Every comparison with libzmq binds only to port 0 / ``*`` (or to strings
libzmq rejects before binding) and connects only to port 0.
"""

from __future__ import annotations

import errno
import os
import re
import socket
import stat
import sys

import pytest

from purezmq.error import ZMQError
from purezmq.transport.address import (
    ENOCOMPATPROTO,
    IPC_PATH_MAX,
    _c_atoi,
    check_tcp_connect_address,
    format_ipc_endpoint,
    format_tcp_endpoint,
    is_ipc_wildcard,
    new_ipc_wildcard_path,
    parse_endpoint,
    resolve_ipc,
    resolve_tcp_bind,
    resolve_tcp_connect,
    validate_inproc,
)

AF_INET, AF_INET6 = socket.AF_INET, socket.AF_INET6


def _have_ipv6_loopback() -> bool:
    if not socket.has_ipv6:
        return False
    try:
        with socket.socket(AF_INET6, socket.SOCK_STREAM) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


HAVE_IPV6 = _have_ipv6_loopback()
needs_ipv6 = pytest.mark.skipif(not HAVE_IPV6, reason="no IPv6 loopback")
HAVE_ABSTRACT = sys.platform.startswith("linux")
needs_abstract = pytest.mark.skipif(not HAVE_ABSTRACT, reason="Linux abstract sockets only")


def errno_of(func, *args, **kwargs) -> int:
    """0 if the call succeeds, else the errno of the ZMQError it raises."""
    try:
        func(*args, **kwargs)
    except ZMQError as exc:
        return exc.errno
    return 0


# ---------------------------------------------------------------------------
# What purezmq's socket layer does, built on this module (and real sockets)
# ---------------------------------------------------------------------------

def our_bind(endpoint: str, ipv6: bool = False) -> tuple[int, str | None]:
    """(errno or 0, LAST_ENDPOINT) of a bind done the way libzmq does it."""
    try:
        transport, address = parse_endpoint(endpoint)
        if transport == "inproc":
            return 0, "inproc://" + validate_inproc(address)
        if transport == "ipc":
            wildcard_dir = None
            if is_ipc_wildcard(address):
                address = new_ipc_wildcard_path()
                wildcard_dir = os.path.dirname(address)
            try:
                target = resolve_ipc(address)
                if isinstance(target, str):
                    # libzmq removes a stale socket file before binding.
                    try:
                        os.unlink(target)
                    except OSError:
                        pass
                with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
                    try:
                        s.bind(target)
                    except OSError as exc:
                        return exc.errno, None
                    name = format_ipc_endpoint(s.getsockname())
                if isinstance(target, str):
                    os.unlink(target)
                return 0, name
            finally:
                if wildcard_dir is not None:
                    os.rmdir(wildcard_dir)
        family, sockaddr = resolve_tcp_bind(address, ipv6)
    except ZMQError as exc:
        return exc.errno, None
    with socket.socket(family, socket.SOCK_STREAM) as s:
        try:
            if family == AF_INET6:
                s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(sockaddr)
            s.listen()
        except OSError as exc:
            return exc.errno, None
        return 0, format_tcp_endpoint(family, s.getsockname())


def our_connect(endpoint: str, ipv6: bool = False) -> int:
    """errno or 0 of the synchronous part of a connect, as in libzmq."""
    try:
        transport, address = parse_endpoint(endpoint)
        if transport == "tcp":
            check_tcp_connect_address(address)
        elif transport == "ipc":
            resolve_ipc(address)
        else:
            validate_inproc(address)
    except ZMQError as exc:
        return exc.errno
    return 0


# ---------------------------------------------------------------------------
# The reference: libzmq through pyzmq
# ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def zctx():
    zmq = pytest.importorskip("zmq")
    ctx = zmq.Context()
    yield ctx
    ctx.term()


def zmq_op(ctx, op: str, endpoint: str, ipv6: bool = False) -> tuple[int, str | None]:
    import zmq

    s = ctx.socket(zmq.PUSH)
    s.linger = 0
    try:
        if ipv6:
            s.ipv6 = True
        try:
            getattr(s, op)(endpoint)
        except zmq.ZMQError as exc:
            return exc.errno, None
        return 0, s.getsockopt_string(zmq.LAST_ENDPOINT)
    finally:
        s.close()


def _portless(endpoint: str | None) -> str | None:
    return None if endpoint is None else re.sub(r":\d+$", ":PORT", endpoint)


# ---------------------------------------------------------------------------
# parse_endpoint
# ---------------------------------------------------------------------------

@pytest.mark.parametrize(
    "endpoint, expected",
    [
        ("tcp://127.0.0.1:5555", ("tcp", "127.0.0.1:5555")),
        ("ipc:///tmp/x", ("ipc", "/tmp/x")),
        ("ipc://@name", ("ipc", "@name")),
        ("inproc://a://b", ("inproc", "a://b")),
        ("inproc://a b", ("inproc", "a b")),
        ("inproc://x\0ignored", ("inproc", "x")),
        (b"tcp://*:0", ("tcp", "*:0")),
        (bytearray(b"ipc:///tmp/\xff"), ("ipc", "/tmp/\udcff")),
    ],
)
def test_parse_endpoint_ok(endpoint, expected):
    assert parse_endpoint(endpoint) == expected


@pytest.mark.parametrize(
    "endpoint, err",
    [
        ("tcp:/127.0.0.1:0", errno.EINVAL),
        ("tcp:127.0.0.1:0", errno.EINVAL),
        ("127.0.0.1:0", errno.EINVAL),
        ("://127.0.0.1:0", errno.EINVAL),
        ("tcp://", errno.EINVAL),
        ("foo://", errno.EINVAL),  # malformed wins over unknown transport
        ("", errno.EINVAL),
        ("\0tcp://127.0.0.1:0", errno.EINVAL),
        (None, errno.EINVAL),
        (5, errno.EINVAL),
        ("TCP://127.0.0.1:0", errno.EPROTONOSUPPORT),
        ("foo://bar", errno.EPROTONOSUPPORT),
        ("pgm://eth0;239.192.1.1:5555", errno.EPROTONOSUPPORT),
        ("epgm://eth0;239.192.1.1:5555", errno.EPROTONOSUPPORT),
        ("norm://1,127.0.0.1:0", errno.EPROTONOSUPPORT),
        ("vmci://1:0", errno.EPROTONOSUPPORT),
        ("ws://127.0.0.1:0", errno.EPROTONOSUPPORT),
        ("wss://127.0.0.1:0", errno.EPROTONOSUPPORT),
        ("tipc://{5560,0,0}", errno.EPROTONOSUPPORT),
        ("udp://127.0.0.1:0", ENOCOMPATPROTO),
        ("udp://", errno.EINVAL),
    ],
)
def test_parse_endpoint_errors(endpoint, err):
    assert errno_of(parse_endpoint, endpoint) == err


# Transports libzmq 4.3.5 (as bundled in pyzmq) rejects outright; tipc is
# compiled into pyzmq's libzmq on Linux, so it is compared nowhere.
@pytest.mark.parametrize(
    "endpoint",
    [
        "TCP://127.0.0.1:0", "Tcp://127.0.0.1:0", "foo://bar", "foo://", "tcp:/x:0",
        "://x", "tcp://", "ipc://", "inproc://", "pgm://eth0;239.192.1.1:0",
        "epgm://eth0;239.192.1.1:0", "norm://1,127.0.0.1:0", "vmci://1:0",
        "ws://127.0.0.1:0", "wss://127.0.0.1:0", "udp://127.0.0.1:0", "udp://*:0",
    ],
)
@pytest.mark.parametrize("op", ["bind", "connect"])
def test_parse_endpoint_matches_libzmq(zctx, op, endpoint):
    expected, _ = zmq_op(zctx, op, endpoint)
    assert expected != 0
    assert errno_of(parse_endpoint, endpoint) == expected


# ---------------------------------------------------------------------------
# TCP bind
# ---------------------------------------------------------------------------

@pytest.mark.parametrize(
    "address, ipv6, expected",
    [
        ("*:*", False, (AF_INET, ("0.0.0.0", 0))),
        ("*:0", False, (AF_INET, ("0.0.0.0", 0))),
        ("*:5555", False, (AF_INET, ("0.0.0.0", 5555))),
        ("*:*", True, (AF_INET6, ("::", 0, 0, 0))),
        ("127.0.0.1:5555", False, (AF_INET, ("127.0.0.1", 5555))),
        ("[127.0.0.1]:5555", False, (AF_INET, ("127.0.0.1", 5555))),
        ("127.1:5555", False, (AF_INET, ("127.0.0.1", 5555))),
        ("0:1", False, (AF_INET, ("0.0.0.0", 1))),
        ("localhost:*", False, (AF_INET, ("127.0.0.1", 0))),
        ("lo:*", False, (AF_INET, ("127.0.0.1", 0))),
        ("127.0.0.1:5555", True, (AF_INET6, ("::ffff:127.0.0.1", 5555, 0, 0))),
        ("[::1]:5555", True, (AF_INET6, ("::1", 5555, 0, 0))),
        ("::1:5555", True, (AF_INET6, ("::1", 5555, 0, 0))),
        ("[::]:*", True, (AF_INET6, ("::", 0, 0, 0))),
        ("[::1%1]:7", True, (AF_INET6, ("::1", 7, 0, 1))),
        ("[::ffff:127.0.0.1]:7", False, (AF_INET, ("127.0.0.1", 7))),
        # A source part is checked, then ignored.
        ("127.0.0.1:1;*:7", False, (AF_INET, ("0.0.0.0", 7))),
        # C atoi, then a cast to uint16.
        ("127.0.0.1:-1", False, (AF_INET, ("127.0.0.1", 65535))),
        ("127.0.0.1:65537", False, (AF_INET, ("127.0.0.1", 1))),
        ("127.0.0.1:4294967297", False, (AF_INET, ("127.0.0.1", 1))),
        ("127.0.0.1: +5x", False, (AF_INET, ("127.0.0.1", 5))),
        ("127.0.0.1:1e3", False, (AF_INET, ("127.0.0.1", 1))),
        ("127.0.0.1:99999999999999999999", False, (AF_INET, ("127.0.0.1", 65535))),
        ("127.0.0.1%lo:7", False, (AF_INET, ("127.0.0.1", 7))),
    ],
)
def test_resolve_tcp_bind(address, ipv6, expected):
    if address.startswith("lo:") and "lo" not in dict(
            (n, i) for i, n in socket.if_nameindex()):
        pytest.skip("no 'lo' interface")
    if ipv6 and not HAVE_IPV6:
        pytest.skip("no IPv6 loopback")
    assert resolve_tcp_bind(address, ipv6) == expected


@pytest.mark.parametrize(
    "address, ipv6, err",
    [
        ("127.0.0.1", False, errno.EINVAL),  # no port
        ("*", False, errno.EINVAL),
        ("127.0.0.1:", False, errno.EINVAL),
        ("127.0.0.1:abc", False, errno.EINVAL),
        ("127.0.0.1:00", False, errno.EINVAL),  # only "0" itself means 0
        ("127.0.0.1:-0", False, errno.EINVAL),
        ("127.0.0.1:0x10", False, errno.EINVAL),
        ("127.0.0.1:65536", False, errno.EINVAL),
        ("127.0.0.1:4294967296", False, errno.EINVAL),
        ("127.0.0.1%:0", False, errno.EINVAL),  # empty zone
        ("127.0.0.1%0:0", False, errno.EINVAL),
        ("127.0.0.1%no-such-if:0", False, errno.EINVAL),
        ("[::1%no-such-if]:0", True, errno.EINVAL),
        ("127.0.0.1;127.0.0.1:0", False, errno.EINVAL),  # source without port
        ("nonexistent-iface:5555", False, errno.ENODEV),
        ("nonexistent-iface:5555", True, errno.ENODEV),
        ("nonexistent.invalid:0", False, errno.ENODEV),
        (":0", False, errno.ENODEV),
        ("[]:0", False, errno.ENODEV),
        ("256.0.0.1:0", False, errno.ENODEV),
        ("[::1]:0", False, errno.ENODEV),  # IPv6 literal without ZMQ_IPV6
        ("::1:0", False, errno.ENODEV),
        ("::*", True, errno.ENODEV),
        ("hé:0", False, errno.ENODEV),
        ("no.such.host;127.0.0.1:0", False, errno.EINVAL),  # source lacks a port
        ("localhost:0;127.0.0.1:0", False, errno.ENODEV),  # no DNS for sources
    ],
)
def test_resolve_tcp_bind_errors(address, ipv6, err):
    assert errno_of(resolve_tcp_bind, address, ipv6) == err


# Endpoints whose bind outcome is compared with libzmq's, through our
# resolution plus a plain socket bind.  Ports are 0/* or invalid.
BIND_CASES = [
    "tcp://127.0.0.1:0", "tcp://127.0.0.1:*", "tcp://*:0", "tcp://*:*",
    "tcp://localhost:*", "tcp://localhost:0", "tcp://lo:*", "tcp://[lo]:*",
    "tcp://lo%lo:*", "tcp://nonexistent-iface:5555", "tcp://nonexistent.invalid:5555",
    "tcp://[::1]:*", "tcp://::1:*", "tcp://[::1]:0", "tcp://[::]:*", "tcp://::*",
    "tcp://:*", "tcp://:0", "tcp://[]:*", "tcp://[:*", "tcp://]:*", "tcp://[[::1]]:*",
    "tcp://127.0.0.1", "tcp://127.0.0.1:", "tcp://127.0.0.1:abc", "tcp://127.0.0.1:65536",
    "tcp://127.0.0.1:0x10", "tcp://127.0.0.1:00", "tcp://127.0.0.1:-0",
    "tcp://127.0.0.1:+0", "tcp://127.0.0.1: 0", "tcp://127.0.0.1:0 ",
    "tcp://127.0.0.1:4294967296", "tcp://127.0.0.1:-65536",
    "tcp://127.0.0.1:-99999999999999999999", "tcp://256.0.0.1:*", "tcp://1.2.3:*",
    "tcp://127.1:*", "tcp://0:*", "tcp://0.0.0.0:*", "tcp://203.0.113.77:*",
    "tcp://[127.0.0.1]:*", "tcp://127.0.0.1%lo:*", "tcp://127.0.0.1%no-such-if:*",
    "tcp://127.0.0.1%:*", "tcp://127.0.0.1%1:*", "tcp://127.0.0.1%0:*",
    "tcp://[::ffff:127.0.0.1]:*", "tcp://[::1%lo]:*", "tcp://[::1%1]:*",
    "tcp://[::1%99]:*", "tcp://[::1%no-such-if]:*", "tcp://[fe80::1]:*",
    "tcp://*", "tcp://localhost.:*", "tcp://host_name:0", "tcp://hé:0",
    "tcp://127.0.0.1;127.0.0.1:0", "tcp://a;b;c:0", "tcp://127.0.0.1:*;127.0.0.1:*",
    "tcp://lo:*;127.0.0.1:0", "tcp://no.such.host:0;127.0.0.1:0",
    "tcp://127.0.0.1:0\0junk", "tcp://127.0.0.1:x;127.0.0.1:0",
]


@pytest.mark.parametrize("ipv6", [False, True], ids=["ipv4", "ipv6"])
@pytest.mark.parametrize("endpoint", BIND_CASES)
def test_tcp_bind_matches_libzmq(zctx, endpoint, ipv6):
    if (ipv6 or "::" in endpoint) and not HAVE_IPV6:
        pytest.skip("no IPv6 loopback")
    expected = zmq_op(zctx, "bind", endpoint, ipv6)
    got = our_bind(endpoint, ipv6)
    assert got[0] == expected[0]
    assert _portless(got[1]) == _portless(expected[1])


def _interface_names():
    try:
        return [name for _, name in socket.if_nameindex()]
    except OSError:
        return []


@pytest.mark.parametrize("ipv6", [False, True], ids=["ipv4", "ipv6"])
@pytest.mark.parametrize("iface", _interface_names())
def test_bind_to_interface_matches_libzmq(zctx, iface, ipv6):
    if ipv6 and not HAVE_IPV6:
        pytest.skip("no IPv6 loopback")
    endpoint = f"tcp://{iface}:*"
    expected = zmq_op(zctx, "bind", endpoint, ipv6)
    got = our_bind(endpoint, ipv6)
    assert got[0] == expected[0]
    assert _portless(got[1]) == _portless(expected[1])


def test_bind_port_truncation_matches_libzmq(zctx):
    # A port above 65535 wraps around: pick a free port p, bind p + 65536.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    endpoint = f"tcp://127.0.0.1:{port + 65536}"
    assert resolve_tcp_bind(endpoint[6:]) == (AF_INET, ("127.0.0.1", port))
    err, last = zmq_op(zctx, "bind", endpoint)
    if err == errno.EADDRINUSE:
        pytest.skip("port taken meanwhile")
    assert (err, last) == (0, f"tcp://127.0.0.1:{port}")


# ---------------------------------------------------------------------------
# TCP connect
# ---------------------------------------------------------------------------

@pytest.mark.parametrize(
    "address, ipv6, expected",
    [
        ("127.0.0.1:5555", False, (AF_INET, ("127.0.0.1", 5555), None)),
        ("localhost:5555", False, (AF_INET, ("127.0.0.1", 5555), None)),
        ("127.0.0.1:0", False, (AF_INET, ("127.0.0.1", 0), None)),
        ("[::1]:5555", True, (AF_INET6, ("::1", 5555, 0, 0), None)),
        ("::1:5555", True, (AF_INET6, ("::1", 5555, 0, 0), None)),
        ("127.0.0.1:5555", True, (AF_INET6, ("::ffff:127.0.0.1", 5555, 0, 0), None)),
        ("127.0.0.1:0;127.0.0.1:5555", False,
         (AF_INET, ("127.0.0.1", 5555), ("127.0.0.1", 0))),
        ("127.0.0.1:*;localhost:5555", False,
         (AF_INET, ("127.0.0.1", 5555), ("127.0.0.1", 0))),
        ("lo:4000;127.0.0.1:5555", False,
         (AF_INET, ("127.0.0.1", 5555), ("127.0.0.1", 4000))),
        ("[::1]:0;[::1]:5555", True,
         (AF_INET6, ("::1", 5555, 0, 0), ("::1", 0, 0, 0))),
    ],
)
def test_resolve_tcp_connect(address, ipv6, expected):
    if ipv6 and not HAVE_IPV6:
        pytest.skip("no IPv6 loopback")
    if "lo:" in address and "lo" not in _interface_names():
        pytest.skip("no 'lo' interface")
    assert resolve_tcp_connect(address, ipv6) == expected


@pytest.mark.parametrize(
    "address, ipv6, err",
    [
        ("*:5555", False, errno.EINVAL),
        ("127.0.0.1:*", False, errno.EINVAL),
        ("127.0.0.1", False, errno.EINVAL),
        ("127.0.0.1:", False, errno.EINVAL),
        ("127.0.0.1:-1", False, errno.EINVAL),
        ("127.0.0.1:65536", False, errno.EINVAL),  # passes the check, atoi gives 0
        ("lo:5555", False, errno.EINVAL),  # no interface names for the peer
        ("nonexistent.invalid:5555", False, errno.EINVAL),
        ("[::1]:5555", False, errno.EINVAL),
        ("a b:1", False, errno.EINVAL),
        ("no.such.host:0;127.0.0.1:5555", False, errno.ENODEV),
        ("no-such-iface:0;127.0.0.1:5555", False, errno.ENODEV),
        ("127.0.0.1;127.0.0.1:5555", False, errno.EINVAL),
    ],
)
def test_resolve_tcp_connect_errors(address, ipv6, err):
    assert errno_of(resolve_tcp_connect, address, ipv6) == err


@pytest.mark.parametrize(
    "address, ok",
    [
        ("127.0.0.1:0", True), ("localhost:0", True), ("host_name:0", True),
        ("[::1]:0", True), ("::1:0", True), ("::1", True), (":0", True),
        ("host:0x", True), ("a*:0", True), ("a;b;c:0", True),
        ("127.0.0.1:0;127.0.0.1:0", True), ("lo:*;127.0.0.1:0", True),
        ("[fe80::1%eth0]:0", True), ("127.0.0.1:65536", True),
        ("*:0", False), ("127.0.0.1:*", False), ("127.0.0.1", False), ("host", False),
        ("127.0.0.1:", False), ("127.0.0.1:-1", False), ("127.0.0.1:+1", False),
        ("127.0.0.1: 1", False), ("127.0.0.1:0 ", False), ("a b:0", False),
        ("-host:0", False), (".host:0", False), ("_x:0", False), ("a/b:0", False),
        (" host:0", False), ("hé:0", False), ("*;127.0.0.1:0", False), ("", False),
    ],
)
def test_check_tcp_connect_address(address, ok):
    assert errno_of(check_tcp_connect_address, address) == (0 if ok else errno.EINVAL)


CONNECT_CASES = [
    "tcp://127.0.0.1:0", "tcp://*:0", "tcp://*:*", "tcp://127.0.0.1:*",
    "tcp://localhost:*", "tcp://localhost:0", "tcp://lo:*", "tcp://nonexistent.invalid:0",
    "tcp://[::1]:*", "tcp://[::1]:0", "tcp://::1:0", "tcp://::1", "tcp://:0", "tcp://:*",
    "tcp://127.0.0.1", "tcp://127.0.0.1:", "tcp://127.0.0.1:abc", "tcp://127.0.0.1:-1",
    "tcp://127.0.0.1:+0", "tcp://127.0.0.1: 0", "tcp://127.0.0.1:0 ", "tcp://127.0.0.1:0x",
    "tcp://127.0.0.1:00", "tcp://hé:0", "tcp://host_name:0", "tcp://a b:0", "tcp://-host:0",
    "tcp://.host:0", "tcp://_x:0", "tcp://a/b:0", "tcp:// host:0", "tcp://a*:0",
    "tcp://127.0.0.1;127.0.0.1:0", "tcp://a;b;c:0", "tcp://*;127.0.0.1:0",
    "tcp://127.0.0.1:0;*:0", "tcp://lo:*;127.0.0.1:0", "tcp://[fe80::1%lo]:0",
    "tcp://127.0.0.1%:0", "tcp://[]:0", "tcp://127.0.0.1:0\0junk",
    "ipc://", "ipc://@", "ipc://*", "ipc://@x", "ipc:///nonexistent-dir/sock",
    "ipc:///" + "x" * (IPC_PATH_MAX - 2), "ipc:///" + "x" * (IPC_PATH_MAX - 1),
    "ipc://@" + "x" * (IPC_PATH_MAX - 2), "ipc://@" + "x" * (IPC_PATH_MAX - 1),
    "inproc://", "inproc://x", "inproc://*", "inproc://a b",
]


@pytest.mark.parametrize("ipv6", [False, True], ids=["ipv4", "ipv6"])
@pytest.mark.parametrize("endpoint", CONNECT_CASES)
def test_connect_matches_libzmq(zctx, endpoint, ipv6):
    expected, _ = zmq_op(zctx, "connect", endpoint, ipv6)
    assert our_connect(endpoint, ipv6) == expected


# ---------------------------------------------------------------------------
# LAST_ENDPOINT for TCP
# ---------------------------------------------------------------------------

@pytest.mark.parametrize(
    "family, sockaddr, expected",
    [
        (AF_INET, ("127.0.0.1", 5555), "tcp://127.0.0.1:5555"),
        (AF_INET, ("0.0.0.0", 1), "tcp://0.0.0.0:1"),
        (AF_INET6, ("::1", 5555, 0, 0), "tcp://[::1]:5555"),
        (AF_INET6, ("::", 5555, 0, 0), "tcp://[::]:5555"),
        (AF_INET6, ("::ffff:127.0.0.1", 9, 0, 0), "tcp://[::ffff:127.0.0.1]:9"),
        (AF_INET6, ("0:0:0:0:0:0:0:1", 9, 0, 0), "tcp://[::1]:9"),
        (AF_INET6, ("::1", 9), "tcp://[::1]:9"),
        (socket.AF_UNIX, "/tmp/x", ""),
    ],
)
def test_format_tcp_endpoint(family, sockaddr, expected):
    assert format_tcp_endpoint(family, sockaddr) == expected


def test_format_tcp_endpoint_zone():
    index, name = socket.if_nameindex()[0]
    got = format_tcp_endpoint(AF_INET6, ("fe80::1", 7, 0, index))
    assert got == f"tcp://[fe80::1%{name}]:7"


@needs_ipv6
def test_ipv6_wildcard_is_dual_stack(zctx):
    family, sockaddr = resolve_tcp_bind("*:*", ipv6=True)
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        s.bind(sockaddr)
        s.listen()
        port = s.getsockname()[1]
        assert format_tcp_endpoint(family, s.getsockname()) == f"tcp://[::]:{port}"
        with socket.create_connection(("127.0.0.1", port), timeout=5):
            pass


# ---------------------------------------------------------------------------
# IPC
# ---------------------------------------------------------------------------

def test_resolve_ipc_path():
    assert resolve_ipc("/tmp/sock") == "/tmp/sock"
    assert resolve_ipc("relative/sock") == "relative/sock"
    assert resolve_ipc("*") == "*"  # only bind gives '*' a meaning
    assert resolve_ipc("x" * (IPC_PATH_MAX - 1)) == "x" * (IPC_PATH_MAX - 1)


def test_resolve_ipc_undecodable_bytes(tmp_path):
    _, address = parse_endpoint(b"ipc://" + bytes(tmp_path) + b"/\xff")
    target = resolve_ipc(address)
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.bind(target)
        assert os.fsencode(s.getsockname()) == bytes(tmp_path) + b"/\xff"


def test_resolve_ipc_abstract():
    assert resolve_ipc("@name") == b"\0name"
    assert resolve_ipc("@" + "n" * (IPC_PATH_MAX - 2)) == b"\0" + b"n" * (IPC_PATH_MAX - 2)


@pytest.mark.parametrize(
    "address, err",
    [
        ("@", errno.EINVAL),
        ("", errno.EINVAL),
        ("x" * IPC_PATH_MAX, errno.ENAMETOOLONG),
        ("@" + "x" * (IPC_PATH_MAX - 1), errno.ENAMETOOLONG),
        # The limit counts bytes of the UTF-8 form.
        ("é" * (IPC_PATH_MAX // 2), errno.ENAMETOOLONG),
    ],
)
def test_resolve_ipc_errors(address, err):
    assert errno_of(resolve_ipc, address) == err


@pytest.mark.parametrize(
    "addr, expected",
    [
        ("/tmp/x", "ipc:///tmp/x"),
        ("rel/x", "ipc://rel/x"),
        (b"\0name", "ipc://@name"),
        (b"\0na\0me", "ipc://@na"),
        (b"/tmp/y", "ipc:///tmp/y"),
        ("", "ipc://"),
    ],
)
def test_format_ipc_endpoint(addr, expected):
    assert format_ipc_endpoint(addr) == expected


def test_is_ipc_wildcard():
    assert is_ipc_wildcard("*")
    assert is_ipc_wildcard("*anything")
    assert not is_ipc_wildcard("/tmp/*")
    assert not is_ipc_wildcard("")


def _clear_tmp_env(monkeypatch):
    for var in ("TMPDIR", "TEMPDIR", "TMP"):
        monkeypatch.delenv(var, raising=False)


@pytest.mark.parametrize("trailing_slash", [False, True])
def test_new_ipc_wildcard_path(monkeypatch, tmp_path, trailing_slash):
    _clear_tmp_env(monkeypatch)
    monkeypatch.setenv("TMP", str(tmp_path) + ("/" if trailing_slash else ""))
    monkeypatch.setenv("TEMPDIR", str(tmp_path / "not-a-dir"))
    path = new_ipc_wildcard_path()
    assert re.fullmatch(re.escape(str(tmp_path)) + r"/tmp[A-Za-z0-9]{6}/socket", path)
    dirname = os.path.dirname(path)
    assert stat.S_IMODE(os.stat(dirname).st_mode) & 0o077 == 0
    assert not os.path.exists(path)
    os.rmdir(dirname)


def test_new_ipc_wildcard_path_relative(monkeypatch, tmp_path):
    _clear_tmp_env(monkeypatch)
    monkeypatch.chdir(tmp_path)
    path = new_ipc_wildcard_path()
    assert re.fullmatch(r"tmp[A-Za-z0-9]{6}/socket", path)
    assert os.path.isdir(tmp_path / os.path.dirname(path))
    os.rmdir(tmp_path / os.path.dirname(path))


def test_new_ipc_wildcard_paths_are_unique(monkeypatch, tmp_path):
    _clear_tmp_env(monkeypatch)
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    paths = {new_ipc_wildcard_path() for _ in range(20)}
    assert len(paths) == 20


def test_new_ipc_wildcard_path_mkdir_error(monkeypatch, tmp_path):
    _clear_tmp_env(monkeypatch)
    monkeypatch.setattr(os, "mkdir", _raise_eacces)
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    assert errno_of(new_ipc_wildcard_path) == errno.EACCES


def _raise_eacces(*args, **kwargs):
    raise PermissionError(errno.EACCES, "denied")


@pytest.mark.parametrize("env", ["tmpdir", "relative"])
def test_ipc_wildcard_matches_libzmq(zctx, monkeypatch, tmp_path, env):
    _clear_tmp_env(monkeypatch)
    if env == "tmpdir":
        monkeypatch.setenv("TMPDIR", str(tmp_path))
        pattern = re.escape(f"ipc://{tmp_path}/") + r"tmp[A-Za-z0-9]{6}/socket"
    else:
        monkeypatch.chdir(tmp_path)
        pattern = r"ipc://tmp[A-Za-z0-9]{6}/socket"
    expected = zmq_op(zctx, "bind", "ipc://*")
    got = our_bind("ipc://*")
    assert expected[0] == got[0] == 0
    assert re.fullmatch(pattern, expected[1])
    assert re.fullmatch(pattern, got[1])


def _ipc_cases(base: str):
    room = IPC_PATH_MAX - 1 - len(base) - 1
    return [
        ("ok-len", f"ipc://{base}/" + "p" * room),
        ("too-long", f"ipc://{base}/" + "p" * (room + 1)),
        ("missing-dir", f"ipc://{base}/missing/sock"),
        ("empty", "ipc://"),
        ("at", "ipc://@"),
    ]


@pytest.mark.parametrize("case", range(5))
def test_ipc_bind_matches_libzmq(zctx, tmp_path, case):
    base = str(tmp_path)
    if len(base) > IPC_PATH_MAX - 20:
        pytest.skip("temporary directory path too long")
    _, endpoint = _ipc_cases(base)[case]
    # Ours first: pyzmq releases its listener asynchronously after close.
    got = our_bind(endpoint)
    expected = zmq_op(zctx, "bind", endpoint)
    assert got == expected


@needs_abstract
@pytest.mark.parametrize("extra", [-1, 0])
def test_ipc_abstract_bind_matches_libzmq(zctx, extra):
    name = f"purezmq-test-{os.getpid()}-"
    name += "a" * (IPC_PATH_MAX - 1 - len(name) + extra)
    endpoint = "ipc://@" + name
    # Ours first: pyzmq releases its listener asynchronously after close.
    got = our_bind(endpoint)
    expected = zmq_op(zctx, "bind", endpoint)
    assert got == expected
    if extra < 0:
        assert got == (0, endpoint)
    else:
        assert got == (errno.ENAMETOOLONG, None)


# ---------------------------------------------------------------------------
# inproc
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["x", "*", "a b", "a://b", "é"])
def test_validate_inproc(name):
    assert validate_inproc(name) == name


def test_validate_inproc_empty():
    assert errno_of(validate_inproc, "") == errno.EINVAL


@pytest.mark.parametrize("endpoint", ["inproc://", "inproc://x-purezmq-test",
                                      "inproc://*", "inproc://a b"])
def test_inproc_bind_matches_libzmq(zctx, endpoint):
    expected = zmq_op(zctx, "bind", endpoint)
    assert our_bind(endpoint) == expected


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------

@pytest.mark.parametrize(
    "text, value",
    [
        ("0", 0), ("5555", 5555), (" 12", 12), ("\t+7x", 7), ("-1", -1), ("", 0),
        ("abc", 0), ("1e3", 1), ("0x10", 0), ("4294967297", 1),
        ("2147483648", -2147483648), ("99999999999999999999", -1),
        ("-99999999999999999999", 0), ("٣", 0),
    ],
)
def test_c_atoi(text, value):
    assert _c_atoi(text) == value


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux fallback")
@pytest.mark.parametrize("ipv6", [False, True], ids=["ipv4", "ipv6"])
def test_interface_lookup_without_getifaddrs(monkeypatch, ipv6):
    """The ioctl / /proc fallback finds what getifaddrs finds."""
    if ipv6 and not os.path.exists("/proc/net/if_inet6"):
        pytest.skip("no /proc/net/if_inet6")
    from purezmq.transport import address as mod

    names = _interface_names()
    with_getifaddrs = {n: errno_of(resolve_tcp_bind, f"{n}:*", ipv6) for n in names}
    results = {n: resolve_tcp_bind(f"{n}:*", ipv6) for n in names if not with_getifaddrs[n]}
    monkeypatch.setattr(mod, "_libc_funcs", False)
    for n in names:
        assert errno_of(resolve_tcp_bind, f"{n}:*", ipv6) == with_getifaddrs[n]
        if n in results and not (ipv6 and results[n][1][0].startswith("fe80")):
            assert resolve_tcp_bind(f"{n}:*", ipv6) == results[n]
