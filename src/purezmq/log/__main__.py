"""Log watcher: print what a PUBHandler publishes (pyzmq's ``python -m zmq.log``).

    python -m purezmq.log tcp://127.0.0.1:12345 [--topic ROOT] [--timestamp]
                          [--separator ' | '] [--dateformat FMT] [--align] [--color]

Each message prints as ``<topic><separator><message>``.  It subscribes to
``--topic`` (default '', everything), so a handler with a root topic is
watched whole either way; pass the root topic to see only its messages.
The default PUBHandler formats repeat the level for most levels, since the
topic already shows it; set other formats on the handler to avoid that.
Stops on Ctrl-C.
"""

from __future__ import annotations

import argparse
from datetime import datetime

from ..constants import POLLIN, SUB
from ..sugar import Context


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser("ZMQ Log Watcher")
    parser.add_argument("zmq_pub_url", type=str, help="URL to a ZMQ publisher socket.")
    parser.add_argument("-t", "--topic", type=str, default="",
                        help="Only receive messages that start with this topic.")
    parser.add_argument("--timestamp", action="store_true",
                        help="Append local time to the log messages.")
    parser.add_argument("--separator", type=str, default=" | ",
                        help="String to print between topic and message.")
    parser.add_argument("--dateformat", type=str, default="%Y-%d-%m %H:%M",
                        help="Set alternative date format for use with --timestamp.")
    parser.add_argument("--align", action="store_true", default=False,
                        help="Try to align messages by the width of their topics.")
    parser.add_argument("--color", action="store_true", default=False,
                        help="Color the output based on the error level. "
                             "Requires the colorama module.")
    return parser


def main() -> None:
    args = _parser().parse_args()

    colors: dict[str, str] = {}
    if args.color:
        import colorama  # optional, only for --color

        colorama.init()
        colors = {
            "DEBUG": colorama.Fore.LIGHTCYAN_EX,
            "INFO": colorama.Fore.LIGHTWHITE_EX,
            "WARNING": colorama.Fore.YELLOW,
            "ERROR": colorama.Fore.LIGHTRED_EX,
            "CRITICAL": colorama.Fore.LIGHTRED_EX,
        }
        reset = colorama.Fore.RESET
    else:
        reset = ""

    ctx = Context()
    sub = ctx.socket(SUB)
    sub.subscribe(args.topic.encode("utf8"))
    sub.connect(args.zmq_pub_url)

    widths: list[int] = []  # widest part seen so far at each topic position
    try:
        while True:
            # A short poll keeps Ctrl-C responsive.
            if not sub.poll(10, POLLIN):
                continue
            btopic, bmsg = sub.recv_multipart()
            topic = btopic.decode("utf8").strip()
            parts = topic.split(".")
            if args.align:
                parts.extend(" " for _ in range(len(parts), len(widths)))
                for i, part in enumerate(parts):
                    if i == len(widths):
                        widths.append(0)
                    widths[i] = max(widths[i], len(part))
                shown = ".".join(part.ljust(widths[i]) for i, part in enumerate(parts))
            else:
                shown = topic
            # As pyzmq: the level is the second part when there are several
            # (after a root topic), else the only one; it only picks the colour.
            level = parts[1] if len(parts) > 1 else parts[0]
            stamp = datetime.now().strftime(args.dateformat) + " " if args.timestamp else ""
            color = colors.get(level, "")
            print(f"{stamp}{color}{shown}{args.separator}{bmsg.decode('utf8').strip()}"
                  f"{reset}")
    except KeyboardInterrupt:
        pass
    finally:
        sub.close(linger=0)
        ctx.term()
    if args.color:
        print(reset)


if __name__ == "__main__":
    main()
