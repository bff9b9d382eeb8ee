"""purezmq.decorators and purezmq.log: pyzmq's zmq.decorators and zmq.log.

The decorators run over real sockets; PUBHandler publishes real log records
that a SUB socket receives, frame for frame the same as pyzmq's handler
publishes for the very same record.  The log watcher (python -m purezmq.log)
prints what pyzmq's watcher prints for the same stream.
"""

from __future__ import annotations

import itertools
import logging
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

import purezmq
from purezmq.decorators import context, socket
from purezmq.log import handlers

zmq = pytest.importorskip("zmq")  # pyzmq, the reference
import zmq.decorators as zdecorators  # noqa: E402
from zmq.log import handlers as zhandlers  # noqa: E402

SRC = Path(__file__).resolve().parents[2] / "src"
_n = itertools.count()


def _inproc() -> str:
    return f"inproc://declog-{os.getpid()}-{next(_n)}"


# ---------------------------------------------------------------------------
# decorators
# ---------------------------------------------------------------------------

def test_push_pull_over_inproc_then_everything_is_closed():
    seen = {}
    addr = _inproc()

    @context()
    @socket(purezmq.PUSH)
    @socket(purezmq.PULL)
    def work(ctx, push, pull):
        seen.update(ctx=ctx, push=push, pull=pull)
        assert push.type == purezmq.PUSH and pull.type == purezmq.PULL
        assert push.context is ctx and pull.context is ctx
        pull.rcvtimeo = 5000
        pull.bind(addr)
        push.connect(addr)
        push.send_multipart([b"hello", b"world"])
        return pull.recv_multipart()

    assert work() == [b"hello", b"world"]
    assert isinstance(seen["ctx"], purezmq.Context)
    assert seen["push"].closed and seen["pull"].closed and seen["ctx"].closed


def test_names_and_factory_arguments():
    addr = _inproc()

    @context("c", io_threads=2)
    @socket("tx", purezmq.PAIR, context_name="c")
    @socket(purezmq.PAIR, name="rx", context_name="c")
    def work(c, tx, rx):
        assert c.IO_THREADS == 2
        assert tx.context is c and rx.context is c
        rx.rcvtimeo = 5000
        rx.bind(addr)
        tx.connect(addr)
        tx.send(b"ping")
        return rx.recv()

    assert work() == b"ping"


def test_socket_takes_the_context_given_by_keyword_or_position(ctx):
    @socket("s", purezmq.PULL)
    def by_keyword(context=None, s=None):
        return s.context

    @socket(purezmq.PULL)
    def by_position(label, c, s):
        return label, s.context

    assert by_keyword(context=ctx) is ctx
    assert by_position("x", ctx) == ("x", ctx)


def test_socket_without_a_context_uses_the_shared_instance():
    captured = []

    @socket(purezmq.PUB)
    def work(s):
        captured.append(s)
        return s.context

    try:
        assert work() is purezmq.Context.instance()
        assert captured[0].closed
        assert not purezmq.Context.instance().closed  # only the socket is closed
    finally:
        purezmq.Context.instance().term()


def test_methods_keep_self_and_their_other_arguments():
    addr = _inproc()

    class Worker:
        @context()
        @socket(purezmq.PAIR)
        @socket(purezmq.PAIR)
        def run(self, ctx, a, b, payload=b"x"):
            assert isinstance(self, Worker)
            assert a.context is ctx and b.context is ctx
            b.rcvtimeo = 5000
            a.bind(addr)
            b.connect(addr)
            a.send(payload)
            return b.recv()

    assert Worker().run(payload=b"method") == b"method"


def test_an_exception_still_closes_socket_and_context():
    seen = {}

    @context()
    @socket(purezmq.PUSH)
    def work(ctx, s):
        seen.update(ctx=ctx, s=s)
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        work()
    assert seen["s"].closed and seen["ctx"].closed


def test_wraps_keeps_the_function_identity():
    @context()
    def documented(ctx):
        """Doc."""

    assert documented.__name__ == "documented" and documented.__doc__ == "Doc."
    assert documented.__wrapped__.__name__ == "documented"  # type: ignore[attr-defined]


def _shape(mod, dec, form, call_args, call_kwargs):
    """What the decorated function receives (types and names), or the error."""
    def target(*args, **kwargs):
        def kind(v):
            if isinstance(v, mod.Context):
                return "ctx"
            if isinstance(v, mod.Socket):
                return f"socket:{int(v.type)}"
            return repr(v)
        return [kind(a) for a in args], {k: kind(v) for k, v in sorted(kwargs.items())}

    wrapped = target
    for which, args, kwargs in reversed(form):
        maker = dec.context if which == "context" else dec.socket
        wrapped = maker(*args, **kwargs)(wrapped)
    try:
        return wrapped(*call_args, **call_kwargs)
    except TypeError as e:
        return "TypeError", str(e)


FORMS = {
    "ctx": ([("context", (), {})], (), {}),
    "ctx named": ([("context", ("c",), {})], (1,), {}),
    "ctx name kw": ([("context", (), {"name": "c"})], (), {"x": 2}),
    "ctx empty name": ([("context", ("",), {})], (), {}),
    "ctx clash": ([("context", ("c",), {})], (), {"c": 3}),
    "ctx+sockets": ([("context", (), {}), ("socket", (8,), {}), ("socket", (7,), {})], (0,), {}),
    "named sockets": ([("context", ("k",), {}),
                       ("socket", ("a", 1), {"context_name": "k"}),
                       ("socket", (2,), {"name": "b", "context_name": "k"})], (), {}),
    "socket kw type": ([("context", (), {}), ("socket", (), {"name": "s", "socket_type": 1})],
                       (), {}),
    "socket clash": ([("context", (), {}), ("socket", ("s", 1), {})], (), {"s": None}),
}


@pytest.mark.parametrize("form", sorted(FORMS))
def test_argument_forms_match_pyzmq(form):
    decorators, args, kwargs = FORMS[form]
    try:
        ours = _shape(purezmq, sys.modules["purezmq.decorators"], decorators, args, kwargs)
        theirs = _shape(zmq, zdecorators, decorators, args, kwargs)
    finally:
        purezmq.Context.instance().term()
        zmq.Context.instance().term()
    assert ours == theirs


# ---------------------------------------------------------------------------
# PUBHandler
# ---------------------------------------------------------------------------

def _sub_for(mod, ctx, addr, prefix=b""):
    """A SUB connected to addr, subscribed to prefix."""
    sub = ctx.socket(mod.SUB)
    sub.linger = 0
    sub.rcvtimeo = 5000
    sub.connect(addr)
    sub.subscribe(prefix)
    return sub


def _await_subscription(mod, pub, sub, prefix=b"", timeout=5.0):
    """Publish probes until sub gets one, then read up to an end marker, so no
    probe is left in sub and the subscription is known to be in place."""
    deadline = time.monotonic() + timeout
    while True:
        pub.send_multipart([prefix + b"\x00probe", b""])
        if sub.poll(20):
            break
        assert time.monotonic() < deadline, "subscription never took effect"
    pub.send_multipart([prefix + b"\x00end", b""])
    while sub.recv_multipart()[0] != prefix + b"\x00end":
        pass


def _logger(name_hint: str) -> logging.Logger:
    log = logging.getLogger(f"purezmq-test.{name_hint}.{next(_n)}")
    log.setLevel(logging.DEBUG)
    log.propagate = False
    return log


@pytest.fixture
def pair(ctx, zctx):
    """Both implementations' PUBHandlers on one logger: (logger, ours, theirs),
    each handler as (handler, sub)."""
    log = _logger("pair")
    made = []
    for mod, hmod, c in ((purezmq, handlers, ctx), (zmq, zhandlers, zctx)):
        addr = _inproc()
        pub = c.socket(mod.PUB)
        pub.linger = 0
        pub.bind(addr)
        sub = _sub_for(mod, c, addr)
        _await_subscription(mod, pub, sub)
        handler = hmod.PUBHandler(pub)
        log.addHandler(handler)
        made.append((handler, sub))
    yield log, made[0], made[1]
    for handler, sub in made:
        log.removeHandler(handler)
        handler.socket.close(0)
        sub.close(0)


class _Shown:
    def __str__(self) -> str:
        return "shown::as str"


def _emit_everything(log):
    log.info("plain info")
    log.debug("debug %s %d", "with", 2)
    log.warning("db.query::slow %d ms", 250)
    log.error("bad thing")
    try:
        raise KeyError("k")
    except KeyError:
        log.exception("caught")
    log.critical("crit::ical::two delims")
    log.info("héllo ünïcode::tøpic")
    log.info("tøpic::héllo")
    log.info(_Shown())
    log.info(12345)
    log.log(logging.INFO, "::empty topic")


def _received(sub, count):
    return [sub.recv_multipart() for _ in range(count)]


@pytest.mark.parametrize("root", ["", "app", b"app.bytes", "röot"])
def test_frames_match_pyzmq_for_the_same_records(pair, root):
    log, (ours, our_sub), (theirs, their_sub) = pair
    ours.root_topic = root
    theirs.root_topic = root
    _emit_everything(log)
    mine = _received(our_sub, 11)
    ref = _received(their_sub, 11)
    assert mine == ref
    assert our_sub.poll(50) == 0 and their_sub.poll(50) == 0
    assert ours.root_topic == theirs.root_topic


def test_exact_frames(pair):
    log, (ours, sub), _ = pair
    ours.root_topic = "app"
    log.info("plain")
    assert sub.recv_multipart() == [b"app.INFO", b"plain\n"]
    log.info("a.b::sub %s", "topic")
    assert sub.recv_multipart() == [b"app.INFO.a.b", b"sub topic\n"]
    line = sys._getframe().f_lineno + 1
    log.warning("careful")
    assert sub.recv_multipart() == [
        b"app.WARNING", f"WARNING test_decorators_and_log.py:{line} - careful\n".encode()]
    ours.setRootTopic(b"")
    log.error("tøpic::bröken")
    assert sub.recv_multipart() == [
        "ERROR.tøpic".encode(),
        f"ERROR test_decorators_and_log.py:{line + 4} - bröken - None\n".encode()]


def test_formatters_per_level_and_for_all(pair):
    log, (ours, our_sub), (theirs, their_sub) = pair
    for h in (ours, theirs):
        h.formatters[logging.INFO] = logging.Formatter("%(message)s UNITTEST")
        h.setFormatter(logging.Formatter("dbg %(message)s"), logging.DEBUG)
    log.info("i")
    log.debug("d")
    assert _received(our_sub, 2) == _received(their_sub, 2) == [
        [b"INFO", b"i UNITTEST"], [b"DEBUG", b"dbg d"]]
    for h in (ours, theirs):
        h.setFormatter(logging.Formatter("all %(levelname)s %(message)s"))
    log.critical("c")
    log.info("i")
    assert _received(our_sub, 2) == _received(their_sub, 2) == [
        [b"CRITICAL", b"all CRITICAL c"], [b"INFO", b"all INFO i"]]
    assert set(ours.formatters) == set(theirs.formatters)
    assert ours.formatter is None  # setFormatter keeps to the per-level table


def test_level_without_formatter_is_reported_not_sent(pair, capsys):
    """As pyzmq: a custom level has no formatter; handleError reports it and
    nothing is published."""
    log, (ours, our_sub), (theirs, their_sub) = pair
    log.log(25, "custom level")
    log.info("after")
    assert our_sub.recv_multipart() == their_sub.recv_multipart() == [b"INFO", b"after\n"]
    err = capsys.readouterr().err
    assert err.count("--- Logging error ---") == 2 and "KeyError: 25" in err


def test_record_is_left_whole_for_other_handlers(pair):
    log, (ours, sub), _ = pair
    seen = []

    class Keep(logging.Handler):
        def emit(self, record):
            seen.append(record.getMessage())

    keep = Keep()
    log.addHandler(keep)
    try:
        log.info("sub.topic::message %d", 7)
        assert sub.recv_multipart() == [b"INFO.sub.topic", b"message 7\n"]
        assert seen == ["sub.topic::message 7"]
    finally:
        log.removeHandler(keep)


def test_handler_level_and_subscriber_prefixes(ctx):
    addr = _inproc()
    pub = ctx.socket(purezmq.PUB)
    pub.linger = 0
    pub.bind(addr)
    errors = _sub_for(purezmq, ctx, addr, b"app.ERROR")
    everything = _sub_for(purezmq, ctx, addr, b"app.")
    _await_subscription(purezmq, pub, errors, b"app.ERROR")
    _await_subscription(purezmq, pub, everything, b"app.")
    handler = handlers.PUBHandler(pub, root_topic="app")
    handler.setLevel(logging.INFO)
    log = _logger("levels")
    log.addHandler(handler)
    try:
        log.debug("dropped by the handler's level")
        log.info("info")
        log.error("first error")
        assert everything.recv_multipart()[0] == b"app.INFO"
        assert everything.recv_multipart()[0] == b"app.ERROR"
        assert errors.recv_multipart()[0] == b"app.ERROR"
        assert errors.poll(50) == 0 and everything.poll(50) == 0
    finally:
        log.removeHandler(handler)
        for s in (pub, errors, everything):
            s.close(0)


@pytest.mark.parametrize("transport", ["inproc", "tcp"])
def test_interface_form_binds_its_own_socket(ctx, transport):
    addr = _inproc() if transport == "inproc" else "tcp://127.0.0.1:*"
    handler = handlers.PUBHandler(addr, ctx, root_topic="svc")
    log = _logger("iface")
    log.addHandler(handler)
    sub = None
    try:
        assert handler.ctx is ctx and handler.socket.context is ctx
        assert handler.socket.type == purezmq.PUB
        sub = _sub_for(purezmq, ctx, handler.socket.last_endpoint.decode(), b"svc")
        _await_subscription(purezmq, handler.socket, sub, b"svc")
        log.info("over %s", transport)
        assert sub.recv_multipart() == [b"svc.INFO", f"over {transport}\n".encode()]
    finally:
        log.removeHandler(handler)
        handler.socket.close(0)
        if sub is not None:
            sub.close(0)


def test_interface_form_without_a_context_makes_one(ctx):
    handler = handlers.PUBHandler(interface_or_socket=_inproc(), root_topic="r")
    try:
        assert isinstance(handler.ctx, purezmq.Context)
        assert handler.ctx is not ctx and handler.ctx is not purezmq.Context._instance
        assert handler.root_topic == "r"
    finally:
        handler.socket.close(0)
        handler.ctx.term()


def test_handler_takes_the_socket_and_its_context(ctx):
    pub = ctx.socket(purezmq.PUB)
    try:
        handler = handlers.PUBHandler(pub)
        assert handler.socket is pub and handler.ctx is ctx
        assert handler.root_topic == "" and handler.level == logging.NOTSET
    finally:
        pub.close(0)


# ---------------------------------------------------------------------------
# TopicLogger
# ---------------------------------------------------------------------------

def test_topic_logger_methods(ctx):
    addr = _inproc()
    pub = ctx.socket(purezmq.PUB)
    pub.linger = 0
    pub.bind(addr)
    sub = _sub_for(purezmq, ctx, addr)
    _await_subscription(purezmq, pub, sub)
    handler = handlers.PUBHandler(pub, root_topic="t")
    handler.setFormatter(logging.Formatter("%(message)s @%(filename)s:%(funcName)s"))
    log = handlers.TopicLogger(f"purezmq-test.topic.{next(_n)}", logging.DEBUG)
    log.addHandler(handler)
    here = "@test_decorators_and_log.py:test_topic_logger_methods"
    try:
        log.debug("db.query", "took %d ms", 5)
        log.info("web", "GET %s", "/")
        log.warning("w", "warned")
        log.error("e", "failed")
        log.critical("c", "critical")
        log.fatal("f", "fatal")
        log.log(logging.INFO, "via", "log %s", "call")
        try:
            raise RuntimeError("x")
        except RuntimeError:
            log.exception("exc", "caught")
        got = _received(sub, 8)
        assert got[:7] == [
            [b"t.DEBUG.db.query", f"took 5 ms {here}".encode()],
            [b"t.INFO.web", f"GET / {here}".encode()],
            [b"t.WARNING.w", f"warned {here}".encode()],
            [b"t.ERROR.e", f"failed {here}".encode()],
            [b"t.CRITICAL.c", f"critical {here}".encode()],
            [b"t.CRITICAL.f", f"fatal {here}".encode()],
            [b"t.INFO.via", f"log call {here}".encode()],
        ]
        topic, body = got[7]
        assert topic == b"t.ERROR.exc"
        assert body.startswith(f"caught {here}\nTraceback (most recent call last):".encode())
        assert body.endswith(b"RuntimeError: x")

        with pytest.raises(TypeError, match="level must be an integer"):
            log.log("INFO", "t", "m")  # type: ignore[arg-type]

        # A logger made outside logging.getLogger: its level cache is never
        # cleared, so the level is set from the start.
        quiet = handlers.TopicLogger(f"purezmq-test.topic.{next(_n)}", logging.WARNING)
        quiet.addHandler(handler)
        quiet.debug("quiet", "not sent")
        quiet.info("quiet", "not sent")
        quiet.error("loud", "sent")
        quiet.warning("loud", "sent")
        assert [m[0] for m in _received(sub, 2)] == [b"t.ERROR.loud", b"t.WARNING.loud"]
        quiet.removeHandler(handler)
    finally:
        log.removeHandler(handler)
        pub.close(0)
        sub.close(0)


def test_topic_logger_warn_is_deprecated_but_works(ctx):
    # (pyzmq 27's generated TopicLogger methods all end up in Logger.fatal and
    # fail on Python 3.11; ours log at their own level, as documented.)
    if not hasattr(logging.Logger, "warn"):
        pytest.skip("Logger.warn is gone from this Python")
    addr = _inproc()
    pub = ctx.socket(purezmq.PUB)
    pub.linger = 0
    pub.bind(addr)
    sub = _sub_for(purezmq, ctx, addr)
    _await_subscription(purezmq, pub, sub)
    handler = handlers.PUBHandler(pub)
    log = handlers.TopicLogger(f"purezmq-test.warn.{next(_n)}", logging.DEBUG)
    log.addHandler(handler)
    try:
        with pytest.warns(DeprecationWarning, match="'warn' method is deprecated"):
            log.warn("old", "style")
        topic, body = sub.recv_multipart()
        assert topic == b"WARNING.old"
        assert body.startswith(b"WARNING test_decorators_and_log.py:") and body.endswith(
            b" - style\n")
    finally:
        log.removeHandler(handler)
        pub.close(0)
        sub.close(0)


# ---------------------------------------------------------------------------
# the log watcher, and the names under install_as_zmq()
# ---------------------------------------------------------------------------

def _env() -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(SRC), env.get("PYTHONPATH", "")])
    return env


class _Watcher:
    """`python -m <module>.log <url> ...` with its output lines in a queue."""

    def __init__(self, module: str, url: str, *extra: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-u", "-m", f"{module}.log", url, *extra],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env())
        self.lines: queue.Queue = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))

    def read_until(self, marker: str, timeout: float) -> list:
        got = []
        deadline = time.monotonic() + timeout
        while not got or marker not in got[-1]:
            remaining = deadline - time.monotonic()
            assert remaining > 0, f"no {marker!r} from the watcher; got {got}"
            try:
                got.append(self.lines.get(timeout=remaining))
            except queue.Empty:
                pass
        return got

    def has_line(self) -> bool:
        return not self.lines.empty()

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)  # the watcher stops on Ctrl-C
        try:
            return self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)
            raise
        finally:
            self._reader.join(5)
            for f in (self.proc.stdout, self.proc.stderr):
                if f is not None:
                    f.close()


@pytest.mark.timeout(90)
@pytest.mark.parametrize("extra", [(), ("--align", "--separator", " :: ")])
def test_log_watcher_prints_what_pyzmqs_prints(ctx, extra):
    pub = ctx.socket(purezmq.PUB)
    pub.linger = 0
    pub.bind("tcp://127.0.0.1:*")
    url = pub.last_endpoint.decode()
    watchers = [_Watcher("purezmq", url, *extra), _Watcher("zmq", url, *extra)]
    handler = handlers.PUBHandler(pub, root_topic="zmq")
    log = _logger("watcher")
    try:
        # Slow joiners: publish probes until both watchers print one.
        deadline = time.monotonic() + 30
        while not all(w.has_line() for w in watchers):
            assert time.monotonic() < deadline, "a watcher never subscribed"
            assert all(w.proc.poll() is None for w in watchers), "a watcher died"
            pub.send_multipart([b"zmq.INFO", b"probe"])
            time.sleep(0.05)
        log.addHandler(handler)
        log.info("started")
        log.warning("db.query::slow %d ms", 250)
        log.info("a.much.longer.topic::deep")
        log.info("short")
        handler.root_topic = ""
        log.error("no root")
        pub.send_multipart([b"zmq.INFO", b"done"])
        outputs = [[line for line in w.read_until("done", 20) if "probe" not in line]
                   for w in watchers]
    finally:
        log.removeHandler(handler)
        codes = [w.stop() for w in watchers]
        pub.close(0)
    assert codes == [0, 0]
    assert outputs[0] == outputs[1]
    if not extra:
        assert outputs[0][0] == "zmq.INFO | started"
        assert outputs[0][1].startswith("zmq.WARNING.db.query | WARNING test_decorators_and_log")
        assert outputs[0][2:] == ["zmq.INFO.a.much.longer.topic | deep", "zmq.INFO | short",
                                  outputs[0][4], "zmq.INFO | done"]
        assert outputs[0][4].startswith("ERROR | ERROR test_decorators_and_log.py:")
    else:
        # Parts padded to the widest seen at their position, as pyzmq pads.
        assert outputs[0][-1].startswith("zmq  .INFO   .") and outputs[0][-1].endswith(" :: done")


def test_names_under_install_as_zmq():
    code = r"""
import logging, sys
import purezmq
purezmq.install_as_zmq()
import zmq, zmq.decorators, zmq.log, zmq.log.handlers
from zmq.log.handlers import PUBHandler, TopicLogger, TOPIC_DELIM
from zmq.decorators import context, socket
assert zmq.decorators is sys.modules["purezmq.decorators"]
assert zmq.log.handlers is sys.modules["purezmq.log.handlers"]
assert PUBHandler is purezmq.log.handlers.PUBHandler and TOPIC_DELIM == "::"

@context()
@socket(zmq.PUB)
@socket(zmq.SUB)
def main(ctx, pub, sub):
    pub.bind("inproc://dropin-log")
    sub.connect("inproc://dropin-log")
    sub.subscribe(b"")
    sub.rcvtimeo = 5000
    while not sub.poll(20):
        pub.send(b"probe")
    sub.recv()
    while sub.poll(50):
        sub.recv()
    log = logging.getLogger("dropin")
    log.setLevel(logging.INFO)
    log.addHandler(PUBHandler(pub, root_topic="d"))
    log.info("sub::hi")
    print(sub.recv_multipart())

main()
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=40, env=_env())
    assert out.returncode == 0, out.stderr
    assert out.stdout == "[b'd.INFO.sub', b'hi\\n']\n"
