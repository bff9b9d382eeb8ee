"""Programs written for pyzmq run unchanged on purezmq after install_as_zmq().

Each program in programs/ imports `zmq` and nothing of purezmq.  It runs
twice in a subprocess: on pyzmq (real libzmq), and through
run_on_purezmq.py, which calls purezmq.install_as_zmq() first.  Both runs
must print the same, and that output must be the right one.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).parent / "programs"
SRC = Path(__file__).resolve().parents[2] / "src"


def run(program: str, on_purezmq: bool) -> str:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(SRC), env.get("PYTHONPATH", "")])
    args = [sys.executable]
    if on_purezmq:
        args.append(str(HERE / "run_on_purezmq.py"))
    args.append(str(HERE / program))
    done = subprocess.run(args, capture_output=True, text=True, timeout=40, env=env)
    assert done.returncode == 0, f"{program} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


EXPECTED = {
    "reqrep.py": "reply ALPHA\nreply BETA\nreply GAMMA\nreply DELTA\nreply EPSILON\n",
    "pubsub.py": ("all weather:sunny sports:3-1 news:quiet weather:rain\n"
                  "sports sports:3-1\n"
                  "weather weather:sunny weather:rain\n"),
    "pipeline_proxy.py": ("squares [1, 4, 9, 16, 25, 36, 49, 64, 81, 100]\n"
                          "sum 385\nproxy stopped True\n"),
    "monitor.py": "LISTENING\nACCEPTED\nHANDSHAKE_SUCCEEDED\nDISCONNECTED\nMONITOR_STOPPED\n",
}


@pytest.mark.timeout(90)
@pytest.mark.parametrize("program", sorted(EXPECTED))
def test_pyzmq_program_runs_unchanged_on_purezmq(program):
    reference = run(program, on_purezmq=False)
    assert reference == EXPECTED[program], "the program itself is wrong on pyzmq"
    assert run(program, on_purezmq=True) == EXPECTED[program]


def test_the_programs_really_ran_on_purezmq():
    """The runner's `zmq` is purezmq: a program printing zmq.__file__ shows it."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(SRC), env.get("PYTHONPATH", "")])
    code = ("import purezmq; purezmq.install_as_zmq(); import zmq, zmq.sugar.socket; "
            "print(zmq.__file__); print(zmq.Socket is zmq.sugar.socket.Socket)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=30, env=env)
    assert out.returncode == 0, out.stderr
    path, same = out.stdout.split()
    assert Path(path).resolve().is_relative_to(SRC.resolve())
    assert same == "True"
