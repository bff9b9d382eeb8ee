"""purezmq.eventloop's layout, as pyzmq's zmq.eventloop: the package, the
deprecated ioloop shim, and a clear error when tornado is missing."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
import textwrap

import pytest

pytest.importorskip("tornado")

SRC = os.path.join(os.path.dirname(__file__), os.pardir, os.pardir, "src")


def test_package_exports_tornado_ioloop_and_stream():
    import tornado.ioloop

    import purezmq.eventloop as ev
    from purezmq.eventloop.zmqstream import ZMQStream

    assert ev.IOLoop is tornado.ioloop.IOLoop
    assert ev.ZMQStream is ZMQStream
    with pytest.raises(AttributeError):
        ev.no_such_name


def test_ioloop_shim_is_deprecated_tornado():
    import tornado.ioloop

    sys.modules.pop("purezmq.eventloop.ioloop", None)
    with pytest.warns(DeprecationWarning):
        shim = importlib.import_module("purezmq.eventloop.ioloop")
    assert shim.IOLoop is tornado.ioloop.IOLoop
    assert shim.ZMQIOLoop is tornado.ioloop.IOLoop
    with pytest.warns(DeprecationWarning):
        shim.install()


def test_pyzmq_layout_matches():
    """The modules pyzmq's zmq.eventloop has for tornado, we have too."""
    pytest.importorskip("zmq")
    import zmq.eventloop.zmqstream as theirs

    import purezmq.eventloop.zmqstream as ours

    public = {n for n in dir(theirs.ZMQStream) if not n.startswith("_")}
    # bind/connect & co. are instance attributes in both
    assert public - set(dir(ours.ZMQStream)) == set()


def _run_without_tornado(code: str) -> subprocess.CompletedProcess:
    prelude = "import sys; sys.modules['tornado'] = None\n"
    env = dict(os.environ, PYTHONPATH=os.path.abspath(SRC))
    return subprocess.run([sys.executable, "-c", prelude + textwrap.dedent(code)],
                          capture_output=True, text=True, timeout=60, env=env)


def test_missing_tornado_gives_a_clear_import_error():
    r = _run_without_tornado("""
        import purezmq.eventloop            # the package itself imports fine
        try:
            from purezmq.eventloop.zmqstream import ZMQStream
        except ImportError as e:
            print("ERR", e)
        try:
            purezmq.eventloop.IOLoop
        except ImportError as e:
            print("ERR", e)
    """)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert len(lines) == 2
    for line in lines:
        assert line.startswith("ERR") and "tornado" in line and "pip install tornado" in line


@pytest.mark.parametrize("name", ["purezmq", "zmq"])
def test_future_sockets_in_a_tornado_coroutine(name):
    """zmq.eventloop.future: Future-returning sockets driven by tornado's
    IOLoop, with a Context.instance() of their own (pyzmq as the reference)."""
    from tornado.ioloop import IOLoop

    if name == "zmq":
        pytest.importorskip("zmq")
    lib = importlib.import_module(name)
    future = importlib.import_module(name + ".eventloop.future")
    ctx = future.Context()
    loop = IOLoop(make_current=False)
    try:
        push, pull = ctx.socket(lib.PUSH), ctx.socket(lib.PULL)
        assert isinstance(pull, future.Socket)
        port = pull.bind_to_random_port("tcp://127.0.0.1")
        push.connect(f"tcp://127.0.0.1:{port}")

        async def exchange():
            pending = pull.recv_multipart()
            assert not pending.done()
            await push.send_multipart([b"via", b"tornado"])
            return await pending

        assert loop.run_sync(exchange, timeout=5) == [b"via", b"tornado"]
        assert type(future.Context.instance()) is future.Context
        assert type(lib.Context.instance()) is lib.Context
        future.Context.instance().term()
        push.close(linger=0)
        pull.close(linger=0)
    finally:
        loop.close()
        ctx.term()
