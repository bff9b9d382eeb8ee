"""Details of pyzmq's Context/Socket surface that programs and pyzmq's own
test-suite rely on: copies are shadows, reprs, dir(), attribute options,
error texts of bind/connect, recv_into's checks, the copy threshold.
Each is checked on purezmq and on pyzmq (the reference) alike."""

from __future__ import annotations

import copy
import errno
import os
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

import purezmq as pz

zmq = pytest.importorskip("zmq")
SRC = Path(__file__).resolve().parents[2] / "src"


def run_python(code: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")]))
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=30, env=env)


@pytest.fixture(params=["purezmq", "pyzmq"])
def lib(request):
    mod = pz if request.param == "purezmq" else zmq
    ctx = mod.Context()
    yield mod, ctx
    ctx.destroy(0)


def test_copies_are_shadows(lib):
    mod, ctx = lib
    for c in (copy.copy(ctx), copy.deepcopy(ctx)):
        assert c._shadow and c.underlying == ctx.underlying
        c.socket(mod.PUB).close()
    s = ctx.socket(mod.PUB)
    for c in (copy.copy(s), copy.deepcopy(s)):
        assert c._shadow and c.underlying == s.underlying
    assert mod.Socket.shadow(s)._shadow_obj is s
    s.close()


def test_a_shadow_of_a_terminated_context(lib):
    mod, ctx = lib
    shadow = mod.Context.shadow(ctx)
    ctx.term()
    with pytest.raises(mod.ZMQError) as e:
        ctx.socket(mod.PUB)
    assert e.value.errno == errno.ENOTSUP   # the terminated context itself
    assert not shadow.closed
    with pytest.raises(mod.ZMQError) as e:
        shadow.socket(mod.PUB)
    assert e.value.errno == errno.EFAULT    # libzmq's answer for a dead context


def test_shadow_term_ends_the_shared_context(lib):
    mod, _ = lib
    ctx = mod.Context()
    mod.Context.shadow(ctx).term()
    assert not ctx.closed  # closed is each object's own term()
    with pytest.raises(mod.ZMQError) as e:
        ctx.socket(mod.PUB)
    assert e.value.errno == errno.EFAULT
    try:
        ctx.term()  # pyzmq: EFAULT, but marks it closed (no warning later)
    except mod.ZMQError:
        pass


def test_repr_and_dir(lib):
    mod, ctx = lib
    assert repr(ctx).startswith("<zmq.Context() at 0x")
    with ctx.socket(mod.PUSH) as s:
        assert "zmq.Context(1 socket)" in repr(ctx)
        with ctx.socket(mod.PULL):
            assert "zmq.Context(2 sockets)" in repr(ctx)
        assert repr(s).startswith("<zmq.Socket(zmq.PUSH) at 0x") and "closed" not in repr(s)
        assert "IDENTITY" in dir(s) and "send" in dir(s)
        assert repr(s.connect("inproc://x")) == "<SocketContext(connect='inproc://x')>"
    assert "closed" in repr(s)
    assert "zmq.Context()" in repr(ctx)  # a closed socket leaves the count
    assert "IO_THREADS" in dir(ctx) and "socket" in dir(ctx)


def test_write_only_context_option_is_an_attribute_error(lib):
    mod, ctx = lib
    with pytest.raises(AttributeError, match="write-only"):
        ctx.thread_affinity_cpu_add
    assert ctx.io_threads == 1


def test_leaving_a_context_block_warns_of_open_sockets(lib):
    mod, _ = lib
    with pytest.warns(ResourceWarning, match="unclosed socket"):
        with mod.Context() as ctx:
            s = ctx.socket(mod.PUSH)
    assert s.closed and ctx.closed
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        mod.Context().destroy()  # destroy() alone does not warn


def test_bind_and_connect_errors_name_the_address(lib, tmp_path):
    mod, ctx = lib
    s = ctx.socket(mod.PUB)
    try:
        with pytest.raises(mod.ZMQError) as e:
            s.bind("ipc://" + "x" * (mod.IPC_PATH_MAX_LEN + 10))
        assert e.value.errno == errno.ENAMETOOLONG
        assert str(mod.IPC_PATH_MAX_LEN) in e.value.strerror and "addr=" in e.value.strerror
        with pytest.raises(mod.ZMQError) as e:
            s.bind(f"ipc://{tmp_path}/missing/dir/sock")
        assert e.value.errno == errno.ENOENT
        assert f'ipc path "{tmp_path}/missing/dir/sock"' in str(e.value)
        with pytest.raises(mod.ZMQError) as e:
            s.bind("tcp://1.2.3.4.5:1234567")
        assert "(addr='tcp://1.2.3.4.5:1234567')" in str(e.value)
        with pytest.raises(mod.ZMQError) as e:
            s.connect("noproc://no/such/file")
        assert e.value.errno == errno.EPROTONOSUPPORT
        assert "(addr='noproc://no/such/file')" in str(e.value)
    finally:
        s.close()


def test_subscribe_as_an_attribute_is_the_option(lib):
    mod, ctx = lib
    pub, sub = ctx.socket(mod.PUB), ctx.socket(mod.SUB)
    try:
        pub.bind("inproc://subattr")
        sub.connect("inproc://subattr")
        sub.subscribe = "c"          # the option, not a replaced method
        sub.subscribe(b"p")         # the method is still there
        for msg in (b"x", b"canary", b"prefix"):
            pub.send(msg)
        assert sub.poll(2000) and sub.recv() == b"canary"
        assert sub.poll(2000) and sub.recv() == b"prefix"
    finally:
        pub.close()
        sub.close()


def test_recv_into_checks_the_buffer_first(lib):
    mod, ctx = lib
    a, b = ctx.socket(mod.PAIR), ctx.socket(mod.PAIR)
    try:
        a.bind("inproc://into")
        b.connect("inproc://into")
        b.rcvtimeo = 1000
        with pytest.raises(ValueError):
            b.recv_into(bytearray(10), nbytes=-1)
        with pytest.raises(BufferError):
            b.recv_into(memoryview(bytearray(10))[::2])
        with pytest.raises(BufferError):
            b.recv_into(memoryview(b"readonly"))
        with pytest.raises(ValueError):
            b.recv_into(bytearray(10), nbytes=11)
        with pytest.raises(TypeError):
            b.recv_into(object())
        with pytest.raises(mod.Again):
            b.recv_into(bytearray(5), flags=mod.DONTWAIT)
        a.send(b"0123456789abc")
        buf = bytearray(8)
        assert b.recv_into(buf, nbytes=4) == 13  # the frame's whole size
        assert buf == b"0123\x00\x00\x00\x00"
    finally:
        a.close()
        b.close()


def test_copy_threshold_decides_what_is_tracked(lib):
    mod, ctx = lib
    push = ctx.socket(mod.PUSH)
    try:
        push.connect("inproc://tracked")  # no peer yet: messages wait in the pipe
        assert push.send(b"small", copy=False, track=True) is mod._FINISHED_TRACKER
        push.copy_threshold = 0
        tracker = push.send_multipart([b"now", b"zero-copy"], copy=False, track=True)
        assert not tracker.done  # the library still holds the buffers
        frame = mod.Frame(b"again", copy=False, track=True)
        assert push.send(frame, copy=False) is frame.tracker
    finally:
        push.close(linger=0)


def test_socket_type_argument_is_checked_as_a_c_int(lib):
    mod, ctx = lib
    for bad in ("b", None, b"1"):
        with pytest.raises(TypeError):
            ctx.socket(bad)
    with pytest.raises(TypeError, match="socket_type must be specified"):
        ctx.socket(-1)
    with pytest.raises(OverflowError):
        ctx.socket(1 << 40)
    with pytest.raises(mod.ZMQError) as e:
        ctx.socket(99)                      # a number libzmq does not know
    assert e.value.errno == errno.EINVAL
    for loose, kind in ((True, mod.PUB), (1.0, mod.PUB)):
        s = ctx.socket(loose)
        assert s.type == kind
        s.close()
    assert len(ctx._sockets) == 0


def test_socket_decorator_with_a_wrong_type_is_a_type_error(lib):
    mod, _ = lib
    from importlib import import_module
    decorators = import_module(mod.__name__ + ".decorators")

    @decorators.socket("a", "b")
    def f(a):
        raise AssertionError("not reached")

    with pytest.raises(TypeError):
        f()


def test_received_frames_export_the_buffer_protocol(lib):
    # numpy.frombuffer(socket.recv(copy=False), dtype) is pyzmq's zero-copy
    # idiom (its serialization docs); memoryview/bytearray work on a Frame.
    np = pytest.importorskip("numpy")
    mod, ctx = lib
    a, b = ctx.socket(mod.PAIR), ctx.socket(mod.PAIR)
    port = a.bind_to_random_port("tcp://127.0.0.1")
    b.connect(f"tcp://127.0.0.1:{port}")
    data = np.arange(1000, dtype="int32")
    a.send(data)
    frame = b.recv(copy=False)
    assert (np.frombuffer(frame, dtype="int32") == data).all()
    assert bytes(memoryview(frame)) == data.tobytes() == bytearray(frame)
    a.send_multipart([b"x", b"yz"])
    assert [bytes(memoryview(f)) for f in b.recv_multipart(copy=False)] == [b"x", b"yz"]
    a.close()
    b.close()


def test_async_frames_carry_their_properties(lib):
    mod, _ = lib
    import asyncio
    from importlib import import_module
    aio = import_module(mod.__name__ + ".asyncio")

    async def main():
        ctx = aio.Context()
        a, b = ctx.socket(mod.PUSH), ctx.socket(mod.PULL)
        port = a.bind_to_random_port("tcp://127.0.0.1")
        b.connect(f"tcp://127.0.0.1:{port}")
        await a.send(b"one")
        await a.send(b"two")
        single = await asyncio.wait_for(b.recv(copy=False), 5)
        [multi] = await asyncio.wait_for(b.recv_multipart(copy=False), 5)
        ctx.destroy(0)
        return [(f["Socket-Type"], f.get("Peer-Address")) for f in (single, multi)]

    assert asyncio.run(main()) == [("PUSH", "127.0.0.1")] * 2


def test_poll_results_are_plain_ints_and_monitor_values_events(lib):
    mod, ctx = lib
    a, b = ctx.socket(mod.PAIR), ctx.socket(mod.PAIR)
    mon = a.get_monitor_socket()
    port = a.bind_to_random_port("tcp://127.0.0.1")
    b.connect(f"tcp://127.0.0.1:{port}")
    a.send(b"x")
    ev = b.poll(5000)
    assert type(ev) is int and ev == mod.POLLIN
    poller = mod.Poller()
    poller.register(b, mod.POLLIN | mod.POLLOUT)
    [(sock, events)] = poller.poll(5000)
    assert sock is b and type(events) is int and events == mod.POLLIN | mod.POLLOUT
    from importlib import import_module
    monitor = import_module(mod.__name__ + ".utils.monitor")
    event = monitor.recv_monitor_message(mon)
    assert event["event"] == mod.EVENT_LISTENING
    assert isinstance(event["value"], mod.Event) and int(event["value"]) >= 0
    a.disable_monitor()
    mon.close()
    a.close()
    b.close()


def test_importing_utils_monitor_loads_asyncio():
    # pyzmq's zmq.utils.monitor imports zmq.asyncio: programs then use
    # zmq.asyncio after only `import zmq` (pyzmq's monitoring example does).
    out = run_python("import purezmq; purezmq.install_as_zmq()\n"
                     "import zmq\nfrom zmq.utils.monitor import recv_monitor_message\n"
                     "print(zmq.asyncio.Socket.__module__)")
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "purezmq.asyncio"


def test_big_zero_copy_inproc_frames_export_the_buffer_protocol(lib):
    # pyzmq's serialization example: an array sent copy=False over inproc,
    # received copy=False and read back with numpy.frombuffer.
    np = pytest.importorskip("numpy")
    mod, ctx = lib
    a, b = ctx.socket(mod.PAIR), ctx.socket(mod.PAIR)
    a.bind("inproc://big-zero-copy")
    b.connect("inproc://big-zero-copy")
    data = np.arange(100_000, dtype="int64")
    a.send(data, copy=False)
    frame = b.recv(copy=False)
    assert (np.frombuffer(frame, dtype="int64") == data).all()
    assert len(bytearray(frame)) == data.nbytes
    a.close()
    b.close()
