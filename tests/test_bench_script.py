"""The repository's benchmark script, bench/bench.py, on tiny counts: every
workload it adds to `purezmq bench` (inproc, asyncio, CURVE) runs and
reports, and --src benchmarks another tree."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), ".."))
SCRIPT = os.path.join(ROOT, "bench", "bench.py")
TINY = ["--only", "purezmq", "--count-16", "300", "--roundtrips", "50", "--warmup", "10",
        "--count-inproc", "300", "--count-aio", "300", "--roundtrips-aio", "50",
        "--count-curve-1k", "100", "--timeout", "60"]


def bench(*args: str, timeout: float = 240) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, SCRIPT, *TINY, *args], capture_output=True,
                          text=True, timeout=timeout)


def test_every_extra_workload_reports():
    res = bench("--workload", "inproc-thr,aio-thr,aio-lat,curve-1k")
    assert res.returncode == 0, res.stdout + res.stderr
    table = res.stdout.split("workload", 1)[1]
    for title in ("PUSH/PULL inproc 16 B", "asyncio PUSH/PULL tcp 16 B",
                  "asyncio REQ/REP tcp 16 B latency", "CURVE PUSH/PULL tcp 1 KiB"):
        line = next(ln for ln in table.splitlines() if ln.startswith(title))
        assert ("msg/s" in line or " us " in line) and "ERROR" not in line, line
    assert "[4/4]" in res.stderr  # the progress display of purezmq bench
    assert "Traceback" not in res.stderr


def test_src_benchmarks_another_tree(tmp_path):
    snapshot = tmp_path / "snap"
    shutil.copytree(os.path.join(ROOT, "src"), snapshot,
                    ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    res = bench("--workload", "thr-16", "--src", str(snapshot))
    assert res.returncode == 0, res.stdout + res.stderr
    assert f"from {snapshot}" in res.stdout  # the purezmq it measured
    res = bench("--workload", "thr-16", "--src", str(tmp_path / "nothing"))
    assert res.returncode == 2 and "no purezmq package" in res.stderr
