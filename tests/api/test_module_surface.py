"""pyzmq's module-level surface: versions, capabilities, CURVE keys, zmq_poll,
zmq.backend, utils.jsonapi, and install_as_zmq's refusal when pyzmq is
already loaded."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

import purezmq as zmq
from purezmq.utils import z85

SRC = Path(__file__).resolve().parents[2] / "src"
zmq_ref = pytest.importorskip("zmq")


def test_versions_say_what_purezmq_is():
    assert zmq.zmq_version_info() == (4, 3, 5)
    assert zmq.zmq_version() == "4.3.5"
    assert zmq.pyzmq_version() == zmq.__version__
    assert zmq.pyzmq_version_info()[0] >= 25  # the pyzmq API purezmq mirrors
    assert zmq.purezmq_version() == "0.1.0"


def test_has_answers_truthfully():
    assert zmq.has("ipc") is True
    for capability in ["pgm", "tipc", "norm", "gssapi", "draft", "nonsense"]:
        assert zmq.has(capability) is False  # nothing merely planned
    try:
        import nacl  # noqa: F401
    except ImportError:
        assert zmq.has("curve") is False  # CURVE needs PyNaCl
    else:
        assert zmq.has("curve") is True


def test_curve_keys_agree_with_libzmq():
    for _ in range(5):
        public, secret = zmq.curve_keypair()
        assert len(public) == len(secret) == 40
        assert zmq_ref.curve_public(secret) == public  # libzmq derives the same key
        assert zmq.curve_public(secret) == public
    ref_public, ref_secret = zmq_ref.curve_keypair()
    assert zmq.curve_public(ref_secret) == ref_public
    assert zmq.curve_public(ref_secret.decode()) == ref_public
    assert len(z85.decode(public)) == 32


def test_curve_public_rejects_malformed_keys():
    with pytest.raises(zmq.ZMQError) as e:
        zmq.curve_public(b"short")
    assert e.value.errno == zmq.EINVAL


def test_rfc7748_vector():
    from purezmq.curve_keys import _x25519
    scalar = bytes.fromhex("a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4")
    u = bytes.fromhex("e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c")
    assert _x25519(scalar, u).hex() == (
        "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552")


def test_zmq_poll_mixes_sockets_and_fds(ctx):
    a = ctx.socket(zmq.PAIR)
    b = ctx.socket(zmq.PAIR)
    a.bind("inproc://zmq-poll")
    b.connect("inproc://zmq-poll")
    r, w = socket.socketpair()
    try:
        assert zmq.zmq_poll([(a, zmq.POLLIN), (r, zmq.POLLIN)], 0) == []
        b.send(b"x")
        w.send(b"y")
        ready = dict(zmq.zmq_poll([(a, zmq.POLLIN), (r.fileno(), zmq.POLLIN)], 2000))
        assert ready == {a: zmq.POLLIN, r.fileno(): zmq.POLLIN}
        assert zmq.zmq_poll([], 10) == []
    finally:
        a.close(0)
        b.close(0)
        r.close()
        w.close()


def test_backend_names_match_pyzmq():
    import purezmq.backend as backend
    import zmq.backend as ref_backend
    for name in ref_backend.__all__:
        assert hasattr(backend, name), name
    assert backend.Socket is zmq.Socket
    assert backend.IPC_PATH_MAX_LEN == ref_backend.IPC_PATH_MAX_LEN


def test_top_level_names_cover_pyzmq():
    missing = {n for n in dir(zmq_ref) if not n.startswith("_")} - set(dir(zmq))
    # Modules of pyzmq's own machinery, not API.
    assert missing <= {"os", "sys", "contextmanager", "green", "ssh", "log", "decorators",
                       "curve_keygen", "auth", "eventloop", "devices", "tests"}, missing


def test_jsonapi_and_errno(ctx):
    from purezmq.utils import jsonapi
    assert jsonapi.dumps({"k": "ü"}) == b'{"k": "\\u00fc"}'
    assert jsonapi.loads(b'{"k": 1}') == {"k": 1}
    assert jsonapi.loads('[1]') == [1]
    s = ctx.socket(zmq.PAIR)
    with pytest.raises(zmq.ZMQError):
        s.bind("nope://x")
    s.close()
    assert zmq.zmq_errno() == zmq.EPROTONOSUPPORT


def run_python(code: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")]))
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=30, env=env)


def test_install_as_zmq_refuses_once_pyzmq_is_loaded():
    out = run_python("import zmq, purezmq\ntry:\n    purezmq.install_as_zmq()\n"
                     "except RuntimeError as e:\n    print('refused', e)")
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("refused install_as_zmq() must run before")


def test_missing_submodule_fails_clearly():
    out = run_python("import purezmq; purezmq.install_as_zmq()\n"
                     "try:\n    import zmq.utils.garbage\nexcept ImportError as e:\n    print(e)\n"
                     "import zmq.utils.jsonapi, zmq.sugar.tracker, zmq.error\n"
                     "print(zmq.sugar.tracker.MessageTracker is zmq.MessageTracker)")
    assert out.returncode == 0, out.stderr
    first, second = out.stdout.splitlines()
    assert "purezmq does not provide 'zmq.utils.garbage'" in first
    assert second == "True"


def test_win32_allow_interrupt_as_pyzmq():
    # pyzmq programs wrap their poll loops in it; off Windows it does nothing,
    # and a Ctrl-C still interrupts a blocking purezmq call inside it.
    out = run_python(
        "import os, signal, threading, purezmq\n"
        "purezmq.install_as_zmq()\n"
        "import zmq\n"
        "from zmq.utils.win32 import allow_interrupt\n"
        "called = []\n"
        "ctx = zmq.Context(); s = ctx.socket(zmq.PULL); s.bind('inproc://w')\n"
        "threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGINT)).start()\n"
        "try:\n"
        "    with allow_interrupt(lambda: called.append(1)):\n"
        "        s.recv()\n"
        "except KeyboardInterrupt:\n"
        "    print('interrupted', called == ([1] if os.name == 'nt' else []))\n"
        "s.close(); ctx.term()\n")
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "interrupted True"


@pytest.mark.parametrize("lib", ["purezmq", "pyzmq"])
def test_import_time_deprecations_reach_the_importer(lib):
    # Through install_as_zmq's loader, as with pyzmq's direct import, the
    # warning names the importing line, so the default filters show it in __main__.
    if lib == "pyzmq":
        pytest.importorskip("zmq")
    pytest.importorskip("tornado")
    setup = "import purezmq; purezmq.install_as_zmq()\n" if lib == "purezmq" else ""
    out = run_python(setup + "import zmq.eventloop.ioloop\nimport zmq.auth.ioloop\n")
    assert out.returncode == 0, out.stderr
    lines = [ln for ln in out.stderr.splitlines() if "DeprecationWarning" in ln]
    assert len(lines) == 2, out.stderr
    assert all(ln.startswith("<string>:") for ln in lines), out.stderr
