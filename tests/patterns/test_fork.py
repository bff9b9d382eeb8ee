"""After fork(), the child cannot use the parent's context or sockets (their
I/O threads do not exist there): a clear ZMQError, no hang; closing and
terminating them is harmless; a new context in the child works."""

from __future__ import annotations

import json
import os

import pytest

import purezmq as zmq

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork()")


def run_in_child(fn) -> dict:
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report as JSON, never return into pytest
        os.close(r)
        try:
            out = fn()
        except BaseException as e:  # noqa: BLE001
            out = {"crash": repr(e)}
        os.write(w, json.dumps(out).encode())
        os._exit(0)
    os.close(w)
    data = b""
    while chunk := os.read(r, 65536):
        data += chunk
    os.close(r)
    _, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
    return json.loads(data)


def test_child_gets_clear_errors_and_can_start_over(ctx):
    s = ctx.socket(zmq.PUSH)
    s.linger = 0
    s.bind("tcp://127.0.0.1:*")

    def child():
        out = {}
        for name, call in [("send", lambda: s.send(b"x", zmq.DONTWAIT)),
                           ("recv", lambda: s.recv(zmq.DONTWAIT)),
                           ("socket", lambda: ctx.socket(zmq.PULL))]:
            try:
                call()
                out[name] = "worked"
            except zmq.ZMQError as e:
                out[name] = [e.errno, str(e)]
        s.close()
        ctx.term()  # must not wait for threads that do not exist here
        fresh = zmq.Context()
        a, b = fresh.socket(zmq.PAIR), fresh.socket(zmq.PAIR)
        port = a.bind_to_random_port("tcp://127.0.0.1")
        b.connect("tcp://127.0.0.1:%d" % port)
        b.send(b"child traffic")
        a.rcvtimeo = 5000
        out["fresh"] = a.recv().decode()
        a.close()
        b.close()
        fresh.term()
        return out

    out = run_in_child(child)
    assert out["send"][0] == zmq.ENOTSOCK and "fork" in out["send"][1]
    assert out["recv"][0] == zmq.ENOTSOCK and "fork" in out["recv"][1]
    assert out["socket"][0] == zmq.ENOTSUP and "fork" in out["socket"][1]
    assert out["fresh"] == "child traffic"
    # The parent's socket is untouched.
    pull = ctx.socket(zmq.PULL)
    pull.rcvtimeo = 5000
    pull.connect(s.last_endpoint.decode())
    s.send(b"parent still works")
    assert pull.recv() == b"parent still works"
    pull.close(0)
    s.close()
