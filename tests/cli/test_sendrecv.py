"""purezmq send / recv between two processes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

import purezmq
from cli_util import Proc, assert_clean_error, cli_env, run


def test_push_pull_arguments_and_stdin(start):
    recv = start(["recv", "-t", "PULL", "--bind", "tcp://127.0.0.1:*", "-n", "4",
                  "--timeout", "20"])
    ep = recv.endpoint()
    assert ep.startswith("tcp://127.0.0.1:") and not ep.endswith("*")
    res = run(["send", "-t", "PUSH", "--connect", ep, "hello", "world"])
    assert res.returncode == 0, res.stderr
    res = run(["send", "--connect", ep], stdin=b"from stdin\nsecond x\n")
    assert res.returncode == 0, res.stderr
    assert recv.wait() == 0, recv.stderr
    assert recv.out == ["hello", "world", "from stdin", "second x"]


def test_multipart_separator_and_formats(start):
    recv = start(["recv", "--bind", "tcp://127.0.0.1:*", "-n", "2", "--format", "json",
                  "--timeout", "20"])
    ep = recv.endpoint()
    assert run(["send", "--connect", ep, "--separator", "|", "a|b|c"]).returncode == 0
    assert run(["send", "--connect", ep, "--multipart", "x", "y"]).returncode == 0
    assert recv.wait() == 0, recv.stderr
    assert [json.loads(line) for line in recv.out] == [["a", "b", "c"], ["x", "y"]]

    recv = start(["recv", "--bind", "tcp://127.0.0.1:*", "-n", "2", "--format", "hex",
                  "--separator", ",", "--timeout", "20"])
    ep = recv.endpoint()
    res = run(["send", "--connect", ep, "--format", "json"],
              stdin=b'["k", {"hex": "00ff"}]\n"\\u00e9"\n')
    assert res.returncode == 0, res.stderr
    assert recv.wait() == 0, recv.stderr
    assert recv.out == ["6b,00ff", "c3a9"]


def test_text_separator_joins_frames(start):
    recv = start(["recv", "--bind", "tcp://127.0.0.1:*", "-n", "1", "--separator", "\\t",
                  "--timeout", "20"])
    ep = recv.endpoint()
    assert run(["send", "--connect", ep, "-m", "a", "b"]).returncode == 0
    assert recv.wait() == 0
    assert recv.out == ["a\tb"]


def test_count_repeats_arguments(start):
    recv = start(["recv", "--bind", "tcp://127.0.0.1:*", "-n", "5", "--timeout", "20"])
    ep = recv.endpoint()
    assert run(["send", "--connect", ep, "-n", "5", "a", "b"]).returncode == 0
    assert recv.wait() == 0
    assert recv.out == ["a", "b", "a", "b", "a"]


def test_pub_sub_with_subscription(start):
    sub = start(["recv", "-t", "SUB", "--bind", "tcp://127.0.0.1:*", "--subscribe", "weather",
                 "-n", "2", "--timeout", "20"])
    ep = sub.endpoint()
    res = run(["send", "-t", "PUB", "--connect", ep, "--delay", "1",
               "news: nothing", "weather: sunny", "sport: none", "weather: rain"])
    assert res.returncode == 0, res.stderr
    assert sub.wait() == 0, sub.stderr
    assert sub.out == ["weather: sunny", "weather: rain"]


def test_req_rep(start):
    rep = start(["recv", "-t", "REP", "--bind", "tcp://127.0.0.1:*", "-n", "2",
                 "--reply", "ok", "--timeout", "20"])
    ep = rep.endpoint()
    res = run(["send", "-t", "REQ", "--connect", ep, "ping", "pong"])
    assert res.returncode == 0, res.stderr
    assert res.stdout.decode().splitlines() == ["ok", "ok"]
    assert rep.wait() == 0
    assert rep.out == ["ping", "pong"]


def test_rep_echoes_by_default_and_send_rep(start):
    rep = start(["recv", "-t", "REP", "--bind", "tcp://127.0.0.1:*", "-n", "1",
                 "--timeout", "20"])
    ep = rep.endpoint()
    res = run(["send", "-t", "REQ", "--connect", ep, "-m", "two", "frames"])
    assert res.returncode == 0, res.stderr
    assert res.stdout.decode().splitlines() == ["two frames"]
    assert rep.wait() == 0

    # send -t REP: prints each request, answers with the next message.
    server = start(["send", "-t", "REP", "--bind", "tcp://127.0.0.1:*", "answer"])
    ep = server.endpoint()
    res = run(["send", "-t", "REQ", "--connect", ep, "question"])
    assert res.stdout.decode().splitlines() == ["answer"]
    assert server.wait() == 0
    assert server.out == ["question"]


def test_dealer_router_identity_frames(start):
    router = start(["recv", "-t", "ROUTER", "--bind", "tcp://127.0.0.1:*", "-n", "1",
                    "-f", "json", "--timeout", "20"])
    ep = router.endpoint()
    assert run(["send", "-t", "DEALER", "--connect", ep, "hi"]).returncode == 0
    assert router.wait() == 0
    frames = json.loads(router.out[0])
    assert len(frames) == 2 and frames[1] == "hi"


def test_recv_timeout_status(start):
    res = run(["recv", "--bind", "tcp://127.0.0.1:*", "--timeout", "0.3", "-q"])
    assert_clean_error(res, 1, "no message")
    recv = start(["recv", "--bind", "tcp://127.0.0.1:*", "--timeout", "1", "-n", "3"])
    ep = recv.endpoint()
    assert run(["send", "--connect", ep, "only one"]).returncode == 0
    assert recv.wait() == 1
    assert recv.out == ["only one"]
    assert "received 1 of 3" in recv.stderr


def test_send_timeout_without_peer():
    res = run(["send", "--connect", "tcp://127.0.0.1:9", "--timeout", "0.5", "x"])
    assert_clean_error(res, 1, "no peer took the message")


def test_ipc(start, tmp_path):
    ep = f"ipc://{tmp_path}/s"
    recv = start(["recv", "--bind", ep, "-n", "1", "--timeout", "20"])
    recv.endpoint()
    assert run(["send", "--connect", ep, "over ipc"]).returncode == 0
    assert recv.wait() == 0 and recv.out == ["over ipc"]


def test_recv_reader_goes_away(tmp_path):
    """recv | head -1: recv ends quietly when its reader closes the pipe."""
    err_path = tmp_path / "stderr"
    with open(err_path, "wb") as err:
        p = subprocess.Popen([sys.executable, "-m", "purezmq", "recv", "--bind",
                              "tcp://127.0.0.1:*", "--timeout", "20"],
                             stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=err,
                             env=cli_env())
    try:
        deadline = time.monotonic() + 15
        while "bound to" not in err_path.read_text() and time.monotonic() < deadline:
            time.sleep(0.05)
        ep = err_path.read_text().split("bound to ")[1].split()[0]
        assert run(["send", "--connect", ep, "first"]).returncode == 0
        assert p.stdout.readline() == b"first\n"
        p.stdout.close()  # the reader goes away, as head does
        # Its peer gone, the sender may not place them all: it gives up after 2 s.
        run(["send", "--connect", ep, "-n", "50", "--timeout", "2", "more"], timeout=30)
        assert p.wait(15) == 141, err_path.read_text()
        assert "Traceback" not in err_path.read_text()
    finally:
        if p.poll() is None:
            p.kill()
            p.wait(5)


@pytest.mark.parametrize("cmd", [
    ["recv", "-t", "PULL", "--bind", "tcp://127.0.0.1:*"],
    ["recv", "-t", "SUB", "--connect", "tcp://127.0.0.1:9"],
    ["send", "-t", "PUSH", "--connect", "tcp://127.0.0.1:9", "never"],
])
def test_ctrl_c_ends_cleanly(start, cmd):
    p = start(cmd)
    if "--bind" in cmd:
        p.endpoint()
    else:
        time.sleep(1.0)  # let it get into its blocking call
    p.interrupt()
    t0 = time.monotonic()
    assert p.wait(10) == 130
    assert time.monotonic() - t0 < 5
    assert "Traceback" not in p.stderr, p.stderr
    assert p.stdout == ""


def test_sigterm_ends_cleanly(start):
    p = start(["recv", "--bind", "tcp://127.0.0.1:*"])
    p.endpoint()
    p.p.send_signal(signal.SIGTERM)
    assert p.wait(10) == 128 + signal.SIGTERM
    assert "Traceback" not in p.stderr


# -- security -----------------------------------------------------------------

needs_curve = pytest.mark.skipif(not purezmq.has("curve"), reason="CURVE needs PyNaCl")


@needs_curve
def test_curve_with_keygen_certificates(start, tmp_path):
    assert run(["keygen", "server", "-d", str(tmp_path)]).returncode == 0
    assert run(["keygen", "alice", "-d", str(tmp_path / "clients")]).returncode == 0
    assert run(["keygen", "mallory", "-d", str(tmp_path)]).returncode == 0
    recv = start(["recv", "--bind", "tcp://127.0.0.1:*", "-n", "1", "--timeout", "20",
                  "--curve-server", str(tmp_path / "server.key_secret"),
                  "--curve-clients", str(tmp_path / "clients")])
    ep = recv.endpoint()
    # An unknown client is refused: the message is not taken, both sides say why.
    res = run(["send", "--connect", ep, "--timeout", "1", "--curve-serverkey",
               str(tmp_path / "server.key"), "--curve-cert",
               str(tmp_path / "mallory.key_secret"), "from mallory"])
    assert res.returncode == 1
    assert "authentication failed" in res.stderr.decode()
    assert "Traceback" not in res.stderr.decode()
    # The server key may also be given as Z85 text.
    public = (tmp_path / "server.key").read_text().split('public-key = "')[1][:40]
    res = run(["send", "--connect", ep, "--curve-serverkey", public, "--curve-cert",
               str(tmp_path / "clients" / "alice.key_secret"), "from alice"])
    assert res.returncode == 0, res.stderr
    assert recv.wait() == 0
    assert recv.out == ["from alice"]
    assert "authentication failed" in recv.stderr


def test_plain_user_password(start):
    recv = start(["recv", "--bind", "tcp://127.0.0.1:*", "-n", "1", "--timeout", "20",
                  "--plain-server", "--plain-user", "bob", "--plain-password", "pw"])
    ep = recv.endpoint()
    res = run(["send", "--connect", ep, "--timeout", "1", "--plain-user", "bob",
               "--plain-password", "wrong", "bad"])
    assert res.returncode == 1
    res = run(["send", "--connect", ep, "--plain-user", "bob", "--plain-password", "pw",
               "good"])
    assert res.returncode == 0, res.stderr
    assert recv.wait() == 0
    assert recv.out == ["good"]
