"""purezmq recv: receive messages and print them, one line each."""

from __future__ import annotations

import argparse
import sys

import purezmq as zmq

from . import _common as c

DESCRIPTION = """\
Receive messages on a socket and print each on one line of stdout
(frames joined by the separator).  The endpoints it binds are printed on
stderr, so binding tcp://127.0.0.1:* shows the port it got.

A SUB socket subscribes to everything unless --subscribe is given; a DISH
joins the --subscribe groups.  A REP socket answers each request with the
request itself, or with --reply.

--timeout ends the command after that many seconds without a message; it
then exits with status 1 if it received fewer than --count messages (no
message at all, without --count), else 0.
"""

EPILOG = """\
examples:
  purezmq recv -t PULL --bind 'tcp://*:5555' | grep x
  purezmq recv -t SUB --connect tcp://127.0.0.1:5556 --subscribe weather.
  purezmq recv -t REP --bind tcp://127.0.0.1:5557 --reply ok --count 1
  purezmq recv -t ROUTER --bind tcp://127.0.0.1:*  --format json
  purezmq recv -t PULL --bind tcp://127.0.0.1:5555 --curve-server server.key_secret
"""


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("recv", help="receive messages and print them",
                       description=DESCRIPTION, epilog=EPILOG,
                       formatter_class=c.help_formatter)
    p.add_argument("-t", "--type", type=c.socket_type, default="PULL", metavar="TYPE",
                   help="socket type (default PULL): " + ", ".join(
                       t for t in c.SOCKET_TYPES if t not in c.SEND_ONLY and t != "REQ"))
    c.add_endpoint_options(p)
    p.add_argument("-s", "--subscribe", action="append", metavar="PREFIX",
                   help="SUB: subscribe to messages starting with PREFIX (repeatable; "
                   "default: everything); DISH: join the group PREFIX")
    p.add_argument("-n", "--count", type=c.positive_int, metavar="N",
                   help="exit after N messages")
    p.add_argument("--timeout", type=c.seconds, metavar="SECONDS",
                   help="give up after SECONDS without a message")
    c.add_format_option(p, "output")
    p.add_argument("--separator", default=" ", metavar="SEP",
                   help="put SEP between the frames of a message in text and hex output "
                   "(backslash escapes understood; default one space)")
    p.add_argument("--reply", metavar="TEXT",
                   help="REP: answer every request with TEXT (default: the request)")
    p.add_argument("-q", "--quiet", action="store_true",
                   help="do not print the bound endpoints on stderr")
    c.add_security_options(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    prog = f"{c.PROG} recv"
    if args.type in c.SEND_ONLY or args.type == "REQ":
        hint = "purezmq send -t REQ" if args.type == "REQ" else f"purezmq send -t {args.type}"
        raise c.CliError(f"a {args.type} socket cannot receive first; use '{hint}'", 2)
    if args.subscribe and args.type not in ("SUB", "XSUB", "DISH"):
        raise c.CliError("--subscribe is for SUB, XSUB and DISH sockets", 2)
    if args.reply is not None and args.type != "REP":
        raise c.CliError("--reply is for REP sockets", 2)
    sep = c.unescape(args.separator)
    ctx = zmq.Context()
    sock = auth = watch = None
    interrupted = True
    try:
        sock = c.make_socket(ctx, args.type)
        auth = c.setup_security(ctx, sock, args)
        if c.uses_security(args):
            watch = c.HandshakeWatch(sock, prog)
        if args.type == "SUB":
            for prefix in args.subscribe or [""]:
                sock.setsockopt(zmq.SUBSCRIBE, prefix.encode())
        elif args.type == "XSUB":
            for prefix in args.subscribe or []:
                sock.send(b"\x01" + prefix.encode())
        elif args.type == "DISH":
            for group in args.subscribe or []:
                sock.join(group)
        if args.timeout is not None:
            sock.rcvtimeo = max(1, int(args.timeout * 1000))
        c.attach(sock, args, quiet=args.quiet, prog=prog)
        status = _loop(sock, args, sep, prog)
        interrupted = False
        return status
    finally:
        if watch is not None:
            watch.stop()
        if auth is not None:
            auth.stop()
        c.close_all(ctx, [sock], linger=0 if interrupted else None)


def _loop(sock, args, sep: bytes, prog: str) -> int:
    out = c.Output()
    multipart = args.type not in c.SINGLE_FRAME
    reply = args.reply.encode() if args.reply is not None else None
    received = 0
    while args.count is None or received < args.count:
        try:
            frames = sock.recv_multipart() if multipart else [sock.recv()]
        except zmq.Again:
            wanted = f" of {args.count}" if args.count else ""
            print(f"{prog}: no message for {args.timeout:g} s; received "
                  f"{received}{wanted}", file=sys.stderr, flush=True)
            ok = received >= args.count if args.count else received > 0
            return 0 if ok else 1
        received += 1
        out.line(c.format_message(frames, args.format, sep))
        if args.type == "REP":
            sock.send_multipart([reply] if reply is not None else frames)
    return 0
