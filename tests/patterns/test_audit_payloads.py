"""What send/recv accept and give back, as pyzmq: bytes-like parts of any
kind in send_multipart, copy=True taking a snapshot of a mutable buffer,
recv(copy=False) / recv_multipart(copy=False) giving Frames, empty and
0-byte frames, and the TypeErrors for what is not a buffer."""

from __future__ import annotations

import array

import pytest

import purezmq as zmq
from tests.conftest import TRANSPORTS

from .helpers import endpoint, sock


def _pair(ctx, bind_endpoint, transport):
    a = sock(ctx, zmq.PAIR)
    a.bind(bind_endpoint(transport))
    b = sock(ctx, zmq.PAIR)
    b.connect(endpoint(a))
    return a, b


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_send_multipart_with_bytes_like_parts(ctx, bind_endpoint, transport):
    a, b = _pair(ctx, bind_endpoint, transport)
    parts = [bytearray(b"ba"), memoryview(b"mv"), array.array("B", b"arr"),
             memoryview(array.array("i", [1, 2])), zmq.Frame(b"fr"), b""]
    a.send_multipart(parts)
    got = b.recv_multipart()
    assert got == [b"ba", b"mv", b"arr", array.array("i", [1, 2]).tobytes(), b"fr", b""]
    assert all(type(p) is bytes for p in got)


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_copy_true_snapshots_a_mutable_buffer(ctx, bind_endpoint, transport):
    a, b = _pair(ctx, bind_endpoint, transport)
    buf = bytearray(b"before")
    a.send(buf)  # copy=True is the default
    buf[:] = b"AFTER!"
    parts = [bytearray(b"one"), bytearray(b"two")]
    a.send_multipart(parts)
    parts[0][:] = b"XXX"
    parts[1][:] = b"YYY"
    assert b.recv() == b"before"
    assert b.recv_multipart() == [b"one", b"two"]


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_numpy_arrays_as_parts(ctx, bind_endpoint, transport):
    np = pytest.importorskip("numpy")
    a, b = _pair(ctx, bind_endpoint, transport)
    arr = np.arange(6, dtype=np.int32)
    a.send_multipart([arr, arr.reshape(2, 3)])
    got = b.recv_multipart()
    assert got == [arr.tobytes(), arr.tobytes()]
    assert np.frombuffer(got[0], dtype=np.int32).tolist() == list(range(6))


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_recv_copy_false_gives_frames(ctx, bind_endpoint, transport):
    a, b = _pair(ctx, bind_endpoint, transport)
    a.send_multipart([b"p1", b"", b"p3"])
    f1 = b.recv(copy=False)
    assert isinstance(f1, zmq.Frame)
    assert f1.bytes == b"p1" and f1.more and bytes(f1.buffer) == b"p1"
    assert b.getsockopt(zmq.RCVMORE) == 1
    f2 = b.recv(copy=False)
    assert f2.bytes == b"" and len(f2) == 0 and f2.more
    f3 = b.recv(copy=False)
    assert f3.bytes == b"p3" and not f3.more
    assert b.getsockopt(zmq.RCVMORE) == 0

    a.send_multipart([b"q1", b"q2"])
    frames = b.recv_multipart(copy=False)
    assert all(isinstance(f, zmq.Frame) for f in frames)
    assert [bytes(memoryview(f)) for f in frames] == [f.bytes for f in frames]  # numpy.frombuffer
    assert [f.bytes for f in frames] == [b"q1", b"q2"]
    assert [f.more for f in frames] == [True, False]
    # A received Frame can be sent on as it is.
    b.send_multipart(frames)
    assert a.recv_multipart() == [b"q1", b"q2"]


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_zero_byte_and_empty_messages(ctx, bind_endpoint, transport):
    a, b = _pair(ctx, bind_endpoint, transport)
    a.send(b"")
    assert b.recv() == b""
    assert not b.getsockopt(zmq.RCVMORE)
    a.send_multipart([b"", b"", b""])
    assert b.recv_multipart() == [b"", b"", b""]


def test_non_buffers_are_type_errors(ctx):
    a = sock(ctx, zmq.PAIR)
    a.bind("inproc://audit-types")
    for bad in ("text", 5, None, [b"x"], 1.5):
        with pytest.raises(TypeError):
            a.send(bad)
        with pytest.raises(TypeError):
            a.send_multipart([b"ok", bad])
    # Nothing half-sent: the socket still works for whole messages.
    b = sock(ctx, zmq.PAIR)
    b.connect("inproc://audit-types")
    a.send_multipart([b"whole", b"message"])
    assert b.recv_multipart() == [b"whole", b"message"]
