"""purezmq bench: PUSH/PULL throughput and REQ/REP latency, purezmq next
to pyzmq when it is installed.

The command: its options, the progress display, the table and the plot.
The workers and their deadlines are bench_runner's, shared with the
repository's bench/bench.py, which adds the inproc, asyncio and CURVE
workloads to these.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import platform
import sys
import time

from . import _common as c
from .bench_runner import (KIB, LABEL, LIBS, MIB, LatFigures, Runner, RunError, ThrFigures,
                           run_pair, size_text)

DEFAULT_SIZES = "16,256,1k,4k,64k,1m"
DEFAULTS = {"roundtrips": 5_000, "warmup": 500, "timeout": 60.0, "stall": 10.0}


# --------------------------------------------------------------------------
# Workloads
# --------------------------------------------------------------------------

class Thr(ThrFigures):
    """PUSH/PULL throughput over tcp for one message size."""

    def __init__(self, size: int, count: int):
        self.size, self.count = size, count
        self.name = f"thr-{size}"
        self.title = f"PUSH/PULL tcp {size_text(size)}"

    def run(self, libname, opts, tick=None):
        return run_pair(libname, opts, "pull", "push", {"size": self.size, "count": self.count},
                        "pull", tick)


class Lat(LatFigures):
    """REQ/REP round trips over tcp, 16 B."""
    size = 16
    name = "lat"
    title = "REQ/REP tcp 16 B latency"

    def __init__(self, count: int, warmup: int):
        self.count, self.warmup = count, warmup

    def run(self, libname, opts, tick=None):
        params = {"size": self.size, "count": self.count, "warmup": self.warmup}
        return run_pair(libname, opts, "rep", "req", params, "req", tick)


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

    t_start = time.monotonic()
    results = measure(workloads, libs, args.repeat, args)
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


def measure(workloads, libs, repeat: int, opts) -> dict:
    """Run each workload `repeat` times per library, interleaved so that
    background load hits both alike; progress on stderr.  Returns
    {workload name: {lib: [best result or None, [RunError], [warning]]}}."""
    results: dict = {}
    progress = Progress(len(workloads) * len(libs) * repeat)
    for w in workloads:
        per = results[w.name] = {lib: [None, [], []] for lib in libs}
        for rep in range(repeat):
            for lib in libs:
                again = f" run {rep + 1}/{repeat}" if repeat > 1 else ""
                progress.begin(f"{w.title} {LABEL[lib]}{again}", w.watch)
                try:
                    res, warns = w.run(lib, opts, progress.tick)
                except RunError as exc:
                    per[lib][1].append(exc)
                    progress.end(f"ERROR {exc.short}")
                    continue
                per[lib][2].extend(warns)
                if per[lib][0] is None or w.score(res) > w.score(per[lib][0]):
                    per[lib][0] = res
                progress.end(w.fmt(res).strip() + ("  [" + "; ".join(warns) + "]" if warns else ""))
    return results


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
