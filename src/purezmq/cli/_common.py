"""What the subcommands share: errors, socket types, endpoints, security
options, message formats and writing to stdout."""

from __future__ import annotations

import argparse
import binascii
import json
import os
import re
import sys
from typing import Any, Iterable, Optional

import purezmq as zmq

PROG = "purezmq"

SOCKET_TYPES = ("PAIR", "PUB", "SUB", "REQ", "REP", "DEALER", "ROUTER", "PULL", "PUSH",
                "XPUB", "XSUB", "STREAM", "SERVER", "CLIENT", "RADIO", "DISH", "GATHER",
                "SCATTER", "CHANNEL", "PEER")
# Types that take no part in sending / receiving ordinary messages.
RECV_ONLY = frozenset({"PULL", "SUB", "DISH", "GATHER"})
SEND_ONLY = frozenset({"PUSH", "PUB", "RADIO", "SCATTER"})
# Types without multipart messages (libzmq's thread-safe sockets).
SINGLE_FRAME = frozenset({"SERVER", "CLIENT", "RADIO", "DISH", "GATHER", "SCATTER",
                          "CHANNEL", "PEER"})

FORMATS = ("text", "hex", "json")

_TRANSPORTS = ("tcp", "ipc", "inproc")
_ENDPOINT = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://(.+)$")


class CliError(Exception):
    """A failure to report as one line on stderr; `status` is the exit code."""

    def __init__(self, message: str, status: int = 1):
        super().__init__(message)
        self.status = status


class CliParser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr (and exit 2)."""

    def error(self, message: str):  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def help_formatter(prog: str) -> argparse.HelpFormatter:
    return argparse.RawDescriptionHelpFormatter(prog, max_help_position=32)


# -- argument types --------------------------------------------------------

def socket_type(text: str) -> str:
    """An argparse type: a socket type name, any case (PUSH, push, zmq.PUSH)."""
    name = text.strip().upper()
    if name.startswith("ZMQ."):
        name = name[4:]
    if name not in SOCKET_TYPES:
        raise argparse.ArgumentTypeError(
            f"unknown socket type {text!r}; choose from {', '.join(SOCKET_TYPES)}")
    return name


def endpoint(text: str) -> str:
    """An argparse type: a ØMQ endpoint, checked for its shape only (the
    library has the last word when binding or connecting)."""
    m = _ENDPOINT.match(text)
    if not m:
        raise argparse.ArgumentTypeError(
            f"malformed endpoint {text!r}: expected TRANSPORT://ADDRESS, "
            f"e.g. tcp://127.0.0.1:5555")
    transport, address = m.group(1).lower(), m.group(2)
    if transport not in _TRANSPORTS:
        raise argparse.ArgumentTypeError(
            f"malformed endpoint {text!r}: unknown transport {transport!r} "
            f"(purezmq has {', '.join(_TRANSPORTS)})")
    if transport == "tcp":
        host, sep, port = address.rpartition(":")
        if not sep or not host or not (port == "*" or port.isdigit()):
            raise argparse.ArgumentTypeError(
                f"malformed endpoint {text!r}: a tcp endpoint is tcp://HOST:PORT "
                f"(PORT a number, or * for any free port when binding)")
        if port != "*" and not 0 < int(port) < 65536:
            raise argparse.ArgumentTypeError(
                f"malformed endpoint {text!r}: port {port} is out of range")
    return text


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1: {text!r}")
    return value


def seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if value < 0 or value != value:
        raise argparse.ArgumentTypeError(f"must not be negative: {text!r}")
    return value


def unescape(text: str) -> bytes:
    r"""A separator as typed in a shell: backslash escapes (\t, \x00, \n)
    are understood."""
    try:
        return text.encode("utf-8").decode("unicode_escape").encode("latin-1")
    except (UnicodeDecodeError, UnicodeEncodeError):
        return text.encode("utf-8")


# -- common options --------------------------------------------------------

def add_endpoint_options(p: argparse.ArgumentParser, required: bool = True) -> None:
    g = p.add_argument_group("endpoints (at least one; each may be repeated)")
    g.add_argument("-b", "--bind", action="append", default=[], type=endpoint,
                   metavar="ENDPOINT",
                   help="bind to ENDPOINT (tcp://*:5555, tcp://127.0.0.1:* for any free "
                   "port, ipc:///tmp/sock); the bound endpoint is printed on stderr")
    g.add_argument("-c", "--connect", action="append", default=[], type=endpoint,
                   metavar="ENDPOINT", help="connect to ENDPOINT")


def add_security_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("security (CURVE needs PyNaCl; certificates as made by "
                             "'purezmq keygen')")
    g.add_argument("--curve-server", metavar="SECRET_CERT",
                   help="be a CURVE server with the secret certificate SECRET_CERT "
                   "(a NAME.key_secret file)")
    g.add_argument("--curve-clients", metavar="DIR",
                   help="as CURVE server, admit only clients whose public certificate "
                   "(*.key) is in DIR")
    g.add_argument("--curve-serverkey", metavar="KEY",
                   help="be a CURVE client of the server with public key KEY: 40 Z85 "
                   "characters or a certificate file")
    g.add_argument("--curve-cert", metavar="SECRET_CERT",
                   help="as CURVE client, use this secret certificate "
                   "(default: a new key pair)")
    g.add_argument("--plain-server", action="store_true",
                   help="be a PLAIN server; with --plain-user/--plain-password only "
                   "that user is admitted, otherwise anyone is")
    g.add_argument("--plain-user", metavar="USER", help="PLAIN user name")
    g.add_argument("--plain-password", metavar="PASSWORD", default="",
                   help="PLAIN password (default empty)")
    g.add_argument("--zap-domain", metavar="DOMAIN", help="ZAP domain of the socket")


def add_format_option(p: argparse.ArgumentParser, what: str) -> None:
    p.add_argument("-f", "--format", choices=FORMATS, default="text",
                   help=f"{what}: text (frames joined by the separator), hex (each frame "
                   "in hex), json (one JSON array of frames per line; a frame that is "
                   "not UTF-8 is {\"hex\": ...}) (default text)")


# -- sockets ---------------------------------------------------------------

def make_socket(ctx: Any, type_name: str) -> Any:
    try:
        return ctx.socket(getattr(zmq, type_name))
    except zmq.ZMQError as exc:
        raise CliError(f"cannot make a {type_name} socket: {exc}") from None


def attach(sock: Any, args: argparse.Namespace, quiet: bool = False,
           prog: str = PROG) -> list:
    """Bind and connect `sock` as the options say; the bound endpoints
    (resolved: tcp://127.0.0.1:* becomes the port chosen) are printed on
    stderr and returned."""
    if not args.bind and not args.connect:
        raise CliError("no endpoint: give --bind ENDPOINT or --connect ENDPOINT", 2)
    bound = []
    for ep in args.bind:
        try:
            sock.bind(ep)
        except zmq.ZMQError as exc:
            raise CliError(f"cannot bind to {ep}: {exc}") from None
        real = sock.getsockopt(zmq.LAST_ENDPOINT).decode()
        bound.append(real)
        if not quiet:
            print(f"{prog}: bound to {real}", file=sys.stderr, flush=True)
    for ep in args.connect:
        try:
            sock.connect(ep)
        except zmq.ZMQError as exc:
            raise CliError(f"cannot connect to {ep}: {exc}") from None
    return bound


def _read_cert(path: str) -> tuple:
    """(public, secret or None) Z85 keys from a certificate file."""
    load_certificate: Any
    try:
        from purezmq.auth.certs import load_certificate
    except ImportError:  # purezmq.auth not there: read the format here
        load_certificate = _load_certificate
    if not os.path.exists(path):
        raise CliError(f"cannot read certificate {path}: no such file")
    if not os.path.isfile(path):
        raise CliError(f"cannot read certificate {path}: not a file")
    try:
        public, secret = load_certificate(path)
    except OSError as exc:
        raise CliError(f"cannot read certificate {path}: "
                       f"{exc.strerror or exc}") from None
    except ValueError as exc:
        raise CliError(f"bad certificate {path}: {exc}") from None
    return public, secret


def _load_certificate(path: Any) -> tuple:
    public = secret = None
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = re.match(r'^\s*(public|secret)-key\s*=\s*"?([^"\s]{40})"?', line)
            if m and m.group(1) == "public" and public is None:
                public = m.group(2).encode()
            elif m and m.group(1) == "secret" and secret is None:
                secret = m.group(2).encode()
    if public is None:
        raise ValueError("no public key in it")
    return public, secret


def _key(text: str, what: str) -> bytes:
    """A public key given as 40 Z85 characters or as a certificate file."""
    if len(text) == 40 and not os.path.exists(text):
        return text.encode()
    return _read_cert(text)[0]


def setup_security(ctx: Any, sock: Any, args: argparse.Namespace) -> Optional[Any]:
    """Apply the security options to `sock`; returns an authenticator to
    stop at the end (or None)."""
    curve_server = getattr(args, "curve_server", None)
    serverkey = getattr(args, "curve_serverkey", None)
    plain_server = getattr(args, "plain_server", False)
    plain_user = getattr(args, "plain_user", None)
    modes = [m for m, on in (("--curve-server", curve_server), ("--curve-serverkey", serverkey),
                             ("--plain-server", plain_server),
                             ("--plain-user", plain_user and not plain_server)) if on]
    if len(modes) > 1:
        raise CliError(f"choose one security mechanism, not {' and '.join(modes)}", 2)
    if getattr(args, "curve_clients", None) and not curve_server:
        raise CliError("--curve-clients needs --curve-server", 2)
    if getattr(args, "curve_cert", None) and not serverkey:
        raise CliError("--curve-cert needs --curve-serverkey", 2)
    if args.zap_domain:
        sock.zap_domain = args.zap_domain.encode()
    if (curve_server or serverkey) and not zmq.has("curve"):
        raise CliError("CURVE needs PyNaCl: pip install pynacl")
    auth = None
    try:
        if curve_server:
            public, secret = _read_cert(curve_server)
            if secret is None:
                raise CliError(f"{curve_server} is a public certificate: "
                               f"--curve-server needs the secret one (NAME.key_secret)")
            if args.curve_clients:
                if not os.path.isdir(args.curve_clients):
                    raise CliError(f"--curve-clients: no such directory: {args.curve_clients}")
                auth = _authenticator(ctx)
                auth.configure_curve(domain="*", location=args.curve_clients)
            sock.curve_secretkey = secret
            sock.curve_publickey = public
            sock.curve_server = True
        elif serverkey:
            server_public = _key(serverkey, "server key")
            if args.curve_cert:
                public, secret = _read_cert(args.curve_cert)
                if secret is None:
                    raise CliError(f"{args.curve_cert} is a public certificate: "
                                   f"--curve-cert needs the secret one (NAME.key_secret)")
            else:
                public, secret = zmq.curve_keypair()
            sock.curve_serverkey = server_public
            sock.curve_publickey = public
            sock.curve_secretkey = secret
        elif plain_server:
            if plain_user:
                auth = _authenticator(ctx)
                auth.configure_plain(domain="*",
                                     passwords={plain_user: args.plain_password})
            sock.plain_server = True
        elif plain_user:
            sock.plain_username = plain_user.encode()
            sock.plain_password = args.plain_password.encode()
    except zmq.ZMQError as exc:
        if auth is not None:
            auth.stop()
        raise CliError(f"bad security option: {exc}") from None
    return auth


def _authenticator(ctx: Any) -> Any:
    try:
        from purezmq.auth.thread import ThreadAuthenticator
    except ImportError:
        raise CliError("checking clients needs purezmq.auth, which is not installed") from None
    auth = ThreadAuthenticator(ctx)
    auth.start()
    return auth


# -- message formats -------------------------------------------------------

def parse_message(data: bytes, fmt: str, sep: Optional[bytes]) -> list:
    """One message (a list of frames) from one argument or input line."""
    if fmt == "json":
        try:
            value = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise CliError(f"not a JSON message: {data[:60]!r} ({exc})") from None
        items = value if isinstance(value, list) else [value]
        frames = []
        for item in items:
            if isinstance(item, str):
                frames.append(item.encode("utf-8", "surrogateescape"))
            elif isinstance(item, dict) and isinstance(item.get("hex"), str):
                frames.append(_unhex(item["hex"]))
            else:
                raise CliError(f"a JSON frame is a string or {{\"hex\": \"...\"}}, "
                               f"not {json.dumps(item)[:60]}")
        if not frames:
            raise CliError("an empty JSON array is not a message")
        return frames
    parts = data.split(sep) if sep else [data]
    if fmt == "hex":
        return [_unhex(p.decode("ascii", "replace")) for p in parts]
    return parts


def _unhex(text: str) -> bytes:
    try:
        return binascii.unhexlify("".join(text.split()))
    except (binascii.Error, ValueError):
        raise CliError(f"not hex: {text[:60]!r}") from None


def format_message(frames: Iterable, fmt: str, sep: bytes) -> bytes:
    """One output line (without its newline) for a message."""
    frames = [bytes(f) for f in frames]
    if fmt == "json":
        out = []
        for f in frames:
            try:
                out.append(f.decode("utf-8"))
            except UnicodeDecodeError:
                out.append({"hex": f.hex()})
        return json.dumps(out, ensure_ascii=False).encode("utf-8")
    if fmt == "hex":
        return sep.join(f.hex().encode() for f in frames)
    return sep.join(frames)


class Output:
    """stdout as bytes, flushed after each line so that pipes see every
    message at once; a reader that went away (| head) ends the command."""

    def __init__(self) -> None:
        self.out = sys.stdout.buffer

    def line(self, data: bytes) -> None:
        self.out.write(data + b"\n")
        self.out.flush()


class ReaderGone(Exception):
    """stdout was closed by its reader."""


def quiet_stdout() -> None:
    """After a BrokenPipeError: point stdout at /dev/null so that the
    interpreter's final flush does not complain."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except OSError:
        pass


def close_all(ctx: Any, socks: Iterable, linger: Optional[int] = None) -> None:
    for s in socks:
        if s is not None and not s.closed:
            if linger is None:
                s.close()
            else:
                s.close(linger=linger)
    ctx.term()


class HandshakeWatch:
    """Prints the handshake failures of a socket on stderr as they happen
    (a wrong key or password otherwise only shows as silence)."""

    _FAILURES = {"HANDSHAKE_FAILED_AUTH": "authentication failed (ZAP status {})",
                 "HANDSHAKE_FAILED_PROTOCOL": "handshake failed: protocol error {}",
                 "HANDSHAKE_FAILED_NO_DETAIL": "handshake failed ({})"}

    def __init__(self, sock: Any, prog: str):
        import threading

        events = (zmq.EVENT_HANDSHAKE_FAILED_AUTH | zmq.EVENT_HANDSHAKE_FAILED_PROTOCOL
                  | zmq.EVENT_HANDSHAKE_FAILED_NO_DETAIL)
        self.sock, self.prog = sock, prog
        self.failures = 0
        self.mon = sock.get_monitor_socket(events)
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, name="purezmq-cli-watch",
                                       daemon=True)
        self.thread.start()

    def _run(self) -> None:
        from purezmq.utils.monitor import recv_monitor_message
        try:
            while not self.stopping.is_set():
                if not self.mon.poll(100):
                    continue
                event = recv_monitor_message(self.mon)
                name = event["event"].name
                if name == "MONITOR_STOPPED":
                    break
                text = self._FAILURES.get(name)
                if text:
                    self.failures += 1
                    ep = bytes(event["endpoint"]).decode("utf-8", "replace")
                    print(f"{self.prog}: {ep}: {text.format(int(event['value']))}",
                          file=sys.stderr, flush=True)
        except (zmq.ZMQError, OSError, ValueError, RuntimeError):
            pass
        finally:
            self.mon.close(linger=0)

    def stop(self) -> None:
        """Stop watching (before the socket is closed)."""
        self.stopping.set()
        self.thread.join(5)


def uses_security(args: argparse.Namespace) -> bool:
    return any(getattr(args, name, None) for name in (
        "curve_server", "curve_serverkey", "plain_server", "plain_user", "zap_domain"))
