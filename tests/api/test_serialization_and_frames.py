"""Serialization helpers and Frame properties, checked against pyzmq peers:
what purezmq sends, pyzmq decodes with its own helper, and back."""

from __future__ import annotations

import asyncio
import pickle

import pytest

import purezmq as zmq
import purezmq.asyncio as zaio

zmq_ref = pytest.importorskip("zmq")


@pytest.fixture
def cross():
    """(purezmq PAIR, pyzmq PAIR) connected over tcp."""
    ref_ctx = zmq_ref.Context()
    ctx = zmq.Context()
    ours = ctx.socket(zmq.PAIR)
    ours.linger = 0
    ours.rcvtimeo = 5000
    port = ours.bind_to_random_port("tcp://127.0.0.1")
    theirs = ref_ctx.socket(zmq_ref.PAIR)
    theirs.linger = 0
    theirs.rcvtimeo = 5000
    theirs.connect("tcp://127.0.0.1:%d" % port)
    yield ours, theirs
    ours.close()
    theirs.close()
    ctx.term()
    ref_ctx.term()


OBJECTS = [{"a": [1, 2.5, None, True]}, [], "ü€", 7]


@pytest.mark.parametrize("obj", OBJECTS)
def test_json_both_ways(cross, obj):
    ours, theirs = cross
    ours.send_json(obj)
    assert theirs.recv_json() == obj
    theirs.send_json(obj)
    assert ours.recv_json() == obj


def test_json_bytes_equal_pyzmq(cross):
    ours, theirs = cross
    obj = {"k": "v", "n": [1, 2]}
    ours.send_json(obj)
    theirs.send_json(obj)
    assert theirs.recv() == ours.recv()  # the same bytes on the wire


def test_pyobj_both_ways_and_protocol(cross):
    ours, theirs = cross
    obj = {"set": {1, 2}, "tuple": (1, "x"), "bytes": b"\x00"}
    ours.send_pyobj(obj, protocol=2)
    raw = theirs.recv()
    assert pickle.loads(raw) == obj and raw[1] == 2  # pickle protocol 2 header
    theirs.send_pyobj(obj)
    assert ours.recv_pyobj() == obj


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16", "latin-1"])
def test_strings_with_encodings(cross, encoding):
    ours, theirs = cross
    text = "café"
    ours.send_string(text, encoding=encoding)
    assert theirs.recv_string(encoding=encoding) == text
    theirs.send_string(text, encoding=encoding)
    assert ours.recv_string(encoding=encoding) == text
    with pytest.raises(TypeError):
        ours.send_string(b"bytes")


def test_serialized_multipart(cross):
    ours, theirs = cross

    def serialize(msg):
        return [msg["kind"].encode(), str(msg["n"]).encode(), b"tail"]

    def deserialize(frames):
        return {"kind": bytes(frames[0]).decode(), "n": int(bytes(frames[1])),
                "parts": len(frames)}

    ours.send_serialized({"kind": "x", "n": 5}, serialize)
    assert theirs.recv_serialized(deserialize) == {"kind": "x", "n": 5, "parts": 3}
    theirs.send_serialized({"kind": "y", "n": 6}, serialize)
    assert ours.recv_serialized(deserialize) == {"kind": "y", "n": 6, "parts": 3}
    theirs.send_serialized({"kind": "z", "n": 7}, serialize)
    frames_seen = []
    ours.recv_serialized(lambda frames: frames_seen.extend(frames), copy=False)
    assert all(isinstance(f, zmq.Frame) for f in frames_seen)


def test_multipart_with_strings_frames_and_buffers(cross):
    ours, theirs = cross
    ours.send_multipart([b"a", zmq.Frame(b"b"), memoryview(b"c"), bytearray(b"d")])
    assert theirs.recv_multipart() == [b"a", b"b", b"c", b"d"]
    with pytest.raises(TypeError):
        ours.send_multipart([b"ok", "a str"])


def test_frame_properties_from_the_connection():
    ctx = zmq.Context()
    router = ctx.socket(zmq.ROUTER)
    port = router.bind_to_random_port("tcp://127.0.0.1")
    dealer = ctx.socket(zmq.DEALER)
    dealer.routing_id = b"peer-7"
    dealer.connect("tcp://127.0.0.1:%d" % port)
    try:
        dealer.send(b"hello")
        assert router.poll(5000)
        rid, body = router.recv_multipart(copy=False)
        assert rid.bytes == b"peer-7" and rid.more and not body.more
        for frame in (rid, body):
            assert frame.get("Socket-Type") == "DEALER"
            assert frame.get("Identity") == "peer-7"
            assert frame.get("Routing-Id") == "peer-7"
            assert frame.get("Peer-Address") == "127.0.0.1"
        assert body.get(zmq.MORE) == 0 and rid.get(zmq.MORE) == 1
        with pytest.raises(zmq.ZMQError) as e:
            body.get("User-Id")  # set only by a ZAP handler
        assert e.value.errno == zmq.EINVAL
    finally:
        router.close(0)
        dealer.close(0)
        ctx.term()


def test_asyncio_helpers_cross_to_pyzmq(cross):
    _, theirs = cross
    theirs.close()
    ref_ctx = theirs.context
    actx = zaio.Context()

    async def main():
        ours = actx.socket(zmq.PAIR)
        ours.linger = 0
        port = ours.bind_to_random_port("tcp://127.0.0.1")
        peer = ref_ctx.socket(zmq_ref.PAIR)
        peer.linger = 0
        peer.rcvtimeo = 5000
        peer.connect("tcp://127.0.0.1:%d" % port)
        try:
            await ours.send_json({"x": 1})
            await ours.send_pyobj((1, 2))
            await ours.send_string("ß", encoding="utf-16")
            assert await asyncio.to_thread(peer.recv_json) == {"x": 1}
            assert await asyncio.to_thread(peer.recv_pyobj) == (1, 2)
            assert await asyncio.to_thread(peer.recv_string, 0, "utf-16") == "ß"
            peer.send_json([3])
            peer.send_serialized([b"m", b"n"], lambda m: m)
            assert await asyncio.wait_for(ours.recv_json(), 5) == [3]
            assert await asyncio.wait_for(ours.recv_serialized(list), 5) == [b"m", b"n"]
        finally:
            ours.close()
            peer.close()

    try:
        asyncio.run(main())
    finally:
        actx.term()
