"""purezmq bench: PUSH/PULL throughput and REQ/REP latency, purezmq next
to pyzmq when it is installed.

The workloads are those of the repository's bench/bench.py (thr-*, lat),
with the same machinery moved here so that the installed command has it:
each peer runs in its own process (multiprocessing, 'spawn'), like
libzmq's perf tools.  The receiver (PULL, REP) binds tcp://127.0.0.1:*
and reports its endpoint through a Pipe; throughput is taken at the
receiver from the first message to the last, (count - 1) / interval;
latency is the mean one-way time, round trip / 2, with the p50 and p99
round trip, after a warm-up.  The library is chosen by module name in
each worker (importlib.import_module("purezmq") or "zmq"), so both run
the same code with default socket options.

Every run has a deadline (--timeout) and is abandoned when no worker has
made progress for --stall seconds (the parent asks each worker for its
loop counter, read from the frame of its loop: nothing is added to the
timed loops); the same answers feed the progress display.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import multiprocessing as mp
import os
import platform
import sys
import threading
import time
import traceback
from typing import Any, Callable, Optional

from . import _common as c

LIBS = ("purezmq", "zmq")
LABEL = {"purezmq": "purezmq", "zmq": "pyzmq"}
KIB, MIB = 1024, 1024 * 1024

DEFAULT_SIZES = "16,256,1k,4k,64k,1m"
DEFAULTS = {"roundtrips": 5_000, "warmup": 500, "timeout": 60.0, "stall": 10.0}


# --------------------------------------------------------------------------
# Workers (run in child processes; top level so 'spawn' can import them)
# --------------------------------------------------------------------------

def _worker(role: str, libname: str, conn, params: dict) -> None:
    """Process entry: run one role, report ("error", text) on failure."""
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


def _status(main_ident: int, progress_only: bool = False) -> str:
    """The main thread's progress (read from the locals done/total/phase
    of its role_* frame) and, unless progress_only, its innermost frames."""
    frame = sys._current_frames().get(main_ident)
    if frame is None:
        return "main thread finished"
    stack, progress = [], ""
    while frame is not None:
        code = frame.f_code
        if not progress and code.co_name.startswith("role_"):
            loc = frame.f_locals
            done = loc.get("done")
            if done is not None:
                total = loc.get("total", "?")
                total = f"{total:,}" if isinstance(total, int) else total
                progress = f"{loc.get('phase', 'at')} {done:,} of {total}"
        stack.append(f"{os.path.basename(code.co_filename)}:{frame.f_lineno} {code.co_name}")
        frame = frame.f_back
    if progress_only:
        return progress or "starting"
    return f"{progress or 'not in its loop'}; in {' < '.join(stack[:4])}"


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
    phase, done, total = "round trips", 0, count
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
    """

    def __init__(self, libname: str, timeout: float, stall: float,
                 tick: Optional[Callable[["Runner"], None]] = None, tick_every: float = 0.3):
        self.libname = libname
        self.deadline = time.monotonic() + timeout
        self.timeout = timeout
        self.stall = stall
        self.tick, self.tick_every = tick, tick_every
        self.mp = mp.get_context("spawn")
        self.procs: dict = {}  # role -> [process, parent end of pipe, open]
        self.pending: dict = {}  # messages read while waiting for a status
        self.warnings: list = []

    def start(self, role: str, params: dict) -> None:
        parent, child = self.mp.Pipe()
        proc = self.mp.Process(target=_worker, args=(role, self.libname, child, params),
                               name=f"bench-{role}-{self.libname}", daemon=True)
        proc.start()
        child.close()  # so that the parent sees EOF if the worker dies
        self.procs[role] = [proc, parent, True]
        self.pending[role] = []

    def _recv(self, role: str, timeout: float = 0.0):
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
                if msg[0] == "error":
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


def run_tcp_thr(libname: str, size: int, count: int, opts, tick=None):
    r = Runner(libname, opts.timeout, opts.stall, tick)
    try:
        r.start("pull", {"size": size, "count": count})
        endpoint = r.wait_for("pull", "endpoint")
        r.start("push", {"size": size, "count": count, "endpoint": endpoint})
        result = r.wait_for("pull", "result")
    except BaseException:
        r.abort()
        raise
    r.finish()
    return result, r.warnings


def run_tcp_lat(libname: str, size: int, count: int, warmup: int, opts, tick=None):
    r = Runner(libname, opts.timeout, opts.stall, tick)
    try:
        params = {"size": size, "count": count, "warmup": warmup}
        r.start("rep", params)
        endpoint = r.wait_for("rep", "endpoint")
        r.start("req", dict(params, endpoint=endpoint))
        result = r.wait_for("req", "result")
    except BaseException:
        r.abort()
        raise
    r.finish()
    return result, r.warnings


# --------------------------------------------------------------------------
# Workloads
# --------------------------------------------------------------------------

def size_text(size: int) -> str:
    if size >= MIB and size % MIB == 0:
        return f"{size // MIB} MiB"
    if size >= KIB and size % KIB == 0:
        return f"{size // KIB} KiB"
    return f"{size} B"


class Thr:
    kind = "thr"
    watch = "pull"  # the role whose progress is shown

    def __init__(self, size: int, count: int):
        self.size, self.count = size, count
        self.name = f"thr-{size}"
        self.title = f"PUSH/PULL tcp {size_text(size)}"

    def run(self, libname, opts, tick=None):
        return run_tcp_thr(libname, self.size, self.count, opts, tick)

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
    name = "lat"
    title = "REQ/REP tcp 16 B latency"
    watch = "req"

    def __init__(self, count: int, warmup: int):
        self.count, self.warmup = count, warmup

    def run(self, libname, opts, tick=None):
        return run_tcp_lat(libname, self.size, self.count, self.warmup, opts, tick)

    @staticmethod
    def score(res):
        return -res["mean_us"]

    @staticmethod
    def fmt(res):
        return (f"{res['mean_us']:.1f} us (rtt p50 {res['p50_us']:.0f}"
                f" p99 {res['p99_us']:.0f})")

    @staticmethod
    def ratio(pure, ref):
        return ref["mean_us"] / pure["mean_us"]


def default_count(size: int) -> int:
    """Messages for one throughput run: 50,000, fewer for big messages
    (about 64 MiB in all, at least 100)."""
    return max(100, min(50_000, 64 * MIB // size))


# --------------------------------------------------------------------------
# The command
# --------------------------------------------------------------------------

DESCRIPTION = """\
Measure PUSH/PULL throughput over tcp for a range of message sizes and
REQ/REP round-trip latency, each peer in its own process, and print a
table.  When pyzmq is installed the same workloads run on it too, side by
side, with the ratio purezmq/pyzmq (throughput) or pyzmq/purezmq
(latency): above 1 means purezmq is faster.  Progress goes to stderr, the
table to stdout.  On the defaults it takes about 20 seconds.
"""

EPILOG = """\
examples:
  purezmq bench
  purezmq bench --sizes 16,1k,64k --count 10000 --only purezmq
  purezmq bench --plot throughput.png           # needs matplotlib
  purezmq bench --count 500 --roundtrips 200    # a quick look
"""


def _parse_size(text: str) -> int:
    t = text.strip().lower().removesuffix("b").removesuffix("i")
    mult = 1
    if t.endswith("k"):
        mult, t = KIB, t[:-1]
    elif t.endswith("m"):
        mult, t = MIB, t[:-1]
    try:
        value = int(t) * mult
    except ValueError:
        raise argparse.ArgumentTypeError(f"bad message size {text!r} "
                                         f"(examples: 16, 4k, 1m)") from None
    if not 1 <= value <= 256 * MIB:
        raise argparse.ArgumentTypeError(f"message size {text!r} out of range "
                                         f"(1 B to 256 MiB)")
    return value


def _sizes(text: str) -> list:
    sizes = [_parse_size(s) for s in text.split(",") if s.strip()]
    if not sizes:
        raise argparse.ArgumentTypeError("no message size given")
    return sorted(set(sizes))


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("bench", help="measure throughput and latency (vs pyzmq)",
                       description=DESCRIPTION, epilog=EPILOG,
                       formatter_class=c.help_formatter)
    p.add_argument("--sizes", type=_sizes, default=_sizes(DEFAULT_SIZES), metavar="LIST",
                   help=f"message sizes for throughput (default {DEFAULT_SIZES})")
    p.add_argument("--count", type=c.positive_int, metavar="N",
                   help="messages per throughput run (default 50,000, fewer above 1 KiB: "
                   "about 64 MiB per run, at least 100)")
    p.add_argument("--roundtrips", type=c.positive_int, default=DEFAULTS["roundtrips"],
                   metavar="N", help=f"timed REQ/REP round trips "
                   f"(default {DEFAULTS['roundtrips']:,})")
    p.add_argument("--warmup", type=int, default=DEFAULTS["warmup"], metavar="N",
                   help=f"untimed round trips first (default {DEFAULTS['warmup']:,})")
    p.add_argument("--no-latency", action="store_true", help="skip the latency test")
    p.add_argument("--no-throughput", action="store_true", help="skip the throughput tests")
    p.add_argument("--only", choices=["purezmq", "pyzmq"], help="run one library only")
    p.add_argument("--repeat", type=c.positive_int, default=1, metavar="N",
                   help="run each workload N times and keep the best (default 1)")
    p.add_argument("--timeout", type=c.seconds, default=DEFAULTS["timeout"], metavar="SECONDS",
                   help=f"seconds per run before its workers are killed "
                   f"(default {DEFAULTS['timeout']:g})")
    p.add_argument("--stall", type=c.seconds, default=DEFAULTS["stall"], metavar="SECONDS",
                   help="abandon a run when no worker made progress for this long "
                   f"(default {DEFAULTS['stall']:g})")
    p.add_argument("--plot", metavar="FILE.png",
                   help="draw throughput against message size to FILE.png (needs matplotlib)")
    p.set_defaults(run=run)


def pyzmq_available() -> bool:
    try:
        return importlib.util.find_spec("zmq") is not None
    except (ImportError, ValueError):
        return False


def machine_info(libs) -> list:
    import purezmq
    lines = [f"machine: {platform.machine()}, {os.cpu_count()} cores, "
             f"{platform.system()} {platform.release()}; "
             f"{platform.python_implementation()} {platform.python_version()}",
             f"purezmq {purezmq.purezmq_version()}"]
    if "zmq" in libs:
        try:
            import zmq
            lines[-1] += f"; pyzmq {zmq.pyzmq_version()} (libzmq {zmq.zmq_version()})"
        except Exception as exc:  # noqa: BLE001
            lines[-1] += f"; pyzmq not importable ({exc})"
    return lines


class Progress:
    """The progress display on stderr: on a terminal one line kept up to
    date with the running worker's count; elsewhere a line per run."""

    def __init__(self, total: int):
        self.total, self.done = total, 0
        self.tty = sys.stderr.isatty()
        self.label = ""
        self.t0 = time.monotonic()
        self.watch = ""

    def begin(self, label: str, watch: str) -> None:
        self.label, self.watch, self.t0 = label, watch, time.monotonic()
        if self.tty:
            self._live("starting")

    def tick(self, runner: Runner) -> None:
        if self.tty:
            self._live(runner.status(self.watch, "progress"))

    def _live(self, what: str) -> None:
        line = (f"[{self.done + 1}/{self.total}] {self.label}: {what} "
                f"({time.monotonic() - self.t0:.1f} s)")
        sys.stderr.write("\r" + line[:160] + "\x1b[K")
        sys.stderr.flush()

    def end(self, result: str) -> None:
        self.done += 1
        line = (f"[{self.done}/{self.total}] {self.label}: {result} "
                f"({time.monotonic() - self.t0:.1f} s)")
        sys.stderr.write(("\r" + line + "\x1b[K\n") if self.tty else line + "\n")
        sys.stderr.flush()


def run(args: argparse.Namespace) -> int:
    if args.plot:
        if not args.plot.lower().endswith(".png"):
            raise c.CliError(f"--plot {args.plot}: the file name must end in .png", 2)
        try:
            import matplotlib  # noqa: F401
        except ImportError:
            raise c.CliError("--plot needs matplotlib: pip install matplotlib") from None
        if args.no_throughput:
            raise c.CliError("--plot draws throughput: it cannot go with --no-throughput", 2)
    if args.warmup < 0:
        raise c.CliError("--warmup must not be negative", 2)
    if args.no_latency and args.no_throughput:
        raise c.CliError("--no-latency and --no-throughput leave nothing to run", 2)
    have_pyzmq = pyzmq_available()
    if args.only == "pyzmq" and not have_pyzmq:
        raise c.CliError("--only pyzmq: pyzmq is not installed (pip install pyzmq)")
    libs = [lib for lib in LIBS
            if (args.only is None or LABEL[lib] == args.only)
            and (lib != "zmq" or have_pyzmq)]
    workloads: list = []
    if not args.no_throughput:
        workloads += [Thr(s, max(2, args.count or default_count(s))) for s in args.sizes]
    if not args.no_latency:
        workloads.append(Lat(args.roundtrips, args.warmup))

    for line in machine_info(libs):
        print(line)
    if not have_pyzmq and args.only is None:
        print("pyzmq is not installed: purezmq only (pip install pyzmq to compare)")
    print(flush=True)

    results: dict = {}  # workload name -> lib -> [best result, errors, warnings]
    progress = Progress(len(workloads) * len(libs) * args.repeat)
    t_start = time.monotonic()
    for w in workloads:
        per = results[w.name] = {lib: [None, [], []] for lib in libs}
        for rep in range(args.repeat):
            for lib in libs:  # interleaved so that background load hits both alike
                again = f" run {rep + 1}/{args.repeat}" if args.repeat > 1 else ""
                progress.begin(f"{w.title} {LABEL[lib]}{again}", w.watch)
                try:
                    res, warns = w.run(lib, args, progress.tick)
                except RunError as exc:
                    per[lib][1].append(exc)
                    progress.end(f"ERROR {exc.short}")
                    continue
                per[lib][2].extend(warns)
                if per[lib][0] is None or w.score(res) > w.score(per[lib][0]):
                    per[lib][0] = res
                progress.end(w.fmt(res).strip())

    print_table(workloads, libs, results, time.monotonic() - t_start)
    status = 0
    if args.plot:
        try:
            plot(args.plot, [w for w in workloads if w.kind == "thr"], libs, results)
        except Exception as exc:  # noqa: BLE001 - a plot is not worth a traceback
            raise c.CliError(f"cannot draw {args.plot}: {exc}") from None
        print(f"plot: {args.plot}")
    failed = any(per[lib][0] is None for per in results.values() for lib in per)
    return 1 if failed else status


def _short(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 3] + "..."


def print_table(workloads, libs, results, elapsed: float) -> None:
    cw = 31
    both = len(libs) == 2
    head = f"{'workload':<26}" + "".join(f" {LABEL[lib]:>{cw}}  " for lib in libs)
    if both:
        head += f" {'ratio':>6}"
    print(head.rstrip())
    print("-" * len(head.rstrip()))
    notes = []
    for w in workloads:
        per = results[w.name]
        cells, best = [], {}
        for lib in libs:
            res, errors, warns = per[lib]
            if res is None:
                cells.append("ERROR " + _short(errors[-1].short if errors else "no result",
                                               cw - 6))
            else:
                best[lib] = res
                cells.append(w.fmt(res))
            for e in errors:
                notes.append(f"{w.name} {LABEL[lib]}: error: {e.detail}")
            for wn in dict.fromkeys(warns):
                notes.append(f"{w.name} {LABEL[lib]}: {wn}")
        line = f"{w.title:<26}" + "".join(f" {cell:>{cw}}  " for cell in cells)
        if both:
            if len(best) == 2:
                ratio = w.ratio(best["purezmq"], best["zmq"])
                line += f" {ratio:6.3f}" if ratio < 10 else f" {ratio:6.1f}"
            else:
                line += f" {'-':>6}"
        print(line.rstrip())
    print()
    if both:
        print("ratio: purezmq/pyzmq for throughput, pyzmq/purezmq for latency "
              "(> 1: purezmq faster); MB = 10**6 bytes")
    print(f"total time {elapsed:.1f} s")
    if notes:
        print("\nnotes:")
        for n in notes:
            print("  " + n)
    sys.stdout.flush()


def plot(path: str, workloads, libs, results) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax_msgs, ax_mb) = plt.subplots(1, 2, figsize=(11, 4.5))
    for lib in libs:
        xs, msgs, mbs = [], [], []
        for w in workloads:
            res = results[w.name][lib][0]
            if res is None:
                continue
            rate = Thr.score(res)
            xs.append(w.size)
            msgs.append(rate)
            mbs.append(rate * w.size / 1e6)
        if xs:
            ax_msgs.plot(xs, msgs, marker="o", label=LABEL[lib])
            ax_mb.plot(xs, mbs, marker="o", label=LABEL[lib])
    for ax, ylabel in ((ax_msgs, "messages / s"), (ax_mb, "MB / s")):
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xlabel("message size (bytes)")
        ax.set_ylabel(ylabel)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend()
    fig.suptitle("PUSH/PULL throughput over tcp (one process per peer)")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
