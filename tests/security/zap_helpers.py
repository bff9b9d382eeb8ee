"""A small RFC 27 ZAP handler for tests, runnable on purezmq or pyzmq, and
monitor helpers."""

from __future__ import annotations

import threading
import time


class ZapHandler:
    """Answers ZAP requests on `ctx` from a thread: `decide(request)` returns
    (status, user_id); every request is recorded in `requests`."""

    def __init__(self, zmq_module, ctx, decide) -> None:
        self.zmq = zmq_module
        self.sock = ctx.socket(zmq_module.REP)
        self.sock.linger = 0
        self.sock.bind("inproc://zeromq.zap.01")
        self.decide = decide
        self.requests: list = []
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            if not self.sock.poll(50):
                continue
            request = self.sock.recv_multipart()
            self.requests.append(request)
            status, user_id = self.decide(request)
            self.sock.send_multipart([request[0], request[1], status, b"text", user_id, b""])

    def stop(self) -> None:
        self._stop.set()
        self.thread.join(5)
        self.sock.close()


def plain_decider(passwords: dict):
    def decide(request):
        user, password = request[6], request[7]
        if passwords.get(user) == password:
            return b"200", user
        return b"400", b""
    return decide


def events_until(zmq_module, monitor, wanted, timeout: float = 5.0) -> list:
    """Monitor events (numbers, values) up to and including one in `wanted`."""
    from_zmq = __import__(zmq_module.__name__ + ".utils.monitor", fromlist=["x"])
    seen = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not monitor.poll(100):
            continue
        ev = from_zmq.recv_monitor_message(monitor)
        seen.append((int(ev["event"]), ev["value"]))
        if int(ev["event"]) in wanted:
            return seen
    raise AssertionError(f"none of {wanted} among {seen}")
