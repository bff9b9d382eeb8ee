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
(e.g. a snapshot: git archive HEAD src | tar -x -C /tmp/snap).  The
machinery (workers, deadlines, the table) is purezmq.cli's bench_runner
and bench, taken from the same tree, so a snapshot must have them.

Run:  python bench/bench.py [--quick] [--repeat N] [--only purezmq|pyzmq]
                            [--workload NAME[,NAME...]] [--src DIR] ...
"""

from __future__ import annotations

import argparse
import importlib
import os
import platform
import signal
import sys
import threading
import time

# Benchmark the source tree (or --src DIR, passed on to the workers in the
# environment since 'spawn' re-imports this file in each of them).
SRC = os.environ.get("PUREZMQ_BENCH_SRC") or os.path.normpath(
    os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src"))
sys.path.insert(0, SRC)

from purezmq.cli.bench import measure, print_table  # noqa: E402
from purezmq.cli.bench_runner import (  # noqa: E402
    KIB, LABEL, LIBS, MIB, ROLES, LatFigures, ThrFigures, close_all, latency_result, role_pull,
    role_push, run_pair, timed_receive)


# --------------------------------------------------------------------------
# The roles bench_runner does not have (run in worker processes)
# --------------------------------------------------------------------------

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
        conn.send(("result", latency_result(elapsed, rtts)))
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
            out["elapsed"] = timed_receive(sock.recv, size, total)
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
    conn.send(("result", {"elapsed": out["elapsed"], "count": total - 1, "size": size}))
    phase, done = "closing after", total
    close_all(ctx, sock)


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


BENCH_ROLES = dict(ROLES, **{f.__name__[5:]: f for f in (
    role_inproc_thr, role_aio_pull, role_aio_push, role_aio_rep, role_aio_req,
    role_curve_pull, role_curve_push)})


# --------------------------------------------------------------------------
# Workloads
# --------------------------------------------------------------------------

class Thr(ThrFigures):
    """Throughput; `prefix` picks the roles (aio_, curve_), inproc runs
    both peers in one process."""

    def __init__(self, name, title, size, count_attr, inproc=False, prefix=""):
        self.name, self.title, self.size = name, title, size
        self.count_attr, self.inproc, self.prefix = count_attr, inproc, prefix
        self.watch = "inproc_thr" if inproc else prefix + "pull"

    def run(self, libname, args, tick=None):
        params = {"size": self.size, "count": getattr(args, self.count_attr)}
        if self.inproc:
            return run_pair(libname, args, "inproc_thr", "", dict(params, timeout=args.timeout),
                            "inproc_thr", tick, BENCH_ROLES)
        return run_pair(libname, args, self.prefix + "pull", self.prefix + "push", params,
                        self.prefix + "pull", tick, BENCH_ROLES)


class Lat(LatFigures):
    size = 16

    def __init__(self, name="lat", title="REQ/REP tcp 16 B latency", prefix="",
                 count_attr="roundtrips"):
        self.name, self.title, self.prefix, self.count_attr = name, title, prefix, count_attr
        self.watch = prefix + "req"

    def run(self, libname, args, tick=None):
        params = {"size": self.size, "count": getattr(args, self.count_attr),
                  "warmup": args.warmup}
        return run_pair(libname, args, self.prefix + "rep", self.prefix + "req", params,
                        self.prefix + "req", tick, BENCH_ROLES)


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


def _sigterm(signum, frame):
    raise SystemExit(128 + signum)  # unwinds through Runner.abort()


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.src and os.path.abspath(args.src) != SRC:
        # Start again on that tree: this file imports purezmq before parsing.
        src = os.path.abspath(args.src)
        if not os.path.isdir(os.path.join(src, "purezmq", "cli")):
            print(f"--src: no purezmq package with its cli in {src}", file=sys.stderr)
            return 2
        env = dict(os.environ, PUREZMQ_BENCH_SRC=src)
        os.execve(sys.executable, [sys.executable, os.path.abspath(__file__), *sys.argv[1:]], env)
    signal.signal(signal.SIGTERM, _sigterm)
    libs = [lib for lib in LIBS if args.only is None or LABEL[lib] == args.only]
    for line in machine_info():
        print(line)
    print(f"runs: best of {args.repeat}; timeout {args.timeout:g} s per run "
          f"(stall {args.stall:g} s); "
          f"counts: 16 B {args.count_16:,}, 1 KiB {args.count_1k:,}, 1 MiB {args.count_1m:,}, "
          f"lat {args.roundtrips:,} (+{args.warmup:,} warm-up), inproc {args.count_inproc:,}")
    print(flush=True)
    t_start = time.monotonic()
    results = measure(args.workloads, libs, args.repeat, args)
    print_table(args.workloads, libs, results, time.monotonic() - t_start)
    failed = any(per[lib][0] is None for per in results.values() for lib in per)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
