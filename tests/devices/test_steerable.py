"""proxy_steerable: PAUSE / RESUME / TERMINATE / STATISTICS on a control socket."""

from __future__ import annotations

import struct
import sys

import pytest

import purezmq
from purezmq.proxy import proxy_steerable

from devices_util import Runner, assert_silent, bound, decode_stats, sock


def _pipeline(ctx, bind_endpoint, transport="inproc"):
    """src -> PULL [proxy] PUSH -> dst."""
    frontend, fe_addr = bound(ctx, purezmq.PULL, bind_endpoint(transport))
    backend, be_addr = bound(ctx, purezmq.PUSH, bind_endpoint(transport))
    src = sock(ctx, purezmq.PUSH)
    src.connect(fe_addr)
    dst = sock(ctx, purezmq.PULL)
    dst.connect(be_addr)
    return frontend, backend, src, dst


@pytest.mark.parametrize("transport", ["tcp", "ipc", "inproc"])
def test_pause_resume_with_pair_control(ctx, run_proxy, bind_endpoint, transport):
    frontend, backend, src, dst = _pipeline(ctx, bind_endpoint, transport)
    runner = run_proxy(frontend, backend)
    ctl = runner.control
    src.send(b"before")
    assert dst.recv() == b"before"

    ctl.send(b"PAUSE")
    # A PAIR control gets no reply (only STATISTICS answers); a STATISTICS
    # round trip tells us the PAUSE was handled.
    ctl.send(b"STATISTICS")
    assert decode_stats(ctl.recv_multipart())[:2] == [1, 6]
    src.send_multipart([b"while", b"paused"])
    assert_silent(dst, 300)

    ctl.send(b"RESUME")
    assert dst.recv_multipart() == [b"while", b"paused"]
    src.send(b"after")
    assert dst.recv() == b"after"
    assert_silent(ctl)


def test_commands_with_rep_control_get_empty_replies(ctx, run_proxy, bind_endpoint):
    frontend, backend, src, dst = _pipeline(ctx, bind_endpoint)
    runner = run_proxy(frontend, backend, control_type=purezmq.REP)
    ctl = runner.control  # a REQ
    assert ctl.socket_type == purezmq.REQ

    ctl.send(b"PAUSE")
    assert ctl.recv_multipart() == [b""]
    src.send(b"x")
    assert_silent(dst, 300)
    # Unknown commands are ignored (a REP still answers): still paused.
    for junk in (b"HELLO", b"pause", b"", b"PAUSE!", b"RESUMEX"):
        ctl.send(junk)
        assert ctl.recv_multipart() == [b""]
    assert_silent(dst, 200)
    ctl.send(b"RESUME")
    assert ctl.recv_multipart() == [b""]
    assert dst.recv() == b"x"
    ctl.send(b"STATISTICS")
    assert decode_stats(ctl.recv_multipart()) == [1, 1, 0, 0, 0, 0, 1, 1]
    ctl.send(b"TERMINATE")
    assert ctl.recv_multipart() == [b""]
    runner.finish()
    assert runner.error is None and runner.result == 0


def test_terminate_returns_zero_and_leaves_sockets_usable(ctx, bind_endpoint):
    frontend, backend, src, dst = _pipeline(ctx, bind_endpoint)
    ctl, addr = bound(ctx, purezmq.PAIR, bind_endpoint("inproc"))
    peer = sock(ctx, purezmq.PAIR)
    peer.connect(addr)
    runner = Runner(proxy_steerable, frontend, backend, None, ctl)
    src.send(b"1")
    assert dst.recv() == b"1"
    peer.send(b"TERMINATE")
    runner.finish()
    assert runner.error is None and runner.result == 0
    # The proxy is gone: messages stay queued in the frontend...
    src.send(b"2")
    assert_silent(dst)
    # ...and the caller still owns working sockets.
    assert frontend.recv() == b"2"
    backend.send(b"3")
    assert dst.recv() == b"3"


def test_terminate_while_paused(ctx, run_proxy, bind_endpoint):
    frontend, backend, src, dst = _pipeline(ctx, bind_endpoint)
    runner = run_proxy(frontend, backend)
    runner.control.send(b"PAUSE")
    runner.control.send(b"TERMINATE")
    runner.finish()
    assert runner.error is None and runner.result == 0


def test_statistics_counts_frames_and_bytes_each_way(ctx, run_proxy, bind_endpoint):
    frontend, fe_addr = bound(ctx, purezmq.PAIR, bind_endpoint("tcp"))
    backend, be_addr = bound(ctx, purezmq.PAIR, bind_endpoint("ipc"))
    capture, cap_addr = bound(ctx, purezmq.PUSH, bind_endpoint("inproc"))
    tap = sock(ctx, purezmq.PULL)
    tap.connect(cap_addr)
    runner = run_proxy(frontend, backend, capture)
    ctl = runner.control

    ctl.send(b"STATISTICS")
    frames = ctl.recv_multipart()
    assert len(frames) == 8 and all(f == bytes(8) for f in frames)

    left = sock(ctx, purezmq.PAIR)
    left.connect(fe_addr)
    right = sock(ctx, purezmq.PAIR)
    right.connect(be_addr)
    left.send(b"ab")
    left.send_multipart([b"c", b"def", b""])
    right.send_multipart([b"xyz", b"0123456789"])
    assert right.recv_multipart() == [b"ab"]
    assert right.recv_multipart() == [b"c", b"def", b""]
    assert left.recv_multipart() == [b"xyz", b"0123456789"]
    for _ in range(3):
        tap.recv_multipart()

    ctl.send(b"STATISTICS")
    frames = ctl.recv_multipart()
    # frontend: received 4 frames / 6 bytes, sent 2 / 13;
    # backend: received 2 / 13, sent 4 / 6 (frames, not messages: libzmq 4.3.5)
    assert decode_stats(frames) == [4, 6, 2, 13, 2, 13, 4, 6]
    assert frames[0] == struct.pack("=Q", 4)
    assert frames[0] == (4).to_bytes(8, sys.byteorder)


def test_statistics_while_paused_and_control_commands_in_a_burst(ctx, run_proxy, bind_endpoint):
    frontend, backend, src, dst = _pipeline(ctx, bind_endpoint)
    runner = run_proxy(frontend, backend)
    ctl = runner.control
    ctl.send(b"PAUSE")
    for i in range(5):
        src.send(b"m%d" % i)
    for _ in range(3):
        ctl.send(b"STATISTICS")
    for _ in range(3):
        assert decode_stats(ctl.recv_multipart()) == [0] * 8
    ctl.send(b"RESUME")
    assert [dst.recv() for _ in range(5)] == [b"m%d" % i for i in range(5)]
    ctl.send(b"STATISTICS")
    assert decode_stats(ctl.recv_multipart()) == [5, 10, 0, 0, 0, 0, 5, 10]
