"""A message that has arrived must be handed to a blocked recv() at once,
not when RCVTIMEO runs out (or never, with the default RCVTIMEO of -1).

Each case opens a few fresh connections because the stall this guards
against depended on how the handshake and the first message interleaved.
"""

from __future__ import annotations

import time

import pytest

from interop_util import endpoint, make

RCVTIMEO_MS = 2000
PROMPT = 0.5  # seconds: generous on a loaded 2-core machine, far below RCVTIMEO
ROUNDS = 8

CASES = [("PAIR", "PAIR"), ("PUSH", "PULL"), ("DEALER", "DEALER"), ("DEALER", "ROUTER"),
         ("REQ", "REP")]


def _recv_timed(sock):
    start = time.monotonic()
    msg = sock.recv_multipart()
    return msg, time.monotonic() - start


@pytest.mark.parametrize("pz_binds", [False, True], ids=["pz-connects", "pz-binds"])
@pytest.mark.parametrize("lz_type,pz_type", CASES, ids=["lz_%s-pz_%s" % c for c in CASES])
def test_first_message_reaches_blocked_recv_promptly(ctx, zctx, bind_endpoint, lz_type, pz_type,
                                                     pz_binds):
    for round_ in range(ROUNDS):
        z = make(zctx, lz_type)
        p = make(ctx, pz_type, rcvtimeo=RCVTIMEO_MS)
        binder, connecter = (p, z) if pz_binds else (z, p)
        binder.bind(bind_endpoint("tcp"))
        connecter.connect(endpoint(binder))
        z.send(b"first-%d" % round_)
        msg, took = _recv_timed(p)
        assert msg[-1] == b"first-%d" % round_
        assert took < PROMPT, (f"round {round_}: recv() returned the first message after "
                               f"{took:.2f} s (RCVTIMEO {RCVTIMEO_MS} ms): a lost wake-up")
        z.close()
        p.close()


@pytest.mark.parametrize("lz_type,pz_type", [("DEALER", "DEALER"), ("PAIR", "PAIR")])
def test_ping_pong_each_reply_prompt(ctx, zctx, bind_endpoint, lz_type, pz_type):
    z = make(zctx, lz_type)
    p = make(ctx, pz_type, rcvtimeo=RCVTIMEO_MS)
    z.bind(bind_endpoint("tcp"))
    p.connect(endpoint(z))
    worst = 0.0
    for i in range(200):
        z.send(b"ping-%d" % i)
        msg, took = _recv_timed(p)
        assert msg == [b"ping-%d" % i]
        worst = max(worst, took)
        p.send(b"pong-%d" % i)
        assert z.recv() == b"pong-%d" % i
    assert worst < PROMPT, f"slowest recv() took {worst:.2f} s"
