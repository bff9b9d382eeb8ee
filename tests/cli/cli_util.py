"""Running the real `purezmq` command (python -m purezmq) in subprocesses."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time

SRC = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "src"))


def cli_env(extra: dict | None = None) -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = SRC + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env["PYTHONUNBUFFERED"] = "1"
    env.pop("PYTHONWARNINGS", None)
    env.update(extra or {})
    return env


class Proc:
    """One running command; its stdout and stderr lines are collected by
    reader threads so that a test can wait for a line without blocking."""

    def __init__(self, args: list, stdin: bytes | None = None, python_args: list | None = None,
                 env: dict | None = None, cwd: str | None = None):
        cmd = [sys.executable] + (python_args if python_args is not None else ["-m", "purezmq"])
        self.args = args
        self.p = subprocess.Popen(cmd + list(args), stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  env=cli_env(env), cwd=cwd)
        self.out: list = []
        self.err: list = []
        self.cond = threading.Condition()
        self.readers = [threading.Thread(target=self._read, args=(self.p.stdout, self.out),
                                         daemon=True),
                        threading.Thread(target=self._read, args=(self.p.stderr, self.err),
                                         daemon=True)]
        for t in self.readers:
            t.start()
        if stdin is not None:
            self.p.stdin.write(stdin)
        if stdin is not None or not python_args:
            try:
                self.p.stdin.close()
            except OSError:
                pass

    def _read(self, stream, lines: list) -> None:
        for raw in iter(stream.readline, b""):
            with self.cond:
                lines.append(raw.decode("utf-8", "replace").rstrip("\n"))
                self.cond.notify_all()
        with self.cond:
            self.cond.notify_all()

    @property
    def stdout(self) -> str:
        with self.cond:
            return "\n".join(self.out)

    @property
    def stderr(self) -> str:
        with self.cond:
            return "\n".join(self.err)

    def wait_line(self, pattern: str, stream: str = "err", timeout: float = 15.0) -> re.Match:
        """The first line of stdout/stderr matching `pattern` (regex search)."""
        lines = self.err if stream == "err" else self.out
        rx = re.compile(pattern)
        end = time.monotonic() + timeout
        with self.cond:
            while True:
                for line in lines:
                    m = rx.search(line)
                    if m:
                        return m
                left = end - time.monotonic()
                if left <= 0 or (self.p.poll() is not None and not self._reading()):
                    raise AssertionError(
                        f"no line matching {pattern!r} on std{stream} of "
                        f"purezmq {' '.join(self.args)} (exit {self.p.poll()})\n"
                        f"stdout:\n{chr(10).join(self.out)}\nstderr:\n{chr(10).join(self.err)}")
                self.cond.wait(min(left, 0.2))

    def _reading(self) -> bool:
        return any(t.is_alive() for t in self.readers)

    def wait_out_lines(self, n: int, timeout: float = 15.0) -> list:
        end = time.monotonic() + timeout
        with self.cond:
            while len(self.out) < n:
                left = end - time.monotonic()
                if left <= 0 or (self.p.poll() is not None and not self._reading()):
                    raise AssertionError(f"wanted {n} stdout lines, got {self.out}; "
                                         f"stderr: {self.err}")
                self.cond.wait(min(left, 0.2))
            return list(self.out)

    def endpoint(self, role: str = "", timeout: float = 15.0) -> str:
        """The endpoint the command printed as bound ('bound to X')."""
        prefix = f"{role} " if role else ""
        return self.wait_line(prefix + r"bound to (\S+)", timeout=timeout).group(1)

    def wait(self, timeout: float = 20.0) -> int:
        """The exit status; the process is killed if it takes longer."""
        try:
            rc = self.p.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"purezmq {' '.join(self.args)} did not exit in "
                                 f"{timeout} s\nstdout:\n{self.stdout}\nstderr:\n{self.stderr}")
        for t in self.readers:
            t.join(5)
        return rc

    def interrupt(self) -> None:
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGINT)

    def kill(self) -> None:
        if self.p.poll() is None:
            self.p.kill()
            try:
                self.p.wait(5)
            except subprocess.TimeoutExpired:
                pass
        for t in self.readers:
            t.join(2)
        for f in (self.p.stdin, self.p.stdout, self.p.stderr):
            try:
                if f:
                    f.close()
            except OSError:
                pass


def run(args: list, timeout: float = 30.0, stdin: bytes | None = None,
        **kw) -> subprocess.CompletedProcess:
    """Run the command to its end (killed after `timeout`)."""
    return subprocess.run([sys.executable, "-m", "purezmq"] + list(args), input=stdin,
                          capture_output=True, timeout=timeout, env=cli_env(kw.pop("env", None)),
                          **kw)


def assert_clean_error(res, status: int | None = None, contains: str = "") -> str:
    """A failure: non-zero (or `status`), one line on stderr, no traceback."""
    err = res.stderr.decode() if isinstance(res.stderr, bytes) else res.stderr
    assert res.returncode != 0, f"expected a failure, got 0; stderr {err!r}"
    if status is not None:
        assert res.returncode == status, (res.returncode, err)
    assert "Traceback" not in err, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got {lines}"
    assert contains.lower() in lines[0].lower(), (contains, lines[0])
    return lines[0]
