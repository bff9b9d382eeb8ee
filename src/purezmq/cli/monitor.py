"""purezmq monitor: connect a socket and print its events as they happen."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

import purezmq as zmq
from purezmq.utils.monitor import recv_monitor_message

from . import _common as c

DESCRIPTION = """\
Connect a socket to ENDPOINT (or bind it, with --bind) and print its
monitor events as they happen: CONNECT_DELAYED, CONNECTED,
HANDSHAKE_SUCCEEDED, DISCONNECTED, CONNECT_RETRIED, ... one per line with
the time, the event, its value and the endpoint.  Runs until Ctrl-C,
--count events or --timeout seconds without one.

Pick --type to match the peer (a PUSH peer wants a PULL): with a type the
peer does not accept, the connection shows a handshake failure.
"""

EPILOG = """\
examples:
  purezmq monitor tcp://127.0.0.1:5555
  purezmq monitor -t SUB tcp://127.0.0.1:5556 --format json
  purezmq monitor --bind -t PULL 'tcp://*:5555'          # events of a listener
  purezmq monitor -t DEALER tcp://127.0.0.1:5557 --curve-serverkey server.key
"""

# What an event's value is (libzmq's zmq_socket_monitor documentation).
_VALUE = {"CONNECTED": "fd {}", "ACCEPTED": "fd {}", "LISTENING": "fd {}",
          "CLOSED": "fd {}", "DISCONNECTED": "fd {}", "MONITOR_STOPPED": "",
          "CONNECT_DELAYED": "", "HANDSHAKE_SUCCEEDED": "",
          "CONNECT_RETRIED": "retry in {} ms", "BIND_FAILED": "errno",
          "ACCEPT_FAILED": "errno", "CLOSE_FAILED": "errno",
          "HANDSHAKE_FAILED_NO_DETAIL": "errno", "HANDSHAKE_FAILED_PROTOCOL": "error {:#x}",
          "HANDSHAKE_FAILED_AUTH": "ZAP status {}"}


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("monitor", help="connect a socket and print its events",
                       description=DESCRIPTION, epilog=EPILOG,
                       formatter_class=c.help_formatter)
    p.add_argument("endpoint", type=c.endpoint, nargs="+", metavar="ENDPOINT",
                   help="endpoint to connect to (or bind, with --bind)")
    p.add_argument("-t", "--type", type=c.socket_type, default="DEALER", metavar="TYPE",
                   help="socket type (default DEALER)")
    p.add_argument("--bind", action="store_true", help="bind to ENDPOINT instead")
    p.add_argument("-n", "--count", type=c.positive_int, metavar="N",
                   help="exit after N events")
    p.add_argument("--timeout", type=c.seconds, metavar="SECONDS",
                   help="exit after SECONDS without an event (status 1)")
    p.add_argument("-f", "--format", choices=("text", "json"), default="text",
                   help="text (default) or json lines")
    c.add_security_options(p)
    p.set_defaults(run=run)


def _line(event: dict, fmt: str) -> str:
    name = event["event"].name
    endpoint = bytes(event["endpoint"]).decode("utf-8", "replace")
    value = int(event["value"])
    if fmt == "json":
        return json.dumps({"time": time.time(), "event": name, "value": value,
                           "endpoint": endpoint})
    what = _VALUE.get(name, "value {}")
    if what == "errno":
        detail = f"{os.strerror(value)} ({value})" if value else ""
    else:
        detail = what.format(value)
    now = time.time()
    stamp = time.strftime("%H:%M:%S", time.localtime(now)) + f".{int(now % 1 * 1000):03d}"
    return f"{stamp}  {name:<26} {endpoint}" + (f"  ({detail})" if detail else "")


def run(args: argparse.Namespace) -> int:
    prog = f"{c.PROG} monitor"
    ctx = zmq.Context()
    sock = mon = auth = None
    try:
        sock = c.make_socket(ctx, args.type)
        auth = c.setup_security(ctx, sock, args)
        if args.type == "SUB":
            sock.setsockopt(zmq.SUBSCRIBE, b"")
        mon = sock.get_monitor_socket()
        if args.timeout is not None:
            mon.rcvtimeo = max(1, int(args.timeout * 1000))
        ns = argparse.Namespace(bind=args.endpoint if args.bind else [],
                                connect=[] if args.bind else args.endpoint)
        c.attach(sock, ns, prog=prog)
        out = c.Output()
        seen = 0
        while args.count is None or seen < args.count:
            try:
                event = recv_monitor_message(mon)
            except zmq.Again:
                print(f"{prog}: no event for {args.timeout:g} s", file=sys.stderr,
                      flush=True)
                return 1
            seen += 1
            out.line(_line(event, args.format).encode("utf-8"))
        return 0
    finally:
        if auth is not None:
            auth.stop()
        if sock is not None and mon is not None and not sock.closed:
            try:
                sock.disable_monitor()
            except zmq.ZMQError:
                pass
        c.close_all(ctx, [mon, sock], linger=0)
