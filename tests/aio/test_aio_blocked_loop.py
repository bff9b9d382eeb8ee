"""A coroutine that blocks its own loop (time.sleep, Event.wait) and then
polls with the sync Poller still sees what arrived meanwhile: the poll
reads the loop's connections itself, as libzmq's I/O threads would have."""

from __future__ import annotations

import asyncio
import threading
import time

import purezmq as zmq
import purezmq.asyncio as zaio


def test_poll_from_a_blocked_loop_sees_replies(ctx):
    rep = ctx.socket(zmq.REP)
    rep.linger = 0
    port = rep.bind_to_random_port("tcp://127.0.0.1")

    def echo():
        while True:
            try:
                if rep.poll(100):
                    rep.send(rep.recv())
            except zmq.ZMQError:
                return

    t = threading.Thread(target=echo, daemon=True)
    t.start()
    actx = zaio.Context()
    beats = []

    async def main():
        req = actx.socket(zmq.REQ)
        req.linger = 0
        req.connect("tcp://127.0.0.1:%d" % port)
        poller = zmq.Poller()
        poller.register(req, zmq.POLLIN)
        await asyncio.sleep(0.2)  # the connection is made on this loop
        for _ in range(3):
            await req.send(b"ping")
            time.sleep(0.3)  # the loop is blocked, as a heartbeat thread does
            beats.append(bool(poller.poll(0)))
            if beats[-1]:
                assert await asyncio.wait_for(req.recv(), 2) == b"ping"
        req.close()

    try:
        asyncio.run(asyncio.wait_for(main(), 10))
    finally:
        rep.close()
        t.join(2)
        actx.term()
    assert beats == [True, True, True]
