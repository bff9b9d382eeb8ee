"""Endpoint forms across the two libraries: wildcards, IPv6, host and
interface names, abstract IPC names; and LAST_ENDPOINT spelled as libzmq
spells it."""

from __future__ import annotations

import os
import re
import socket

import pytest

from interop_util import make


def _ipv6_loopback() -> bool:
    try:
        s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        s.bind(("::1", 0))
        s.close()
        return True
    except OSError:
        return False


SPECS = [
    ("tcp://127.0.0.1:*", 0),
    ("tcp://*:*", 0),
    ("tcp://0.0.0.0:*", 0),
    ("tcp://localhost:*", 0),
    ("tcp://lo:*", 0),
    pytest.param("tcp://*:*", 1, marks=pytest.mark.skipif(not _ipv6_loopback(), reason="no IPv6")),
    pytest.param("tcp://[::1]:*", 1,
                 marks=pytest.mark.skipif(not _ipv6_loopback(), reason="no IPv6")),
    ("ipc://@purezmq-interop-%d-{lib}" % os.getpid(), 0),
]


def _reachable(ep: str) -> str:
    """Where a peer connects for a bound endpoint (wildcards -> loopback)."""
    return ep.replace("0.0.0.0", "127.0.0.1").replace("[::]", "[::1]")


@pytest.mark.parametrize("spec,ipv6", SPECS)
@pytest.mark.parametrize("binder", ["pz", "lz"])
def test_bind_connect_across_libraries(ctx, zctx, binder, spec, ipv6):
    contexts = {"pz": ctx, "lz": zctx}
    other = "lz" if binder == "pz" else "pz"
    pull = make(contexts[binder], "PULL", ipv6=ipv6)
    pull.bind(spec.format(lib=binder))
    ep = pull.last_endpoint.decode()
    push = make(contexts[other], "PUSH", ipv6=ipv6)
    push.connect(_reachable(ep))
    push.send(b"over " + ep.encode())
    assert pull.recv() == b"over " + ep.encode()


@pytest.mark.parametrize("spec,ipv6", SPECS)
def test_last_endpoint_spelled_like_libzmq(ctx, zctx, spec, ipv6):
    got = {}
    for name, context in (("pz", ctx), ("lz", zctx)):
        s = make(context, "PULL", ipv6=ipv6)
        s.bind(spec.format(lib=name + "2"))
        got[name] = re.sub(r":\d+$", ":<port>", s.last_endpoint.decode()).replace(name + "2", "*")
        s.close()
    assert got["pz"] == got["lz"]
