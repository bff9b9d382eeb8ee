"""Z85 (RFC 32) against the RFC's vector, round trips and pyzmq."""

import os

import pytest

from purezmq.utils import z85


def test_rfc32_vector():
    raw = bytes([0x86, 0x4F, 0xD2, 0x6F, 0xB5, 0x59, 0xF7, 0x5B])
    assert z85.encode(raw) == b"HelloWorld"
    assert z85.decode(b"HelloWorld") == raw
    assert z85.decode("HelloWorld") == raw


@pytest.mark.parametrize("n", [0, 4, 8, 32, 400])
def test_round_trip_and_pyzmq(n):
    raw = os.urandom(n)
    text = z85.encode(raw)
    assert len(text) == n * 5 // 4
    assert z85.decode(text) == raw
    zz = pytest.importorskip("zmq.utils.z85")
    assert zz.encode(raw) == text


@pytest.mark.parametrize("bad", [b"abc", b"\x00" * 3])
def test_encode_length(bad):
    with pytest.raises(ValueError):
        z85.encode(bad)


@pytest.mark.parametrize("bad", [b"abcd", b"abcd\x7f", b"~~~~~", "h\u00e9llo"])
def test_decode_rejects(bad):
    with pytest.raises(ValueError):
        z85.decode(bad)
