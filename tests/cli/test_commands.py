"""purezmq proxy, monitor, bench, keygen, --version/--help and bad input."""

from __future__ import annotations

import importlib.util
import os
import re
import socket
import stat
import subprocess
import sys
import time

import pytest

import purezmq
from cli_util import assert_clean_error, cli_env, run

HAVE_PYZMQ = importlib.util.find_spec("zmq") is not None
HAVE_MATPLOTLIB = importlib.util.find_spec("matplotlib") is not None
COMMANDS = ["send", "recv", "proxy", "monitor", "bench", "keygen"]


# -- version, help ------------------------------------------------------------

def test_version():
    for flag in ("--version", "-V"):
        res = run([flag])
        assert res.returncode == 0
        assert res.stdout.decode().startswith(f"purezmq {purezmq.purezmq_version()}")


@pytest.mark.parametrize("cmd", COMMANDS)
def test_help_has_examples(cmd):
    res = run([cmd, "--help"])
    assert res.returncode == 0, res.stderr
    text = res.stdout.decode()
    assert f"usage: purezmq {cmd}" in text
    assert "examples:" in text and f"purezmq {cmd} " in text.split("examples:")[1]


def test_top_level_help_and_no_command():
    res = run(["--help"])
    assert res.returncode == 0
    for cmd in COMMANDS:
        assert cmd in res.stdout.decode()
    res = run([])
    assert res.returncode == 2 and "usage: purezmq" in res.stderr.decode()


def test_console_script_entry_point_is_declared():
    text = open(os.path.join(os.path.dirname(__file__), "..", "..", "pyproject.toml")).read()
    assert re.search(r'^\[project\.scripts\]\s*\npurezmq = "purezmq\.cli:main"', text, re.M)


# -- bad input: one line on stderr, non-zero, no traceback ----------------------

@pytest.mark.parametrize("ep", ["garbage", "tcp://nohost", "tcp://127.0.0.1:abc",
                                "udp://127.0.0.1:5555", "tcp://127.0.0.1:70000"])
def test_malformed_endpoint(ep):
    assert_clean_error(run(["recv", "--bind", ep]), 2, "malformed endpoint")
    assert_clean_error(run(["send", "--connect", ep, "x"]), 2, "malformed endpoint")
    assert_clean_error(run(["monitor", ep]), 2, "malformed endpoint")
    assert_clean_error(run(["proxy", ep, "tcp://127.0.0.1:*"]), 2, "malformed endpoint")


def test_endpoint_refused_by_the_library():
    assert_clean_error(run(["recv", "--bind", "tcp://300.1.1.1:5555"]), 1, "cannot bind")


@pytest.mark.parametrize("args", [
    ["recv", "-t", "FOO", "--bind", "tcp://127.0.0.1:*"],
    ["send", "--type", "pushh", "--connect", "tcp://127.0.0.1:5555", "x"],
    ["proxy", "-F", "NOPE", "tcp://127.0.0.1:*", "tcp://127.0.0.1:*"],
    ["monitor", "-t", "BOGUS", "tcp://127.0.0.1:5555"],
])
def test_unknown_socket_type(args):
    line = assert_clean_error(run(args), 2, "unknown socket type")
    assert "PUSH" in line  # the choices are listed


def test_wrong_direction_and_missing_endpoint():
    assert_clean_error(run(["recv", "-t", "PUSH", "--bind", "tcp://127.0.0.1:*"]), 2,
                       "cannot receive")
    assert_clean_error(run(["send", "-t", "SUB", "--bind", "tcp://127.0.0.1:*", "x"]), 2,
                       "cannot send")
    assert_clean_error(run(["recv"]), 2, "no endpoint")


@pytest.fixture
def busy_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen()
    yield s.getsockname()[1]
    s.close()


def test_port_in_use(busy_port):
    ep = f"tcp://127.0.0.1:{busy_port}"
    assert_clean_error(run(["recv", "--bind", ep]), 1, "address already in use")
    assert_clean_error(run(["send", "--bind", ep, "x"]), 1, "address already in use")
    assert_clean_error(run(["proxy", ep, "tcp://127.0.0.1:*", "-q"]), 1,
                       "address already in use")
    assert_clean_error(run(["monitor", "--bind", ep]), 1, "address already in use")


def test_missing_key_file(tmp_path):
    missing = str(tmp_path / "nope.key_secret")
    assert_clean_error(run(["recv", "--bind", "tcp://127.0.0.1:*", "--curve-server", missing]),
                       1, "no such file")
    assert_clean_error(run(["send", "--connect", "tcp://127.0.0.1:5555", "--curve-serverkey",
                            str(tmp_path / "nope.key"), "x"]), 1, "no such file")
    assert_clean_error(run(["monitor", "tcp://127.0.0.1:5555", "--curve-serverkey", "x" * 39]),
                       1, "no such file")


def test_public_certificate_as_secret(tmp_path):
    assert run(["keygen", "s", "-d", str(tmp_path)]).returncode == 0
    res = run(["recv", "--bind", "tcp://127.0.0.1:*", "--curve-server", str(tmp_path / "s.key")])
    assert_clean_error(res, contains="secret")


def test_bad_numbers():
    assert_clean_error(run(["recv", "--bind", "tcp://127.0.0.1:*", "-n", "0"]), 2, "at least 1")
    assert_clean_error(run(["recv", "--bind", "tcp://127.0.0.1:*", "--timeout", "x"]), 2,
                       "not a number")
    assert_clean_error(run(["bench", "--sizes", "3q"]), 2, "bad message size")


# -- proxy --------------------------------------------------------------------

def test_proxy_in_the_middle(start):
    proxy = start(["proxy", "--mode", "streamer", "tcp://127.0.0.1:*", "tcp://127.0.0.1:*",
                   "--capture", "tcp://127.0.0.1:*", "--interval", "0.2"])
    frontend = proxy.endpoint("frontend")
    backend = proxy.endpoint("backend")
    capture = proxy.endpoint("capture")
    tap = start(["recv", "-t", "SUB", "--connect", capture, "-n", "3", "--timeout", "20"])
    sink = start(["recv", "-t", "PULL", "--connect", backend, "-n", "3", "--timeout", "20"])
    time.sleep(0.5)  # the capture subscriber connects
    res = run(["send", "-t", "PUSH", "--connect", frontend], stdin=b"one\ntwo\nthree\n")
    assert res.returncode == 0, res.stderr
    assert sink.wait() == 0, sink.stderr
    assert sink.out == ["one", "two", "three"]
    assert tap.wait() == 0, tap.stderr
    assert tap.out == ["one", "two", "three"]
    # Live counts on stderr.
    proxy.wait_line(r"frontend->backend 3 frames \(11 B\)")
    proxy.interrupt()
    assert proxy.wait(10) == 130
    assert "Traceback" not in proxy.stderr
    assert re.search(r"stopped; frontend->backend 3 frames", proxy.stderr)


def test_proxy_queue_req_rep(start):
    proxy = start(["proxy", "tcp://127.0.0.1:*", "tcp://127.0.0.1:*", "--interval", "0"])
    frontend, backend = proxy.endpoint("frontend"), proxy.endpoint("backend")
    assert "ROUTER <-> DEALER" in proxy.wait_line("relaying").string
    worker = start(["recv", "-t", "REP", "--connect", backend, "-n", "2", "--reply", "done",
                    "--timeout", "20"])
    time.sleep(0.3)
    res = run(["send", "-t", "REQ", "--connect", frontend, "job1", "job2"])
    assert res.returncode == 0, res.stderr
    assert res.stdout.decode().split() == ["done", "done"]
    assert worker.wait() == 0 and worker.out == ["job1", "job2"]
    proxy.interrupt()
    assert proxy.wait(10) == 130


# -- monitor ------------------------------------------------------------------

def test_monitor_connect_and_disconnect(start):
    server = start(["recv", "-t", "PULL", "--bind", "tcp://127.0.0.1:*"])
    ep = server.endpoint()
    mon = start(["monitor", "-t", "PUSH", ep])
    line = mon.wait_line(r"\bCONNECTED\b", stream="out").string
    assert ep in line and "fd " in line
    mon.wait_line(r"HANDSHAKE_SUCCEEDED", stream="out")
    server.interrupt()
    assert server.wait() == 130
    mon.wait_line(r"\bDISCONNECTED\b", stream="out")
    mon.interrupt()
    assert mon.wait(10) == 130
    assert "Traceback" not in mon.stderr


def test_monitor_json_count_and_timeout(start):
    import json
    res = run(["monitor", "tcp://127.0.0.1:9", "-f", "json", "-n", "1"])
    assert res.returncode == 0, res.stderr
    event = json.loads(res.stdout.decode())
    assert event["event"] == "CONNECT_DELAYED" and event["endpoint"] == "tcp://127.0.0.1:9"
    res = run(["monitor", "--bind", "tcp://127.0.0.1:*", "-n", "1"])
    assert res.returncode == 0 and "LISTENING" in res.stdout.decode()
    res = run(["monitor", "--bind", "tcp://127.0.0.1:*", "-n", "2", "--timeout", "0.5"])
    assert res.returncode == 1 and "no event" in res.stderr.decode()


# -- bench --------------------------------------------------------------------

TINY = ["bench", "--sizes", "16,1k", "--count", "200", "--roundtrips", "50", "--warmup", "10",
        "--timeout", "60"]


def test_bench_tiny():
    res = run(TINY, timeout=180)
    out, err = res.stdout.decode(), res.stderr.decode()
    assert res.returncode == 0, out + err
    assert "PUSH/PULL tcp 16 B" in out and "PUSH/PULL tcp 1 KiB" in out
    assert "REQ/REP tcp 16 B latency" in out and "msg/s" in out
    if HAVE_PYZMQ:
        assert "pyzmq" in out and "ratio" in out
        assert "[6/6]" in err  # the progress display
    else:
        assert "[3/3]" in err
    assert "Traceback" not in err


def _without(module: str) -> list:
    """python -c that runs the command as if `module` were not installed."""
    return ["-c", f"import sys; sys.modules[{module!r}] = None; "
            "from purezmq.cli import main; sys.exit(main())"]


def test_bench_without_pyzmq_is_purezmq_only(start):
    p = start(TINY, python_args=_without("zmq"))
    assert p.wait(180) == 0, p.stderr
    assert "pyzmq is not installed" in p.stdout
    header = next(line for line in p.out if line.startswith("workload"))
    assert "purezmq" in header and "pyzmq" not in header and "ratio" not in header
    assert "[3/3]" in p.stderr


def test_bench_plot_needs_matplotlib(start, tmp_path):
    p = start(["bench", "--plot", str(tmp_path / "t.png")], python_args=_without("matplotlib"))
    assert p.wait(30) == 1
    assert p.stderr.strip() == "purezmq bench: --plot needs matplotlib: pip install matplotlib"


@pytest.mark.skipif(not HAVE_MATPLOTLIB, reason="matplotlib is not installed")
def test_bench_plot(tmp_path):
    png = tmp_path / "thr.png"
    res = run(TINY + ["--no-latency", "--only", "purezmq", "--plot", str(png)], timeout=180)
    assert res.returncode == 0, res.stderr
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_bench_ctrl_c(start):
    p = start(["bench", "--count", "100000000", "--sizes", "16", "--only", "purezmq"])
    p.wait_line(r"machine:", stream="out")
    time.sleep(2.0)  # workers started
    p.interrupt()
    assert p.wait(20) == 130
    assert "Traceback" not in p.stderr


# -- keygen -------------------------------------------------------------------

def test_keygen_files(tmp_path):
    res = run(["keygen", "server", "-d", str(tmp_path / "certs"), "--metadata", "owner=me"])
    assert res.returncode == 0, res.stderr
    public_file, secret_file = tmp_path / "certs" / "server.key", tmp_path / "certs" / "server.key_secret"
    pub, sec = public_file.read_text(), secret_file.read_text()
    key = res.stdout.decode().strip()
    assert len(key) == 40
    assert "ZeroMQ CURVE Public Certificate" in pub and "ZeroMQ CURVE **Secret** Certificate" in sec
    assert f'    public-key = "{key}"' in pub and f'    public-key = "{key}"' in sec
    assert "secret-key" not in pub and re.search(r'^    secret-key = ".{40}"$', sec, re.M)
    assert re.search(r'^metadata\n    owner = "me"$', pub, re.M)
    assert stat.S_IMODE(os.stat(secret_file).st_mode) == 0o600
    # The secret key goes with the public one.
    secret = re.search(r'secret-key = "(.{40})"', sec).group(1)
    assert purezmq.curve_public(secret.encode()) == key.encode()
    # Exists: refused without --force.
    assert_clean_error(run(["keygen", "server", "-d", str(tmp_path / "certs")]), 1, "--force")
    assert run(["keygen", "server", "-d", str(tmp_path / "certs"), "--force"]).returncode == 0
    assert_clean_error(run(["keygen", "a/b"]), 2, "bad NAME")


@pytest.mark.skipif(not HAVE_PYZMQ, reason="pyzmq is not installed")
def test_keygen_certificates_load_in_pyzmq(tmp_path):
    assert run(["keygen", "peer", "-d", str(tmp_path)]).returncode == 0
    code = ("import sys, zmq.auth; "
            f"pub, sec = zmq.auth.load_certificate({str(tmp_path / 'peer.key_secret')!r}); "
            f"pub2, none = zmq.auth.load_certificate({str(tmp_path / 'peer.key')!r}); "
            "assert pub == pub2 and none is None and len(sec) == 40; "
            "assert zmq.curve_public(sec) == pub; print('ok')")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=30,
                         env=cli_env())
    assert res.stdout.decode().strip() == "ok", res.stderr


def test_keygen_and_curve_without_purezmq_auth(start, tmp_path):
    """The command writes and reads certificates itself when purezmq.auth
    is not there."""
    p = start(["keygen", "solo", "-d", str(tmp_path)], python_args=_without("purezmq.auth"))
    assert p.wait(30) == 0, p.stderr
    sec = (tmp_path / "solo.key_secret").read_text()
    assert "ZeroMQ CURVE **Secret** Certificate" in sec
    public = re.search(r'public-key = "(.{40})"', sec).group(1)
    secret = re.search(r'secret-key = "(.{40})"', sec).group(1)
    assert purezmq.curve_public(secret.encode()) == public.encode()
    assert p.out == [public]
    assert "secret-key" not in (tmp_path / "solo.key").read_text()
    if not purezmq.has("curve"):
        return
    recv = start(["recv", "--bind", "tcp://127.0.0.1:*", "-n", "1", "--timeout", "20",
                  "--curve-server", str(tmp_path / "solo.key_secret")],
                 python_args=_without("purezmq.auth"))
    ep = recv.endpoint()
    res = run(["send", "--connect", ep, "--curve-serverkey", str(tmp_path / "solo.key"), "hi"])
    assert res.returncode == 0, res.stderr
    assert recv.wait() == 0 and recv.out == ["hi"]
