"""The benchmark's machinery: worker processes under a deadline.

Shared by `purezmq bench` and the repository's bench/bench.py.  Each peer
of a workload runs in its own process (multiprocessing, 'spawn'), like
libzmq's perf tools.  A worker is one *role* (a top-level function, so
'spawn' can import it by name) run on the library named by module
("purezmq" or "zmq"), so both libraries run the same code with default
socket options.  The receiver (PULL, REP) binds tcp://127.0.0.1:* and
reports its endpoint through a Pipe; throughput is taken at the receiver
from the first message to the last, (count - 1) / interval; latency is the
mean one-way time, round trip / 2, with the p50 and p99 round trip, after
a warm-up.

Every run has a deadline and is abandoned when no worker has made
progress for `stall` seconds: the parent asks each worker for its loop
counter, read from the frame of its loop (nothing is added to the timed
loops), and prints where it is blocked when it gives up.
"""

from __future__ import annotations

import importlib
import multiprocessing as mp
import os
import sys
import threading
import time
import traceback
from typing import Any, Callable, Optional

LIBS = ("purezmq", "zmq")
LABEL = {"purezmq": "purezmq", "zmq": "pyzmq"}
KIB, MIB = 1024, 1024 * 1024


# --------------------------------------------------------------------------
# Workers (run in child processes)
# --------------------------------------------------------------------------

def _worker(role: Callable, libname: str, conn, params: dict) -> None:
    """Process entry: run one role, report ("error", text) on failure."""
    lock = threading.Lock()
    main_ident = threading.get_ident()
    threading.Thread(target=_status_server, args=(conn, lock, main_ident),
                     daemon=True).start()
    try:
        lib = importlib.import_module(libname)
        role(lib, _Reporter(conn, lock), params)
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
            os._exit(3)  # the parent is gone: do not linger as an orphan
        if request not in ("status", "progress"):
            continue
        try:
            text = _status(main_ident, request == "progress")
        except Exception as exc:  # noqa: BLE001
            text = f"status unavailable ({exc!r})"
        try:
            with lock:
                conn.send(("status", text))
        except (EOFError, OSError):
            os._exit(3)


def _is_loop(name: str) -> bool:
    # The frames whose locals done/total/phase tell the progress.
    return name.startswith("role_") or name == "timed_receive"


def _status(main_ident: int, progress_only: bool = False) -> str:
    """The progress of the main thread and of any other thread in a timed
    loop and, unless progress_only, their innermost frames."""
    me = threading.get_ident()
    frames = sys._current_frames()
    idents = [main_ident] + [i for i in frames if i not in (main_ident, me)]
    parts = []
    for ident in idents:
        frame = frames.get(ident)
        stack, progress = [], ""
        while frame is not None:
            code = frame.f_code
            if not progress and _is_loop(code.co_name):
                loc = frame.f_locals
                done = loc.get("done")
                if done is not None:
                    total = loc.get("total", "?")
                    total = f"{total:,}" if isinstance(total, int) else total
                    progress = f"{loc.get('phase', 'at')} {done:,} of {total}"
            stack.append(f"{os.path.basename(code.co_filename)}:{frame.f_lineno} {code.co_name}")
            frame = frame.f_back
        if ident == main_ident:
            if not stack:
                parts.append("main thread finished")
                continue
        elif not progress:
            continue  # a library thread (I/O thread ...): not ours to report
        if progress_only:
            parts.append(progress or "starting")
        else:
            parts.append(f"{progress or 'not in its loop'}; in {' < '.join(stack[:4])}")
    return " | ".join(parts)


def close_all(ctx, *socks, linger=None) -> None:
    for s in socks:
        if linger is None:
            s.close()
        else:
            s.close(linger=linger)
    ctx.term()


def _apply(sock, p: dict) -> None:
    for name, value in p.get("options", {}).items():
        setattr(sock, name, value)


# In the role functions the locals done/total/phase are the progress a
# status request reports; "for done in range(...)" costs nothing extra.

def role_pull(lib, conn, p: dict) -> None:
    """local_thr: bind PULL, receive count messages, time first -> last."""
    size, total = p["size"], p["count"]
    phase, done = "starting", 0
    ctx = lib.Context()
    sock = ctx.socket(lib.PULL)
    _apply(sock, p)
    sock.bind("tcp://127.0.0.1:*")
    conn.send(("endpoint", sock.getsockopt(lib.LAST_ENDPOINT).decode()))
    elapsed = timed_receive(sock.recv, size, total)
    conn.send(("result", {"elapsed": elapsed, "count": total - 1, "size": size}))
    phase, done = "closing after", total
    close_all(ctx, sock, linger=0)


def timed_receive(recv: Callable, size: int, total: int) -> float:
    """Receive `total` messages of `size` bytes: the seconds from the first
    to the last (local_thr's interval)."""
    phase, done = "received", 0
    bad = 0 if len(recv()) == size else 1
    start = time.perf_counter()
    for done in range(1, total):
        if len(recv()) != size:
            bad += 1
    elapsed = time.perf_counter() - start
    if bad:
        raise RuntimeError(f"{bad} of {total} messages had the wrong size")
    return elapsed


def role_push(lib, conn, p: dict) -> None:
    """remote_thr: connect PUSH, send count messages, close (default linger)."""
    size, total = p["size"], p["count"]
    phase, done = "sent", 0
    msg = b"\x00" * size
    ctx = lib.Context()
    sock = ctx.socket(lib.PUSH)
    _apply(sock, p)
    sock.connect(p["endpoint"])
    send = sock.send
    for done in range(total):
        send(msg)
    phase, done = "closing (default linger) after sending", total
    close_all(ctx, sock)  # default LINGER: wait until everything is delivered


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
    close_all(ctx, sock)


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
    conn.send(("result", latency_result(elapsed, rtts)))
    phase, done = "closing after", count
    close_all(ctx, sock, linger=0)


def latency_result(elapsed_ns: int, rtts: list) -> dict:
    """Mean one-way time and the p50/p99 round trip, in microseconds."""
    count = len(rtts)
    rtts.sort()
    return {"mean_us": elapsed_ns / count / 2 / 1e3,
            "p50_us": rtts[count // 2] / 1e3,
            "p99_us": rtts[min(count - 1, int(count * 0.99))] / 1e3}


ROLES = {f.__name__[5:]: f for f in (role_pull, role_push, role_rep, role_req)}


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

    Besides the hard deadline the parent asks the workers for their status
    every stall/2 seconds; if no worker has moved for `stall` seconds the
    run is declared stalled and its workers are killed.  `tick(runner)`,
    if given, is called about every `tick_every` seconds while waiting.
    `roles` maps role names to role functions (default: ROLES).
    """

    def __init__(self, libname: str, timeout: float, stall: float,
                 tick: Optional[Callable[["Runner"], None]] = None, tick_every: float = 0.3,
                 roles: Optional[dict] = None):
        self.libname = libname
        self.deadline = time.monotonic() + timeout
        self.timeout = timeout
        self.stall = stall
        self.tick, self.tick_every = tick, tick_every
        self.roles = ROLES if roles is None else roles
        self.mp = mp.get_context("spawn")
        self.procs: dict = {}  # role -> [process, parent end of pipe, open]
        self.pending: dict = {}  # messages read while waiting for a status
        self.warnings: list = []

    def start(self, role: str, params: dict) -> None:
        parent, child = self.mp.Pipe()
        proc = self.mp.Process(target=_worker,
                               args=(self.roles[role], self.libname, child, params),
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

    def wait_for(self, role: str, kind: str) -> Any:
        """The payload of the next (kind, payload) message from role; an
        error from any worker, a worker dying, a stall or the deadline
        raises RunError."""
        last_sig, last_change = None, time.monotonic()
        next_check = last_change + self.stall / 2
        next_tick = time.monotonic() + self.tick_every
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
            if self.tick is not None and now >= next_tick:
                self.tick(self)
                next_tick = time.monotonic() + self.tick_every
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

    def status(self, role: str, request: str = "status") -> str:
        """Ask a worker what it is doing ("progress": only how far it got)."""
        if role not in self.procs:
            return "starting"
        proc, conn, open_ = self.procs[role]
        if not proc.is_alive():
            return f"exited ({proc.exitcode})"
        if not open_:
            return "alive, pipe closed"
        try:
            conn.send(request)
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


def run_pair(libname: str, opts, server: str, client: str, params: dict,
             result_from: str, tick=None, roles: Optional[dict] = None):
    """Start the server role, then the client role at the endpoint the
    server reports; the result comes from `result_from`.  A role named
    "" is not started (a workload in one process)."""
    r = Runner(libname, opts.timeout, opts.stall, tick, roles=roles)
    try:
        r.start(server, params)
        if client:
            endpoint = r.wait_for(server, "endpoint")
            r.start(client, dict(params, endpoint=endpoint))
        result = r.wait_for(result_from, "result")
    except BaseException:
        r.abort()
        raise
    r.finish()
    return result, r.warnings


# --------------------------------------------------------------------------
# Figures: how a workload's result is scored, shown and compared
# --------------------------------------------------------------------------

def size_text(size: int) -> str:
    if size >= MIB and size % MIB == 0:
        return f"{size // MIB} MiB"
    if size >= KIB and size % KIB == 0:
        return f"{size // KIB} KiB"
    return f"{size} B"


class ThrFigures:
    """Throughput: messages per second at the receiver."""
    kind = "thr"
    watch = "pull"  # the role whose progress is shown

    @staticmethod
    def score(res) -> float:  # higher is better
        return res["count"] / res["elapsed"]

    @staticmethod
    def fmt(res) -> str:
        rate = res["count"] / res["elapsed"]
        mbps = rate * res["size"] / 1e6
        return f"{rate:>10,.0f} msg/s {mbps:>7.1f} MB/s"

    @classmethod
    def ratio(cls, pure, ref) -> float:  # purezmq / pyzmq
        return cls.score(pure) / cls.score(ref)


class LatFigures:
    """Latency: the mean one-way time, with the round trip's p50 and p99."""
    kind = "lat"
    watch = "req"

    @staticmethod
    def score(res) -> float:  # higher is better
        return -res["mean_us"]

    @staticmethod
    def fmt(res) -> str:
        return (f"{res['mean_us']:.1f} us (rtt p50 {res['p50_us']:.0f}"
                f" p99 {res['p99_us']:.0f})")

    @staticmethod
    def ratio(pure, ref) -> float:  # pyzmq / purezmq: > 1 is purezmq faster
        return ref["mean_us"] / pure["mean_us"]
