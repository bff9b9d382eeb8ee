"""Process and thread faults: fork() with live sockets, Ctrl-C (SIGINT)
during a blocking call, and term() from another thread while several
threads block in recv/poll.  Fork and SIGINT run in child processes so the
test runner's own process and signal handling stay untouched."""

from __future__ import annotations

import json
import signal
import threading
import time

import pytest

import purezmq as pz
from fault_tools import Child

zmq = pytest.importorskip("zmq")

# ----------------------------------------------------------------------------
# fork()
# ----------------------------------------------------------------------------
FORK = r"""
import json, os, signal, sys, time
import purezmq as zmq

c = zmq.Context()
pull = c.socket(zmq.PULL); pull.linger = 0; pull.rcvtimeo = 3000
pull.bind("tcp://127.0.0.1:*")
push = c.socket(zmq.PUSH); push.linger = 0; push.sndtimeo = 3000
push.connect(pull.last_endpoint.decode())
push.send(b"before-fork")
assert pull.recv() == b"before-fork"

r, w = os.pipe()
pid = os.fork()
if pid == 0:
    os.close(r)
    out = {}
    def attempt(name, fn):
        # Each call gets 2 s; a hang is reported as such.
        def alarm(*a):
            raise TimeoutError("hung")
        signal.signal(signal.SIGALRM, alarm)
        signal.alarm(2)
        t0 = time.monotonic()
        try:
            fn()
            out[name] = ["ok", None, round(time.monotonic() - t0, 2)]
        except TimeoutError:
            out[name] = ["hang", None, round(time.monotonic() - t0, 2)]
        except BaseException as e:
            out[name] = [type(e).__name__, str(e), round(time.monotonic() - t0, 2)]
        finally:
            signal.alarm(0)
    attempt("send", lambda: push.send(b"from-child", zmq.DONTWAIT))
    attempt("recv", lambda: pull.recv(zmq.DONTWAIT))
    attempt("socket", lambda: c.socket(zmq.PAIR))
    attempt("blocking_recv", lambda: pull.recv())
    def fresh():
        c2 = zmq.Context()
        a = c2.socket(zmq.PULL); a.linger = 0; a.rcvtimeo = 2000
        a.bind("tcp://127.0.0.1:*")
        b = c2.socket(zmq.PUSH); b.linger = 0
        b.connect(a.last_endpoint.decode())
        b.send(b"child-ok")
        assert a.recv() == b"child-ok"
        a.close(); b.close()
        c2.term()
    attempt("new_context", fresh)
    os.write(w, json.dumps(out).encode())
    os.close(w)
    sys.exit(0)  # normal interpreter exit: finalizers run, must not hang
os.close(w)
data = b""
while True:
    chunk = os.read(r, 65536)
    if not chunk:
        break
    data += chunk
_, status = os.waitpid(pid, 0)
print("child", data.decode(), flush=True)
print("child_status", status, flush=True)
# The parent's sockets are untouched: no "from-child" on the wire.
push.send(b"after-fork")
got = pull.recv()
print("parent", got.decode(), flush=True)
pull.close(); push.close(); c.term()
print("parent_done", flush=True)
"""


@pytest.fixture(scope="module")
def fork_report():
    child = Child(FORK)
    try:
        report = {"child": json.loads(child.expect("child", 30))}
        report["status"] = int(child.expect("child_status", 5))
        report["parent"] = child.expect("parent", 10)
        child.expect("parent_done", 10)
        yield report
    finally:
        child.kill()


@pytest.mark.parametrize("op", ["send", "recv", "socket", "blocking_recv"])
def test_fork_child_touching_parents_objects_gets_a_clear_error(fork_report, op):
    outcome, message, took = fork_report["child"][op]
    assert outcome not in ("hang", "ok"), \
        f"child's {op} on the parent's context/socket: {outcome} after {took} s"
    assert outcome in ("ZMQError", "ContextTerminated", "RuntimeError"), (outcome, message)
    assert took < 1.0


def test_fork_child_new_context_works(fork_report):
    assert fork_report["child"]["new_context"][0] == "ok", fork_report["child"]["new_context"]


def test_fork_child_exits_cleanly(fork_report):
    assert fork_report["status"] == 0, f"child wait status {fork_report['status']}"


def test_fork_parent_unaffected(fork_report):
    assert fork_report["parent"] == "after-fork"


# ----------------------------------------------------------------------------
# SIGINT
# ----------------------------------------------------------------------------
SIGINT = r"""
import sys, time
lib, call = sys.argv[1], sys.argv[2]
if lib == "pyzmq":
    import zmq
else:
    import purezmq as zmq
c = zmq.Context()
a = c.socket(zmq.PAIR); a.linger = 0
a.bind("tcp://127.0.0.1:*")
b = c.socket(zmq.PAIR); b.linger = 0
b.connect(a.last_endpoint.decode())
b.send(b"warm"); assert a.recv() == b"warm"
lone = c.socket(zmq.PUSH); lone.linger = 0   # no peer yet: send blocks
lone.bind("tcp://127.0.0.1:*")
calls = {
    "recv": lambda: a.recv(),
    "recv_multipart": lambda: a.recv_multipart(),
    "recv_timeo": lambda: (setattr(a, "rcvtimeo", 20000), a.recv()),
    "poll": lambda: a.poll(-1),
    "poller": lambda: zmq.Poller().__class__ and _poller(),
    "zmq_select": lambda: zmq.select([a], [], [], 20),
    "send": lambda: lone.send(b"blocked"),
}
def _poller():
    p = zmq.Poller(); p.register(a, zmq.POLLIN); return p.poll()
print("ready", flush=True)
t0 = time.monotonic()
try:
    calls[call]()
    print("result returned", flush=True)
except KeyboardInterrupt:
    print("result KeyboardInterrupt %.3f" % (time.monotonic() - t0), flush=True)
except BaseException as e:
    print("result %s" % type(e).__name__, flush=True)
# The socket is still usable.
if call == "send":
    puller = c.socket(zmq.PULL); puller.linger = 0; puller.rcvtimeo = 3000
    puller.connect(lone.last_endpoint.decode())
    lone.sndtimeo = 3000
    lone.send(b"after-interrupt")
    while puller.recv() != b"after-interrupt":
        pass
    puller.close()
lone.close()
b.send(b"after")
a.rcvtimeo = 3000
while True:
    m = a.recv()
    if m == b"after":
        break
a.send(b"reply")
b.rcvtimeo = 3000
while b.recv() != b"reply":
    pass
print("usable", flush=True)
a.close(); b.close(); c.term()
"""

SIGINT_CALLS = ["recv", "recv_multipart", "recv_timeo", "poll", "poller", "zmq_select", "send"]


@pytest.mark.parametrize("call", SIGINT_CALLS)
@pytest.mark.parametrize("lib_name", ["pyzmq", "purezmq"])
def test_sigint_interrupts_blocking_call(lib_name, call):
    child = Child(SIGINT, lib_name, call)
    try:
        child.expect("ready", 10)
        time.sleep(0.3)
        t0 = time.monotonic()
        child.signal(signal.SIGINT)
        try:
            result = child.expect("result", 5)
        except TimeoutError:
            pytest.fail(f"{call}: SIGINT did not interrupt the call within 5 s")
        took = time.monotonic() - t0
        assert result.startswith("KeyboardInterrupt"), f"{call}: {result}"
        assert took < 1.0, f"{call}: KeyboardInterrupt after {took:.2f} s"
        try:
            child.expect("usable", 10)
        except (TimeoutError, EOFError) as e:
            pytest.fail(f"{call}: socket unusable after the interrupt: {e}")
        assert child.wait(10) == 0
    finally:
        child.kill()


# ----------------------------------------------------------------------------
# term() from another thread
# ----------------------------------------------------------------------------
def test_term_from_thread_wakes_many_blocked_threads(bind_endpoint):
    """Five threads blocked at once (ROUTER over tcp, PULL over ipc, SUB over
    inproc, a DEALER in recv_multipart, a Poller over two sockets): term()
    from a sixth wakes every one with ContextTerminated, promptly, and term
    returns once they close their sockets."""
    c = pz.Context()
    results: dict = {}
    socks = {}
    for name, kind, transport in (("router", pz.ROUTER, "tcp"), ("pull", pz.PULL, "ipc"),
                                  ("sub", pz.SUB, "inproc"), ("dealer", pz.DEALER, "tcp"),
                                  ("polled", pz.PULL, "tcp")):
        s = c.socket(kind)
        s.linger = 0
        s.bind(bind_endpoint(transport))
        if kind == pz.SUB:
            s.subscribe(b"")
        socks[name] = s
    extra = c.socket(pz.SUB)   # only the poller uses it
    extra.linger = 0
    extra.bind(bind_endpoint("inproc"))
    peer = c.socket(pz.DEALER)
    peer.linger = 0
    peer.connect(socks["router"].last_endpoint.decode())  # a live connection too

    def blocked(name):
        s = socks[name]
        t0 = time.monotonic()
        try:
            if name == "polled":
                p = pz.Poller()
                p.register(s, pz.POLLIN)
                p.register(extra, pz.POLLIN)
                p.poll()
            elif name == "dealer":
                s.recv_multipart()
            else:
                s.recv()
            results[name] = ("returned", time.monotonic() - t0)
        except BaseException as e:
            results[name] = (type(e).__name__ + ("" if not isinstance(e, pz.ZMQError)
                                                 else f"/{e.errno}"), time.monotonic())
        finally:
            if name != "polled":
                s.close()

    threads = [threading.Thread(target=blocked, args=(n,), daemon=True) for n in socks]
    for t in threads:
        t.start()
    time.sleep(0.3)
    assert not results, f"a call returned early: {results}"
    term_done = threading.Event()
    t0 = time.monotonic()

    def terminator():
        c.term()
        term_done.set()

    threading.Thread(target=terminator, daemon=True).start()
    for t in threads:
        t.join(3)
    socks["polled"].close()
    extra.close()
    peer.close()
    try:
        assert all(not t.is_alive() for t in threads), \
            f"still blocked after term(): {set(socks) - set(results)}"
        for name, (outcome, when) in results.items():
            assert outcome == "ContextTerminated/%d" % pz.ETERM, (name, outcome)
            assert when - t0 < 1.0, f"{name} woke {when - t0:.2f} s after term()"
        assert term_done.wait(3), "term() did not return after every socket closed"
    finally:
        if not term_done.is_set():
            threading.Thread(target=c.destroy, args=(0,), daemon=True).start()
