"""purezmq proxy: a device relaying between a frontend and a backend."""

from __future__ import annotations

import argparse
import struct
import sys
import threading
import time

import purezmq as zmq

from . import _common as c

DESCRIPTION = """\
Relay messages between a frontend and a backend socket (purezmq.proxy),
optionally copying every frame to a PUB capture socket, and print the
frames and bytes relayed each way every --interval seconds while they change
(on a terminal: one line kept up to date).  Runs until Ctrl-C.

An endpoint is bound, or connected when written with a leading '>'
('@' forces bind): tcp://*:5559 binds, '>tcp://10.0.0.1:5559' connects.
Several endpoints may be given separated by commas.
"""

EPILOG = """\
examples:
  purezmq proxy 'tcp://*:5559' 'tcp://*:5560'                          # ROUTER <-> DEALER
  purezmq proxy --mode forwarder 'tcp://*:5556' 'tcp://*:5557'         # XSUB <-> XPUB
  purezmq proxy --mode streamer tcp://127.0.0.1:* tcp://127.0.0.1:*    # PULL -> PUSH
  purezmq proxy -F PULL -B PUB tcp://127.0.0.1:5555 '>tcp://127.0.0.1:6000' \\
                --capture tcp://127.0.0.1:5599
"""

MODES = {"queue": ("ROUTER", "DEALER"), "forwarder": ("XSUB", "XPUB"),
         "streamer": ("PULL", "PUSH")}

_STATS = struct.Struct("=8Q")


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("proxy", help="relay messages between two endpoints",
                       description=DESCRIPTION, epilog=EPILOG,
                       formatter_class=c.help_formatter)
    p.add_argument("frontend", type=_endpoints, metavar="FRONTEND",
                   help="frontend endpoint(s)")
    p.add_argument("backend", type=_endpoints, metavar="BACKEND",
                   help="backend endpoint(s)")
    p.add_argument("--mode", choices=sorted(MODES),
                   help="queue (ROUTER/DEALER, the default), forwarder (XSUB/XPUB) or "
                   "streamer (PULL/PUSH)")
    p.add_argument("-F", "--frontend-type", type=c.socket_type, metavar="TYPE",
                   help="frontend socket type (overrides --mode)")
    p.add_argument("-B", "--backend-type", type=c.socket_type, metavar="TYPE",
                   help="backend socket type (overrides --mode)")
    p.add_argument("--capture", type=_endpoints, metavar="ENDPOINT",
                   help="also send a copy of every frame on a PUB socket at ENDPOINT")
    p.add_argument("--interval", type=c.seconds, default=1.0, metavar="SECONDS",
                   help="how often to print the counts (default 1; 0: never)")
    p.add_argument("-q", "--quiet", action="store_true",
                   help="print neither endpoints nor counts")
    p.set_defaults(run=run)


def _endpoints(text: str) -> list:
    """[(bind?, endpoint)] from '@a,>b,c'."""
    out = []
    for item in text.split(","):
        item = item.strip()
        bind = not item.startswith(">")
        if item[:1] in "@>" and item:
            item = item[1:]
        out.append((bind, c.endpoint(item)))
    return out


def _attach(sock, eps: list, role: str, quiet: bool) -> None:
    for bind, ep in eps:
        try:
            if bind:
                sock.bind(ep)
            else:
                sock.connect(ep)
        except zmq.ZMQError as exc:
            raise c.CliError(f"cannot {'bind' if bind else 'connect'} {role} to {ep}: "
                             f"{exc}") from None
        if bind and not quiet:
            real = sock.getsockopt(zmq.LAST_ENDPOINT).decode()
            print(f"{c.PROG} proxy: {role} bound to {real}", file=sys.stderr, flush=True)


def _size(n: int) -> str:
    for unit in ("B", "kB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:,} {unit}" if unit == "B" else f"{n:,.1f} {unit}"
        n /= 1000  # type: ignore[assignment]
    return str(n)


def describe(stats: tuple) -> str:
    fe_in, fe_in_b, _, _, be_in, be_in_b, _, _ = stats
    return (f"frontend->backend {fe_in:,} frames ({_size(fe_in_b)}), "
            f"backend->frontend {be_in:,} frames ({_size(be_in_b)})")


class _Reporter(threading.Thread):
    """Asks the proxy for its STATISTICS over an inproc PAIR and prints them."""

    def __init__(self, ctx, address: str, interval: float):
        super().__init__(name="purezmq-proxy-stats", daemon=True)
        self.ctx, self.address, self.interval = ctx, address, interval
        self.stop = threading.Event()
        self.last = (0,) * 8
        self.tty = sys.stderr.isatty()
        self.printed_live = False

    def run(self) -> None:
        sock = self.ctx.socket(zmq.PAIR)
        sock.linger = 0
        try:
            sock.connect(self.address)
            shown = None
            while not self.stop.wait(self.interval):
                sock.send(b"STATISTICS")
                if not sock.poll(2000):
                    continue
                frames = sock.recv_multipart()
                if len(frames) != 8:
                    continue
                self.last = _STATS.unpack(b"".join(bytes(f) for f in frames))
                if self.last != shown:
                    shown = self.last
                    line = f"{time.strftime('%H:%M:%S')} {describe(self.last)}"
                    if self.tty:
                        sys.stderr.write("\r" + line + "\x1b[K")
                        self.printed_live = True
                    else:
                        sys.stderr.write(line + "\n")
                    sys.stderr.flush()
        except (zmq.ZMQError, OSError, ValueError):
            pass  # the context or stderr went away: the command is ending
        finally:
            sock.close(linger=0)


def run(args: argparse.Namespace) -> int:
    fe_type, be_type = MODES[args.mode or "queue"]
    fe_type = args.frontend_type or fe_type
    be_type = args.backend_type or be_type
    ctx = zmq.Context()
    socks: list = []
    reporter = None
    try:
        fe = c.make_socket(ctx, fe_type)
        socks.append(fe)
        be = c.make_socket(ctx, be_type)
        socks.append(be)
        capture = None
        if args.capture:
            capture = c.make_socket(ctx, "PUB")
            socks.append(capture)
            _attach(capture, args.capture, "capture", args.quiet)
        _attach(fe, args.frontend, "frontend", args.quiet)
        _attach(be, args.backend, "backend", args.quiet)
        control = c.make_socket(ctx, "PAIR")
        socks.append(control)
        address = f"inproc://purezmq-cli-proxy-control-{id(control)}"
        control.bind(address)
        if not args.quiet:
            print(f"{c.PROG} proxy: relaying {fe_type} <-> {be_type}; Ctrl-C to stop",
                  file=sys.stderr, flush=True)
            if args.interval > 0:
                reporter = _Reporter(ctx, address, args.interval)
                reporter.start()
        zmq.proxy_steerable(fe, be, capture, control)
        return 0
    finally:
        if reporter is not None:
            reporter.stop.set()
            reporter.join(3)
            if reporter.printed_live:
                sys.stderr.write("\n")
            print(f"{c.PROG} proxy: stopped; {describe(reporter.last)}",
                  file=sys.stderr, flush=True)
        c.close_all(ctx, socks, linger=0)
