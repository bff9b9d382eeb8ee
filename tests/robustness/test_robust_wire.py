"""Unusual but legal peers on the wire: ZMTP 3.0 (subscriptions as data
frames) and 3.1 (SUBSCRIBE/CANCEL commands), both ends of publish-subscribe.
Expected bytes are what libzmq 4.3.5 sends and accepts in the same places."""

from __future__ import annotations

import pytest

import purezmq as pz
from raw_zmtp import COMMAND, RawListener, RawPeer, command, frame, greeting, message, ready

SUB_FORMS = {
    "zmtp3.0-data": (0, lambda t: frame(b"\x01" + t), lambda t: frame(b"\x00" + t)),
    "zmtp3.1-command": (1, lambda t: command(b"SUBSCRIBE", t), lambda t: command(b"CANCEL", t)),
    # libzmq 4.3.5's XSUB forwards a user "\x01topic" message as a data frame.
    "zmtp3.1-data": (1, lambda t: frame(b"\x01" + t), lambda t: frame(b"\x00" + t)),
}


def _xpub(ctx, typename="XPUB"):
    x = ctx.socket(getattr(pz, typename))
    x.linger = 0
    x.rcvtimeo = 2000
    x.bind("tcp://127.0.0.1:*")
    return x, int(x.last_endpoint.decode().rsplit(":", 1)[1])


@pytest.mark.parametrize("form", list(SUB_FORMS))
def test_raw_subscriber_to_purezmq_xpub(ctx, form):
    minor, sub, cancel = SUB_FORMS[form]
    xpub, port = _xpub(ctx)
    raw = RawPeer(port)
    raw.handshake(b"SUB", None, minor=minor)
    raw.send(sub(b"a"))
    assert xpub.recv() == b"\x01a"
    xpub.send(b"b-no")
    xpub.send(b"a-yes")
    assert raw.recv_message(1.0) == [b"a-yes"]
    raw.send(cancel(b"a"))
    assert xpub.recv() == b"\x00a"
    raw.send(sub(b"c"))
    assert xpub.recv() == b"\x01c"
    xpub.send(b"a-no")
    xpub.send(b"c-yes")
    assert raw.recv_message(1.0) == [b"c-yes"]
    raw.close()


@pytest.mark.parametrize("form", list(SUB_FORMS))
def test_raw_subscriber_to_purezmq_pub(ctx, form):
    minor, sub, _ = SUB_FORMS[form]
    pub, port = _xpub(ctx, "PUB")
    raw = RawPeer(port)
    raw.handshake(b"SUB", None, minor=minor)
    raw.send(sub(b"t"))
    raw.send(message(b"ignored: a SUB sending data"))  # a PUB drops it
    deadline = 50
    while True:  # no notification from a PUB: probe until the filter is in place
        pub.send(b"t-probe")
        try:
            assert raw.recv_message(0.05) == [b"t-probe"]
            break
        except TimeoutError:
            deadline -= 1
            assert deadline, "subscription never took effect"
    while True:
        pub.send(b"x-never")
        pub.send(b"t-marker")
        got = raw.recv_message(1.0)
        if got != [b"t-probe"]:
            assert got == [b"t-marker"]
            break
    raw.close()


@pytest.mark.parametrize("minor", [0, 1], ids=["zmtp3.0", "zmtp3.1"])
@pytest.mark.parametrize("typename", ["SUB", "XSUB"])
def test_purezmq_subscriber_speaks_the_peers_dialect(ctx, minor, typename):
    """To a 3.0 publisher subscriptions go as data frames, to 3.1 as commands
    (byte for byte what libzmq 4.3.5 sends in the same situation)."""
    listener = RawListener()
    sub = ctx.socket(getattr(pz, typename))
    sub.linger = 0
    sub.rcvtimeo = 2000

    def subscribe(topic: bytes) -> None:
        if typename == "SUB":
            sub.subscribe(topic)
        else:
            sub.send(b"\x01" + topic)

    def unsubscribe(topic: bytes) -> None:
        if typename == "SUB":
            sub.unsubscribe(topic)
        else:
            sub.send(b"\x00" + topic)

    try:
        subscribe(b"early")
        sub.connect(listener.endpoint)
        raw = listener.accept()
        raw.send(greeting(minor=minor))
        raw.read_greeting()
        raw.send(ready(b"PUB"))
        raw.read_ready()
        subscribe(b"late")
        unsubscribe(b"late")
        if minor == 0:
            expected = [(0, b"\x01early"), (0, b"\x01late"), (0, b"\x00late")]
        elif typename == "SUB":
            expected = [(COMMAND, b"\x09SUBSCRIBEearly"), (COMMAND, b"\x09SUBSCRIBElate"),
                        (COMMAND, b"\x06CANCELlate")]
        else:
            # libzmq 4.3.5's XSUB: subscriptions it (re)sends on attach become
            # commands, (un)subscriptions the application sends stay data frames.
            expected = [(COMMAND, b"\x09SUBSCRIBEearly"), (0, b"\x01late"), (0, b"\x00late")]
        got = [raw.recv_frame(1.0) for _ in expected]
        assert got == expected
        raw.send(message(b"earlybird") + message(b"other"))
        assert sub.recv() == b"earlybird"
        raw.close()
    finally:
        listener.close()
