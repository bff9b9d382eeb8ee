"""Fixtures for the command-line tests: every process started is killed at
the end of its test, whatever happened."""

from __future__ import annotations

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from cli_util import Proc  # noqa: E402


@pytest.fixture
def start():
    """start(args, ...) -> Proc: a purezmq command running in the background."""
    procs: list = []

    def _start(args, **kw) -> Proc:
        p = Proc(list(args), **kw)
        procs.append(p)
        return p

    yield _start
    for p in procs:
        p.kill()
