"""Context.instance(): one shared context per process, safe to race for."""

from __future__ import annotations

import threading

import purezmq as zmq
import purezmq.asyncio as zaio


def test_racing_threads_get_one_instance():
    zmq.Context.instance().term()  # start from no live instance
    barrier = threading.Barrier(16)
    seen = []

    def grab():
        barrier.wait(5)
        seen.append(zmq.Context.instance())

    threads = [threading.Thread(target=grab) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(5)
    assert len(seen) == 16 and len({id(c) for c in seen}) == 1
    shared = seen[0]
    s = shared.socket(zmq.PAIR)
    s.close()
    shared.term()
    fresh = zmq.Context.instance()
    assert fresh is not shared and not fresh.closed
    fresh.term()


def test_async_and_sync_instances_are_separate():
    sync = zmq.Context.instance()
    aio = zaio.Context.instance()
    try:
        assert isinstance(aio, zaio.Context) and not isinstance(sync, zaio.Context)
        assert zaio.Context.instance() is aio and zmq.Context.instance() is sync
    finally:
        aio.term()
        sync.term()
