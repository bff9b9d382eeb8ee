"""purezmq send: send messages from the arguments or from stdin."""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from typing import Iterator

import purezmq as zmq

from . import _common as c

DESCRIPTION = """\
Send messages on a socket: each MESSAGE argument is one message or, with
no argument, each line of stdin is one.  --separator splits a message into
frames; --multipart makes all the arguments one message, a frame each.

A REQ socket waits for the reply to each request and prints it on stdout;
a REP socket prints each request it receives and answers it with the next
message.  A PUB socket waits --delay seconds (default 0.5) after binding
or connecting so that subscribers are there before the first message.
The command ends once every message has been handed to a peer (a PUSH
with no peer yet waits for one; see --timeout).
"""

EPILOG = """\
examples:
  purezmq send -t PUSH --connect tcp://127.0.0.1:5555 hello world
  seq 100 | purezmq send -t PUSH --connect tcp://127.0.0.1:5555
  purezmq send -t PUB --bind 'tcp://*:5556' --separator '|' 'weather.paris|21 C'
  purezmq send -t REQ --connect tcp://127.0.0.1:5557 --multipart part1 part2
  purezmq send -t DEALER --connect tcp://127.0.0.1:5558 --format json '["a", {"hex": "00ff"}]'
  purezmq send -t PUSH --connect tcp://127.0.0.1:5555 --count 1000 --interval 0.01 tick
  purezmq send -t PUSH --connect tcp://127.0.0.1:5555 --curve-serverkey server.key hi
"""


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("send", help="send messages from the arguments or stdin",
                       description=DESCRIPTION, epilog=EPILOG,
                       formatter_class=c.help_formatter)
    p.add_argument("messages", nargs="*", metavar="MESSAGE",
                   help="a message to send (default: read stdin, one message per line)")
    p.add_argument("-t", "--type", type=c.socket_type, default="PUSH", metavar="TYPE",
                   help="socket type (default PUSH): " + ", ".join(
                       t for t in c.SOCKET_TYPES if t not in c.RECV_ONLY))
    c.add_endpoint_options(p)
    p.add_argument("-m", "--multipart", action="store_true",
                   help="send all the MESSAGE arguments as one message, one frame each")
    p.add_argument("--separator", metavar="SEP",
                   help="split each message into frames at SEP (backslash escapes "
                   "understood, e.g. '\\t'); in replies printed, SEP joins the frames "
                   "(default one space)")
    c.add_format_option(p, "input (and printed replies)")
    p.add_argument("-n", "--count", type=c.positive_int, metavar="N",
                   help="send N messages: the arguments are repeated in turn as needed, "
                   "stdin is read for at most N lines")
    p.add_argument("--interval", type=c.seconds, default=0.0, metavar="SECONDS",
                   help="wait SECONDS between messages (default 0)")
    p.add_argument("--delay", type=c.seconds, metavar="SECONDS",
                   help="wait SECONDS before the first message (default 0.5 for "
                   "PUB, XPUB and RADIO, else 0)")
    p.add_argument("--timeout", type=c.seconds, metavar="SECONDS",
                   help="fail when a message cannot be sent (or a reply does not come) "
                   "within SECONDS; also the most time spent delivering at the end")
    p.add_argument("--group", metavar="GROUP", help="RADIO: the group to send to")
    p.add_argument("-q", "--quiet", action="store_true",
                   help="do not print the bound endpoints on stderr")
    c.add_security_options(p)
    p.set_defaults(run=run)


def _messages(args: argparse.Namespace, sep) -> Iterator[list]:
    if args.messages:
        if args.multipart:
            msgs = [[f for a in args.messages
                     for f in c.parse_message(a.encode("utf-8", "surrogateescape"),
                                              args.format, sep)]]
        else:
            msgs = [c.parse_message(a.encode("utf-8", "surrogateescape"), args.format, sep)
                    for a in args.messages]
        if args.count is None:
            yield from msgs
        else:
            yield from itertools.islice(itertools.cycle(msgs), args.count)
        return
    if args.multipart:
        raise c.CliError("--multipart needs MESSAGE arguments", 2)
    sent = 0
    for line in sys.stdin.buffer:
        if args.count is not None and sent >= args.count:
            return
        if line.endswith(b"\n"):
            line = line[:-1]
            if line.endswith(b"\r"):
                line = line[:-1]
        yield c.parse_message(line, args.format, sep)
        sent += 1


def run(args: argparse.Namespace) -> int:
    prog = f"{c.PROG} send"
    if args.type in c.RECV_ONLY:
        raise c.CliError(f"a {args.type} socket cannot send; use "
                         f"'purezmq recv -t {args.type}'", 2)
    if args.group is not None and args.type != "RADIO":
        raise c.CliError("--group is for RADIO sockets", 2)
    if args.type == "RADIO" and args.group is None:
        raise c.CliError("a RADIO socket needs --group GROUP", 2)
    sep = c.unescape(args.separator) if args.separator is not None else None
    out_sep = sep if sep is not None else b" "
    delay = args.delay
    if delay is None:
        delay = 0.5 if args.type in ("PUB", "XPUB", "RADIO") else 0.0
    ctx = zmq.Context()
    sock = auth = watch = None
    linger = 0
    try:
        sock = c.make_socket(ctx, args.type)
        auth = c.setup_security(ctx, sock, args)
        if c.uses_security(args):
            watch = c.HandshakeWatch(sock, prog)
        # Messages go to peers that finished their handshake: a send waits
        # for one (and a refused key or password shows, instead of silence).
        sock.immediate = True
        if args.timeout is not None:
            sock.sndtimeo = sock.rcvtimeo = max(1, int(args.timeout * 1000))
        c.attach(sock, args, quiet=args.quiet, prog=prog)
        if delay:
            time.sleep(delay)
        status = _loop(sock, args, sep, out_sep, prog)
        # Deliver what is queued: wait as long as --timeout says, or for ever.
        linger = -1 if args.timeout is None else int(args.timeout * 1000)
        return status
    finally:
        if watch is not None:
            watch.stop()
        if auth is not None:
            auth.stop()
        c.close_all(ctx, [sock], linger=linger)


def _loop(sock, args, sep, out_sep: bytes, prog: str) -> int:
    out = c.Output()
    single = args.type in c.SINGLE_FRAME
    first = True
    for frames in _messages(args, sep):
        if not first and args.interval:
            time.sleep(args.interval)
        first = False
        if args.type == "REP":
            request = _recv(sock, prog, args, "a request")
            out.line(c.format_message(request, args.format, out_sep))
        try:
            if single:
                if len(frames) != 1:
                    raise c.CliError(f"a {args.type} socket sends single-frame messages, "
                                     f"not {len(frames)} frames")
                if args.type == "RADIO":
                    sock.send(frames[0], group=args.group)
                else:
                    sock.send(frames[0])
            else:
                sock.send_multipart(frames)
        except zmq.Again:
            raise c.CliError(f"no peer took the message within {args.timeout:g} s") from None
        if args.type == "REQ":
            reply = _recv(sock, prog, args, "a reply")
            out.line(c.format_message(reply, args.format, out_sep))
    return 0


def _recv(sock, prog: str, args, what: str) -> list:
    try:
        return sock.recv_multipart()
    except zmq.Again:
        raise c.CliError(f"no {what[2:]} within {args.timeout:g} s") from None
