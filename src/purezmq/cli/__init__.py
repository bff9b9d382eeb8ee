"""The purezmq command: ØMQ from a shell.

    purezmq recv -t PULL --bind tcp://127.0.0.1:5555
    purezmq send -t PUSH --connect tcp://127.0.0.1:5555 hello

Subcommands: send, recv, proxy, monitor, bench, keygen (one module each);
`main` is the console script's entry point and `python -m purezmq`'s.
Failures are one line on stderr and a non-zero status: 2 for a usage
error, 1 for anything else, 130 after Ctrl-C.
"""

from __future__ import annotations

import platform
import signal
import sys
from typing import Optional, Sequence

from . import _common as c

__all__ = ["main", "build_parser"]

DESCRIPTION = """\
ØMQ from the shell, in pure Python: send and receive messages on any socket
type, run a proxy, watch a socket's events, benchmark, make CURVE keys.
'purezmq COMMAND --help' shows each command's options and examples.
"""

EPILOG = """\
examples:
  purezmq recv -t PULL --bind 'tcp://*:5555' | grep x        # in one shell
  purezmq send -t PUSH --connect tcp://127.0.0.1:5555 hi x   # in another
  purezmq proxy --mode streamer 'tcp://*:5557' 'tcp://*:5558'
  purezmq monitor tcp://127.0.0.1:5555
  purezmq bench
  purezmq keygen server
"""


def _version() -> str:
    from purezmq import __version__, purezmq_version, zmq_version
    return (f"purezmq {purezmq_version()} (pyzmq API {__version__}, ZMTP 3.1, "
            f"libzmq {zmq_version()} compatible; Python {platform.python_version()})")


def build_parser() -> c.CliParser:
    from . import bench, keygen, monitor, proxy, recv, send

    parser = c.CliParser(prog=c.PROG, description=DESCRIPTION, epilog=EPILOG,
                         formatter_class=c.help_formatter)
    parser.add_argument("-V", "--version", action="version", version=_version())
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in (send, recv, proxy, monitor, bench, keygen):
        module.add_parser(sub)
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the command line `argv` (default sys.argv[1:]); the exit status."""
    # SIGTERM ends a command as cleanly as Ctrl-C does.
    if signal.getsignal(signal.SIGTERM) == signal.SIG_DFL:
        signal.signal(signal.SIGTERM, _terminate)
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        if args.command is None:
            parser.print_help(sys.stderr)
            return 2
        prog = f"{c.PROG} {args.command}"
        try:
            return int(args.run(args) or 0)
        except c.CliError as exc:
            print(f"{prog}: {exc}", file=sys.stderr, flush=True)
            return exc.status
    except KeyboardInterrupt:
        _newline_on_tty()
        return 130
    except _Terminated:
        return 128 + signal.SIGTERM
    except BrokenPipeError:  # our reader went away (| head): end quietly
        c.quiet_stdout()
        return 141


class _Terminated(BaseException):
    """SIGTERM arrived: unwinds like KeyboardInterrupt, closing sockets."""


def _terminate(signum, frame):
    raise _Terminated


def _newline_on_tty() -> None:
    try:
        if sys.stderr.isatty():
            sys.stderr.write("\n")
            sys.stderr.flush()
    except (OSError, ValueError):
        pass
