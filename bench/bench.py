"""purezmq vs pyzmq: the same workloads on both libraries, side by side.

Workloads (names for --workload):

  thr-16       PUSH/PULL throughput over tcp, 16 B messages
  thr-1k       PUSH/PULL throughput over tcp, 1 KiB messages
  thr-1m       PUSH/PULL throughput over tcp, 1 MiB messages
  lat          REQ/REP round-trip latency over tcp, 16 B messages
  inproc-thr   PUSH/PULL throughput over inproc, 16 B, two threads of one process
  aio-thr      PUSH/PULL throughput over tcp, 16 B, asyncio on both sides
               (purezmq.asyncio vs zmq.asyncio), each peer in its own process
  aio-lat      REQ/REP round-trip latency over tcp, 16 B, asyncio on both sides

The tcp workloads run each peer in its own process (multiprocessing, 'spawn'),
like libzmq's perf tools: the receiver (PULL, REP) binds to
tcp://127.0.0.1:* and reports its endpoint through a Pipe; the throughput
interval is taken at the receiver, from the first message received to the
last (local_thr/remote_thr), and the rate is (count - 1) / interval; latency
is the mean one-way time, round trip / 2 (local_lat/remote_lat), plus the
p50 and p99 round trip, after a warm-up.  inproc-thr runs in one worker
process: PULL in a thread, PUSH in the main thread.

The library is chosen by module name inside each worker
(importlib.import_module("purezmq") or "zmq"), so both run the same code:
default socket options (HWM 1000, ...), sock.send(msg) and sock.recv().

The ratio column is purezmq/pyzmq for throughput and pyzmq/purezmq for
latency: above 1 always means purezmq is better.  MB = 10**6 bytes.

Every run has a deadline (--timeout) and is also abandoned when no worker
has made progress for --stall seconds (the parent asks each worker for its
loop counter and stack; the answer is printed with the error, so a hang
says where it happened).  Stragglers are terminated, then killed: the script
does not hang.  A failed run shows its error in its cell, details below the
table; progress lines go to stderr, the table to stdout.

--src DIR benchmarks the purezmq package found in DIR instead of ../src
(e.g. a snapshot: git archive HEAD src | tar -x -C /tmp/snap).

Run:  python bench/bench.py [--quick] [--repeat N] [--only purezmq|pyzmq]
                            [--workload NAME[,NAME...]] [--src DIR] ...
"""

from __future__ import annotations

import argparse
import importlib
import multiprocessing as mp
import os
import platform
import signal
import sys
import threading
import time
import traceback

# Benchmark the source tree (or --src DIR, passed on to the workers in the
# environment since 'spawn' re-imports this file in each of them).
SRC = os.environ.get("PUREZMQ_BENCH_SRC") or os.path.normpath(
    os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src"))
sys.path.insert(0, SRC)

LIBS = ("purezmq", "zmq")
LABEL = {"purezmq": "purezmq", "zmq": "pyzmq"}
KIB, MIB = 1024, 1024 * 1024


# --------------------------------------------------------------------------
# Workers (run in child processes; top level so 'spawn' can import them)
# --------------------------------------------------------------------------

def _worker(role: str, libname: str, conn, params: dict) -> None:
    """Process entry: run one role, report ("error", text) on failure.

    A daemon thread answers the parent's "status" requests (sent when a run
    times out) with the role's progress counter and where the main thread is
    blocked, read from its frame: nothing is added to the timed loops.
    """
    lock = threading.Lock()
    main_ident = threading.get_ident()
    threading.Thread(target=_status_server, args=(conn, lock, main_ident),
                     daemon=True).start()
    try:
        lib = importlib.import_module(libname)
        ROLES[role](lib, _Reporter(conn, lock), params)
    except BaseException as exc:  # noqa: BLE001 - reported to the parent
        tb = [f for f in traceback.extract_tb(exc.__traceback__)
              if not f.filename.startswith("<")]
        where = f" at {os.path.basename(tb[-1].filename)}:{tb[-1].lineno}" if tb else ""
        try:
            with lock:
                conn.send(("error", f"{type(exc).__name__}: {exc}{where}"))
        except Exception:  # noqa: BLE001
            pass


class _Reporter:
    """The worker's end of the pipe, shared with the status thread."""

    def __init__(self, conn, lock):
        self.conn, self.lock = conn, lock

    def send(self, obj) -> None:
        with self.lock:
            self.conn.send(obj)


def _status_server(conn, lock, main_ident: int) -> None:
    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):
            # The parent is gone (it keeps its end open while we run): do
            # not linger as an orphan blocked in recv().
            os._exit(3)
        if request != "status":
            continue
        try:
            text = _status(main_ident)
        except Exception as exc:  # noqa: BLE001
            text = f"status unavailable ({exc!r})"
        try:
            with lock:
                conn.send(("status", text))
        except (EOFError, OSError):
            os._exit(3)


def _status(main_ident: int) -> str:
    """Progress and innermost frames of the main thread and of any other
    thread running a timed loop (the inproc receiver)."""
    me = threading.get_ident()
    frames = sys._current_frames()
    idents = [main_ident] + [i for i in frames if i not in (main_ident, me)]
    parts = []
    for ident in idents:
        frame = frames.get(ident)
        stack, progress = [], ""
        while frame is not None:
            code = frame.f_code
            if not progress and (code.co_name.startswith("role_")
                                 or code.co_name == "receiver"):
                loc = frame.f_locals
                done = loc.get("done")
                if done is not None:
                    total = loc.get("total", "?")
                    progress = f"{loc.get('phase', 'at')} {done:,} of {total:,}"
            stack.append(f"{os.path.basename(code.co_filename)}:{frame.f_lineno} {code.co_name}")
            frame = frame.f_back
        if ident == main_ident:
            if not stack:
                parts.append("main thread finished")
                continue
        elif not progress:
            continue  # a library thread (I/O thread ...): not ours to report
        parts.append(f"{progress or 'not in its loop'}; in {' < '.join(stack[:4])}")
    return " | ".join(parts)


def _close(ctx, *socks, linger=None) -> None:
    for s in socks:
        if linger is None:
            s.close()
        else:
            s.close(linger=linger)
    ctx.term()


# In the role functions the locals done/total/phase are the progress a
# status request reports; "for done in range(...)" costs nothing extra.

def role_pull(lib, conn, p: dict) -> None:
    """local_thr: bind PULL, receive count messages, time first -> last."""
    size, total = p["size"], p["count"]
    phase, done = "received", 0
    ctx = lib.Context()
    sock = ctx.socket(lib.PULL)
    for name, value in p.get("options", {}).items():
        setattr(sock, name, value)
    sock.bind("tcp://127.0.0.1:*")
    conn.send(("endpoint", sock.getsockopt(lib.LAST_ENDPOINT).decode()))
    recv = sock.recv
    bad = 0
    if len(recv()) != size:
        bad += 1
    start = time.perf_counter()
    for done in range(1, total):
        if len(recv()) != size:
            bad += 1
    elapsed = time.perf_counter() - start
    if bad:
        raise RuntimeError(f"{bad} of {total} messages had the wrong size")
    conn.send(("result", {"elapsed": elapsed, "count": total - 1, "size": size}))
    phase, done = "closing after", total
    _close(ctx, sock, linger=0)


def role_push(lib, conn, p: dict) -> None:
    """remote_thr: connect PUSH, send count messages, close (default linger)."""
    size, total = p["size"], p["count"]
    phase, done = "sent", 0
    msg = b"\x00" * size
    ctx = lib.Context()
    sock = ctx.socket(lib.PUSH)
    for name, value in p.get("options", {}).items():
        setattr(sock, name, value)
    sock.connect(p["endpoint"])
    send = sock.send
    for done in range(total):
        send(msg)
    phase, done = "closing (default linger) after sending", total
    _close(ctx, sock)  # default LINGER: wait until everything is delivered


def role_rep(lib, conn, p: dict) -> None:
    """local_lat: bind REP, echo warmup + count messages."""
    total = p["warmup"] + p["count"]
    phase, done = "echoed", 0
    ctx = lib.Context()
    sock = ctx.socket(lib.REP)
    sock.bind("tcp://127.0.0.1:*")
    conn.send(("endpoint", sock.getsockopt(lib.LAST_ENDPOINT).decode()))
    recv, send = sock.recv, sock.send
    for done in range(total):
        send(recv())
    phase, done = "closing after echoing", total
    _close(ctx, sock)


def role_req(lib, conn, p: dict) -> None:
    """remote_lat: connect REQ, warm up, then time count round trips."""
    size, count = p["size"], p["count"]
    msg = b"\x00" * size
    ctx = lib.Context()
    sock = ctx.socket(lib.REQ)
    sock.connect(p["endpoint"])
    recv, send = sock.recv, sock.send
    phase, done, total = "warm-up round trips", 0, p["warmup"]
    for done in range(total):
        send(msg)
        recv()
    phase, done, total = "timed round trips", 0, count
    clock = time.perf_counter_ns
    rtts = [0] * count
    bad = 0
    start = clock()
    for done in range(count):
        t0 = clock()
        send(msg)
        r = recv()
        rtts[done] = clock() - t0
        if len(r) != size:
            bad += 1
    elapsed = clock() - start
    if bad:
        raise RuntimeError(f"{bad} of {count} replies had the wrong size")
    rtts.sort()
    conn.send(("result", {
        "mean_us": elapsed / count / 2 / 1e3,
        "p50_us": rtts[count // 2] / 1e3,
        "p99_us": rtts[min(count - 1, int(count * 0.99))] / 1e3,
    }))
    phase, done = "closing after", count
    _close(ctx, sock, linger=0)


def _aio(lib):
    """The asyncio flavour of the library (zmq.asyncio / purezmq.asyncio)."""
    return importlib.import_module(lib.__name__ + ".asyncio")


def role_aio_pull(lib, conn, p: dict) -> None:
    """local_thr on asyncio: bind PULL inside the loop, await each recv."""
    import asyncio
    aio = _aio(lib)
    size, total = p["size"], p["count"]

    async def main():
        ctx = aio.Context()
        sock = ctx.socket(lib.PULL)
        sock.bind("tcp://127.0.0.1:*")
        conn.send(("endpoint", sock.getsockopt(lib.LAST_ENDPOINT).decode()))
        recv = sock.recv
        bad = 0 if len(await recv()) == size else 1
        start = time.perf_counter()
        for _ in range(1, total):
            if len(await recv()) != size:
                bad += 1
        elapsed = time.perf_counter() - start
        if bad:
            raise RuntimeError(f"{bad} of {total} messages had the wrong size")
        conn.send(("result", {"elapsed": elapsed, "count": total - 1, "size": size}))
        sock.close(linger=0)
        ctx.term()

    asyncio.run(main())


def role_aio_push(lib, conn, p: dict) -> None:
    """remote_thr on asyncio: connect PUSH inside the loop, await each send."""
    import asyncio
    aio = _aio(lib)
    msg = b"\x00" * p["size"]

    async def main():
        ctx = aio.Context()
        sock = ctx.socket(lib.PUSH)
        sock.connect(p["endpoint"])
        send = sock.send
        for _ in range(p["count"]):
            await send(msg)
        # Default linger: give the loop time to deliver, then close.
        while sock.getsockopt(lib.EVENTS) & lib.POLLOUT == 0:
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.5)
        sock.close()
        ctx.term()

    asyncio.run(main())


def role_aio_rep(lib, conn, p: dict) -> None:
    import asyncio
    aio = _aio(lib)
    total = p["warmup"] + p["count"]

    async def main():
        ctx = aio.Context()
        sock = ctx.socket(lib.REP)
        sock.bind("tcp://127.0.0.1:*")
        conn.send(("endpoint", sock.getsockopt(lib.LAST_ENDPOINT).decode()))
        for _ in range(total):
            await sock.send(await sock.recv())
        await asyncio.sleep(0.1)
        sock.close()
        ctx.term()

    asyncio.run(main())


def role_aio_req(lib, conn, p: dict) -> None:
    import asyncio
    aio = _aio(lib)
    size, count = p["size"], p["count"]
    msg = b"\x00" * size

    async def main():
        ctx = aio.Context()
        sock = ctx.socket(lib.REQ)
        sock.connect(p["endpoint"])
        for _ in range(p["warmup"]):
            await sock.send(msg)
            await sock.recv()
        clock = time.perf_counter_ns
        rtts = [0] * count
        start = clock()
        for i in range(count):
            t0 = clock()
            await sock.send(msg)
            r = await sock.recv()
            rtts[i] = clock() - t0
            if len(r) != size:
                raise RuntimeError("reply had the wrong size")
        elapsed = clock() - start
        rtts.sort()
        conn.send(("result", {
            "mean_us": elapsed / count / 2 / 1e3,
            "p50_us": rtts[count // 2] / 1e3,
            "p99_us": rtts[min(count - 1, int(count * 0.99))] / 1e3,
        }))
        sock.close(linger=0)
        ctx.term()

    asyncio.run(main())


def role_inproc_thr(lib, conn, p: dict) -> None:
    """inproc_thr: PULL in a thread (bind), PUSH in the main thread (connect)."""
    size, total = p["size"], p["count"]
    msg = b"\x00" * size
    ctx = lib.Context()
    bound = threading.Event()
    out: dict = {"received": 0}

    def receiver() -> None:
        try:
            sock = ctx.socket(lib.PULL)
            sock.bind("inproc://bench-thr")
            bound.set()
            recv = sock.recv
            bad = 0
            phase, done = "received", 0
            if len(recv()) != size:
                bad += 1
            start = time.perf_counter()
            for done in range(1, total):
                if len(recv()) != size:
                    bad += 1
            out["elapsed"] = time.perf_counter() - start
            out["bad"] = bad
            sock.close(linger=0)
        except BaseException as exc:  # noqa: BLE001
            out["error"] = exc
            bound.set()

    t = threading.Thread(target=receiver, daemon=True)
    t.start()
    if not bound.wait(p["timeout"]):
        raise TimeoutError("receiver thread did not bind")
    if "error" in out:
        raise out["error"]
    sock = ctx.socket(lib.PUSH)
    sock.connect("inproc://bench-thr")
    send = sock.send
    phase, done = "sent", 0
    for done in range(total):
        send(msg)
    phase, done = "waiting for the receiver thread after sending", total
    t.join(p["timeout"])
    if t.is_alive():
        raise TimeoutError("receiver thread did not finish")
    if "error" in out:
        raise out["error"]
    if out["bad"]:
        raise RuntimeError(f"{out['bad']} of {total} messages had the wrong size")
    conn.send(("result", {"elapsed": out["elapsed"], "count": total - 1, "size": size}))
    phase, done = "closing after", total
    _close(ctx, sock)


# CURVE: the same PUSH/PULL roles with every message encrypted.  A fixed
# key pair (made by libzmq's zmq_curve_keypair) keeps the runs comparable.
_CURVE_SERVER = (b"rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7",
                 b"JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6")
_CURVE_CLIENT = (b"Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID",
                 b"D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%cs")


def role_curve_pull(lib, conn, p: dict) -> None:
    role_pull(lib, conn, dict(p, options={"curve_server": 1,
                                          "curve_secretkey": _CURVE_SERVER[1]}))


def role_curve_push(lib, conn, p: dict) -> None:
    role_push(lib, conn, dict(p, options={"curve_serverkey": _CURVE_SERVER[0],
                                          "curve_publickey": _CURVE_CLIENT[0],
                                          "curve_secretkey": _CURVE_CLIENT[1]}))


ROLES = {f.__name__[5:]: f for f in (role_pull, role_push, role_rep, role_req, role_inproc_thr,
                                      role_aio_pull, role_aio_push, role_aio_rep, role_aio_req,
                                      role_curve_pull, role_curve_push)}


# --------------------------------------------------------------------------
# Parent side: start workers, enforce deadlines, clean up
# --------------------------------------------------------------------------

class RunError(Exception):
    """A failed run: a short text for the table cell, the details for the notes."""

    def __init__(self, short: str, detail: str = ""):
        super().__init__(short)
        self.short = short
        self.detail = detail or short


class Runner:
    """One run of a workload: a set of worker processes under one deadline.

    Besides the hard deadline (--timeout) the parent asks the workers for
    their status every stall/2 seconds; if no worker has moved for `stall`
    seconds the run is declared stalled and its workers are killed.
    """

    def __init__(self, libname: str, timeout: float, stall: float):
        self.libname = libname
        self.deadline = time.monotonic() + timeout
        self.timeout = timeout
        self.stall = stall
        self.mp = mp.get_context("spawn")
        self.procs: dict[str, list] = {}  # role -> [process, parent end of pipe, open]
        self.pending: dict[str, list] = {}  # messages read while waiting for a status
        self.warnings: list[str] = []

    def start(self, role: str, params: dict) -> None:
        parent, child = self.mp.Pipe()
        proc = self.mp.Process(target=_worker, args=(role, self.libname, child, params),
                               name=f"bench-{role}-{self.libname}", daemon=True)
        proc.start()
        child.close()  # so that the parent sees EOF if the worker dies
        self.procs[role] = [proc, parent, True]
        self.pending[role] = []

    def _recv(self, role: str, timeout: float = 0.0):
        """The next message from role if one arrives within timeout, else None."""
        if self.pending[role]:
            return self.pending[role].pop(0)
        entry = self.procs[role]
        if not entry[2]:
            return None
        try:
            if entry[1].poll(timeout):
                return entry[1].recv()
        except (EOFError, OSError):
            entry[2] = False  # the worker closed its end: it has exited
        return None

    def wait_for(self, role: str, kind: str):
        """The payload of the next (kind, payload) message from role.

        An error from any worker, any worker dying, a stall or the deadline
        raises RunError.
        """
        last_sig, last_change = None, time.monotonic()
        next_check = last_change + self.stall / 2
        while True:
            for r, (proc, conn, _) in list(self.procs.items()):
                msg = self._recv(r)
                if msg is not None:
                    k, payload = msg
                    if k == "error":
                        raise RunError(f"{r}: {payload}")
                    if r == role and k == kind:
                        return payload
                    if k != "status":
                        raise RunError(f"{r}: unexpected message {k!r}")
                    continue
                if not proc.is_alive():
                    msg = self._recv(r)
                    if msg is not None:
                        self.pending[r].insert(0, msg)
                        continue
                    if r == role or proc.exitcode != 0:
                        raise RunError(f"{r}: exited ({proc.exitcode}) before its {kind}")
            now = time.monotonic()
            if now > self.deadline:
                raise RunError(f"{role}: no {kind} in {self.timeout:g} s",
                               f"{role}: no {kind} within {self.timeout:g} s "
                               f"[{self.statuses()}]")
            if now >= next_check:
                sig = self.statuses()
                now = time.monotonic()
                if sig != last_sig:
                    last_sig, last_change = sig, now
                elif now - last_change >= self.stall:
                    raise RunError(f"{role}: stalled (no {kind})",
                                   f"{role}: no {kind}, no progress for "
                                   f"{now - last_change:.0f} s [{sig}]")
                next_check = now + self.stall / 2
            self._wait_readable(role, 0.05)

    def _wait_readable(self, role: str, timeout: float) -> None:
        entry = self.procs[role]
        if entry[2] and not self.pending[role]:
            try:
                entry[1].poll(timeout)
                return
            except (EOFError, OSError):
                entry[2] = False
        time.sleep(timeout)

    def statuses(self) -> str:
        return "; ".join(f"{r}: {self.status(r)}" for r in self.procs)

    def status(self, role: str) -> str:
        """Ask a worker what it is doing (its progress and its stack)."""
        proc, conn, open_ = self.procs[role]
        if not proc.is_alive():
            return f"exited ({proc.exitcode})"
        if not open_:
            return "alive, pipe closed"
        try:
            conn.send("status")
        except (EOFError, OSError) as exc:
            return f"no status ({type(exc).__name__})"
        end = time.monotonic() + 2.0
        while True:
            left = end - time.monotonic()
            if left <= 0:
                return "no status reply"
            try:
                if not conn.poll(left):
                    continue
                k, payload = conn.recv()
            except (EOFError, OSError):
                self.procs[role][2] = False
                return "exited while asked for its status"
            if k == "status":
                return payload
            self.pending[role].append((k, payload))  # a result or an error

    def finish(self) -> None:
        """Let every worker exit on its own for a while, then terminate it."""
        grace_end = time.monotonic() + self.stall
        for role, (proc, conn, _) in self.procs.items():
            proc.join(max(0.0, grace_end - time.monotonic()))
            if proc.is_alive():
                self.warnings.append(f"{role} worker still running {self.stall:g} s after "
                                     f"the result, terminated [{self.status(role)}]")
            elif proc.exitcode not in (0, None):
                self.warnings.append(f"{role} worker exit code {proc.exitcode}")
            while (msg := self._recv(role)) is not None:
                if msg[0] == "error":  # e.g. while closing, after the result
                    self.warnings.append(f"{role} after the result: {msg[1]}")
        self.abort()

    def abort(self) -> None:
        """Terminate (then kill) whatever is still running; close the pipes."""
        for proc, conn, _ in self.procs.values():
            if proc.is_alive():
                proc.terminate()
        for proc, conn, _ in self.procs.values():
            proc.join(2.0)
            if proc.is_alive():
                proc.kill()
                proc.join(2.0)
            try:
                conn.close()
            except Exception:  # noqa: BLE001
                pass


def run_tcp_thr(libname: str, size: int, count: int, args, prefix: str = ""):
    r = Runner(libname, args.timeout, args.stall)
    pull, push = prefix + "pull", prefix + "push"
    try:
        r.start(pull, {"size": size, "count": count})
        endpoint = r.wait_for(pull, "endpoint")
        r.start(push, {"size": size, "count": count, "endpoint": endpoint})
        result = r.wait_for(pull, "result")
    except BaseException:
        r.abort()
        raise
    r.finish()
    return result, r.warnings


def run_tcp_lat(libname: str, size: int, count: int, warmup: int, args, prefix: str = ""):
    r = Runner(libname, args.timeout, args.stall)
    rep, req = prefix + "rep", prefix + "req"
    try:
        params = {"size": size, "count": count, "warmup": warmup}
        r.start(rep, params)
        endpoint = r.wait_for(rep, "endpoint")
        r.start(req, dict(params, endpoint=endpoint))
        result = r.wait_for(req, "result")
    except BaseException:
        r.abort()
        raise
    r.finish()
    return result, r.warnings


def run_inproc_thr(libname: str, size: int, count: int, args):
    r = Runner(libname, args.timeout, args.stall)
    try:
        r.start("inproc_thr", {"size": size, "count": count, "timeout": args.timeout})
        result = r.wait_for("inproc_thr", "result")
    except BaseException:
        r.abort()
        raise
    r.finish()
    return result, r.warnings


# --------------------------------------------------------------------------
# Workloads, figures, table
# --------------------------------------------------------------------------

class Thr:
    kind = "thr"

    def __init__(self, name, title, size, count_attr, inproc=False, prefix=""):
        self.name, self.title, self.size = name, title, size
        self.count_attr, self.inproc, self.prefix = count_attr, inproc, prefix

    def run(self, libname, args):
        count = getattr(args, self.count_attr)
        if self.inproc:
            return run_inproc_thr(libname, self.size, count, args)
        return run_tcp_thr(libname, self.size, count, args, self.prefix)

    @staticmethod
    def score(res):  # higher is better
        return res["count"] / res["elapsed"]

    @staticmethod
    def fmt(res):
        rate = res["count"] / res["elapsed"]
        mbps = rate * res["size"] / 1e6
        return f"{rate:>10,.0f} msg/s {mbps:>7.1f} MB/s"

    @staticmethod
    def ratio(pure, ref):
        return Thr.score(pure) / Thr.score(ref)


class Lat:
    kind = "lat"
    size = 16

    def __init__(self, name="lat", title="REQ/REP tcp 16 B latency", prefix="",
                 count_attr="roundtrips"):
        self.name, self.title, self.prefix, self.count_attr = name, title, prefix, count_attr

    def run(self, libname, args):
        return run_tcp_lat(libname, self.size, getattr(args, self.count_attr), args.warmup,
                           args, self.prefix)

    @staticmethod
    def score(res):  # higher is better
        return -res["mean_us"]

    @staticmethod
    def fmt(res):
        return (f"{res['mean_us']:.1f} us (rtt p50 {res['p50_us']:.0f}"
                f" p99 {res['p99_us']:.0f})")

    @staticmethod
    def ratio(pure, ref):
        return ref["mean_us"] / pure["mean_us"]


WORKLOADS = [
    Thr("thr-16", "PUSH/PULL tcp 16 B", 16, "count_16"),
    Thr("thr-1k", "PUSH/PULL tcp 1 KiB", KIB, "count_1k"),
    Thr("thr-1m", "PUSH/PULL tcp 1 MiB", MIB, "count_1m"),
    Lat(),
    Thr("inproc-thr", "PUSH/PULL inproc 16 B", 16, "count_inproc", inproc=True),
    Thr("aio-thr", "asyncio PUSH/PULL tcp 16 B", 16, "count_aio", prefix="aio_"),
    Lat("aio-lat", "asyncio REQ/REP tcp 16 B latency", prefix="aio_", count_attr="roundtrips_aio"),
    Thr("curve-1k", "CURVE PUSH/PULL tcp 1 KiB", KIB, "count_curve_1k", prefix="curve_"),
    Thr("curve-1m", "CURVE PUSH/PULL tcp 1 MiB", MIB, "count_curve_1m", prefix="curve_"),
]

FULL = {"count_16": 300_000, "count_1k": 100_000, "count_1m": 2_000,
        "roundtrips": 20_000, "warmup": 2_000, "count_inproc": 300_000,
        "count_aio": 100_000, "roundtrips_aio": 10_000, "count_curve_1k": 50_000,
        "count_curve_1m": 500, "timeout": 120.0, "stall": 10.0}
QUICK = {"count_16": 20_000, "count_1k": 10_000, "count_1m": 100,
         "roundtrips": 2_000, "warmup": 200, "count_inproc": 20_000,
         "count_aio": 10_000, "roundtrips_aio": 1_000, "count_curve_1k": 5_000,
         "count_curve_1m": 50, "timeout": 15.0, "stall": 3.0}


def machine_info() -> list[str]:
    lines = [f"machine: {platform.machine()}, nproc {os.cpu_count()}, "
             f"{platform.system()} {platform.release()}",
             f"python: {platform.python_implementation()} {platform.python_version()}"]
    try:
        import zmq
        lines.append(f"pyzmq: {zmq.pyzmq_version()}, libzmq {zmq.zmq_version()}")
    except Exception as exc:  # noqa: BLE001
        lines.append(f"pyzmq: not available ({exc})")
    try:
        import purezmq
        lines.append(f"purezmq: {purezmq.__version__} from "
                     f"{os.path.dirname(os.path.abspath(purezmq.__file__))}")
    except Exception as exc:  # noqa: BLE001
        lines.append(f"purezmq: not importable ({type(exc).__name__}: {exc})")
    try:
        load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
        lines.append(f"load average before the run: {load}")
    except OSError:
        pass
    return lines


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true",
                    help="small counts and a short timeout (smoke run)")
    ap.add_argument("--only", choices=["purezmq", "pyzmq"], help="run one library only")
    ap.add_argument("--workload", action="append", metavar="NAME",
                    help="run only these workloads (repeatable or comma-separated): "
                    + ", ".join(w.name for w in WORKLOADS))
    ap.add_argument("--repeat", type=int, default=1, metavar="N",
                    help="run each workload N times, keep the best (default 1)")
    ap.add_argument("--count-16", type=int, help=f"16 B tcp messages (default {FULL['count_16']:,})")
    ap.add_argument("--count-1k", type=int, help=f"1 KiB tcp messages (default {FULL['count_1k']:,})")
    ap.add_argument("--count-1m", type=int, help=f"1 MiB tcp messages (default {FULL['count_1m']:,})")
    ap.add_argument("--roundtrips", type=int,
                    help=f"timed REQ/REP round trips (default {FULL['roundtrips']:,})")
    ap.add_argument("--warmup", type=int,
                    help=f"untimed REQ/REP round trips first (default {FULL['warmup']:,})")
    ap.add_argument("--count-inproc", type=int,
                    help=f"16 B inproc messages (default {FULL['count_inproc']:,})")
    ap.add_argument("--count-aio", type=int,
                    help=f"16 B asyncio tcp messages (default {FULL['count_aio']:,})")
    ap.add_argument("--roundtrips-aio", type=int,
                    help=f"timed asyncio REQ/REP round trips (default {FULL['roundtrips_aio']:,})")
    ap.add_argument("--count-curve-1k", type=int,
                    help=f"CURVE 1 KiB messages (default {FULL['count_curve_1k']:,})")
    ap.add_argument("--count-curve-1m", type=int,
                    help=f"CURVE 1 MiB messages (default {FULL['count_curve_1m']:,})")
    ap.add_argument("--stall", type=float, metavar="SECONDS",
                    help="declare a run stalled when no worker made progress for this "
                    f"long (default {FULL['stall']:g}, {QUICK['stall']:g} with --quick)")
    ap.add_argument("--src", metavar="DIR",
                    help="import purezmq from DIR instead of the repository's src/ "
                    "(e.g. a snapshot made with git archive)")
    ap.add_argument("--timeout", type=float,
                    help=f"seconds per run before its workers are killed "
                    f"(default {FULL['timeout']:g}, {QUICK['timeout']:g} with --quick)")
    args = ap.parse_args(argv)
    defaults = QUICK if args.quick else FULL
    for key, value in defaults.items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    for key in ("count_16", "count_1k", "count_1m", "roundtrips", "count_inproc",
                "count_aio", "roundtrips_aio", "count_curve_1k", "count_curve_1m"):
        if getattr(args, key) < 2:
            ap.error(f"--{key.replace('_', '-')} must be at least 2")
    if args.warmup < 0 or args.repeat < 1 or args.timeout <= 0 or args.stall <= 0:
        ap.error("--warmup must be >= 0, --repeat >= 1, --timeout and --stall > 0")
    names = {w.name for w in WORKLOADS}
    if args.workload:
        wanted = [n.strip() for item in args.workload for n in item.split(",") if n.strip()]
        unknown = [n for n in wanted if n not in names]
        if unknown:
            ap.error(f"unknown workload {', '.join(unknown)}; choose from {', '.join(sorted(names))}")
        args.workloads = [w for w in WORKLOADS if w.name in wanted]
    else:
        args.workloads = list(WORKLOADS)
    return args


def short(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 3] + "..."


def _sigterm(signum, frame):
    raise SystemExit(128 + signum)  # unwinds through Runner.abort()


def main(argv=None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _sigterm)
    if args.src:
        src = os.path.abspath(args.src)
        if not os.path.isdir(os.path.join(src, "purezmq")):
            print(f"--src: no purezmq package in {src}", file=sys.stderr)
            return 2
        os.environ["PUREZMQ_BENCH_SRC"] = src
        sys.path.insert(0, src)
    libs = [lib for lib in LIBS if args.only is None or LABEL[lib] == args.only]
    info = machine_info()
    for line in info:
        print(line)
    print(f"runs: best of {args.repeat}; timeout {args.timeout:g} s per run "
          f"(stall {args.stall:g} s); "
          f"counts: 16 B {args.count_16:,}, 1 KiB {args.count_1k:,}, 1 MiB {args.count_1m:,}, "
          f"lat {args.roundtrips:,} (+{args.warmup:,} warm-up), inproc {args.count_inproc:,}")
    print(flush=True)

    # results[workload][lib] = (best result or None, [errors], [warnings])
    results: dict = {}
    t_start = time.monotonic()
    for w in args.workloads:
        per = results[w.name] = {lib: [None, [], []] for lib in libs}
        for rep in range(args.repeat):
            for lib in libs:  # interleaved so background load hits both alike
                t0 = time.monotonic()
                try:
                    res, warns = w.run(lib, args)
                except RunError as exc:
                    per[lib][1].append(exc)
                    msg = f"ERROR {exc.detail}"
                else:
                    per[lib][2].extend(warns)
                    if per[lib][0] is None or w.score(res) > w.score(per[lib][0]):
                        per[lib][0] = res
                    msg = w.fmt(res).strip() + ("  [" + "; ".join(warns) + "]" if warns else "")
                print(f"  {w.name:<11} {LABEL[lib]:<8} run {rep + 1}/{args.repeat} "
                      f"({time.monotonic() - t0:4.1f} s): {msg}", file=sys.stderr, flush=True)

    # The table.
    cw = 31
    head = f"{'workload':<26} {'purezmq':>{cw}}   {'pyzmq':>{cw}}   {'ratio':>6}"
    print()
    print(head)
    print("-" * len(head))
    notes: list[str] = []
    for w in args.workloads:
        per = results[w.name]
        cells, best = [], {}
        for lib in LIBS:
            if lib not in per:
                cells.append("(not run)")
                continue
            res, errors, warns = per[lib]
            if res is None:
                cells.append("ERROR " + short(errors[-1].short if errors else "no result", cw - 6))
            else:
                best[lib] = res
                cells.append(w.fmt(res))
            for e in errors:
                notes.append(f"{w.name} {LABEL[lib]}: error: {e.detail}")
            for wn in dict.fromkeys(warns):
                notes.append(f"{w.name} {LABEL[lib]}: {wn}")
        if len(best) == 2:
            ratio = w.ratio(best["purezmq"], best["zmq"])
            rtxt = f"{ratio:6.3f}" if ratio < 10 else f"{ratio:6.1f}"
            if ratio < 0.2:
                notes.append(f"{w.name}: purezmq is {1 / ratio:.1f}x slower than pyzmq")
        else:
            rtxt = f"{'-':>6}"
        print(f"{w.title:<26} {cells[0]:>{cw}}   {cells[1]:>{cw}}   {rtxt}")
    print()
    print("ratio: purezmq/pyzmq for throughput, pyzmq/purezmq for latency (> 1: purezmq better)")
    print(f"total time {time.monotonic() - t_start:.1f} s")
    if notes:
        print("\nnotes:")
        for n in notes:
            print("  " + n)
    failed = any(per[lib][0] is None for per in results.values() for lib in per)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
