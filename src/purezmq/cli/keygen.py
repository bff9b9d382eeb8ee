"""purezmq keygen: write a CURVE certificate pair (pyzmq/CZMQ's format)."""

from __future__ import annotations

import argparse
import datetime
import os
import re
import sys

import purezmq as zmq

from . import _common as c

DESCRIPTION = """\
Make a new CURVE key pair and write it as two certificates in the format of
pyzmq's zmq.auth and CZMQ's zcert: NAME.key (the public certificate, to
give to peers) and NAME.key_secret (the secret one, kept private: written
readable by its owner only).  The public key is printed on stdout.
"""

EPILOG = """\
examples:
  purezmq keygen server                  # server.key, server.key_secret
  purezmq keygen client -d certs --metadata email=me@example.com
  # then:
  purezmq recv -t PULL --bind 'tcp://*:5555' --curve-server server.key_secret
  purezmq send -t PUSH --connect tcp://127.0.0.1:5555 --curve-serverkey server.key hi
"""


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("keygen", help="write a CURVE certificate pair",
                       description=DESCRIPTION, epilog=EPILOG,
                       formatter_class=c.help_formatter)
    p.add_argument("name", nargs="?", default="purezmq", metavar="NAME",
                   help="base name of the files (default purezmq)")
    p.add_argument("-d", "--dir", default=".", metavar="DIR",
                   help="directory to write to, made if missing (default: the current one)")
    p.add_argument("--metadata", action="append", default=[], metavar="KEY=VALUE",
                   help="metadata to put in both certificates (repeatable)")
    p.add_argument("--force", action="store_true", help="overwrite existing files")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if not args.name or "/" in args.name or os.sep in args.name or args.name in (".", ".."):
        raise c.CliError(f"bad NAME {args.name!r}: a file name without a directory "
                         f"(use --dir)", 2)
    metadata = {}
    for item in args.metadata:
        key, sep, value = item.partition("=")
        if not sep or not re.fullmatch(r"[A-Za-z0-9$\-_@.&+/]+", key):
            raise c.CliError(f"bad --metadata {item!r}: expected KEY=VALUE", 2)
        metadata[key] = value
    public_file = os.path.join(args.dir, args.name + ".key")
    secret_file = public_file + "_secret"
    if not args.force:
        for f in (public_file, secret_file):
            if os.path.exists(f):
                raise c.CliError(f"{f} exists; use --force to overwrite it")
    try:
        os.makedirs(args.dir, exist_ok=True)
        old_umask = os.umask(0o077)  # the secret file is never readable by others
        try:
            public_file, secret_file = _create(args.dir, args.name, metadata)
        finally:
            os.umask(old_umask)
        os.chmod(public_file, 0o644)
        os.chmod(secret_file, 0o600)
    except OSError as exc:
        raise c.CliError(f"cannot write the certificates: {exc.strerror or exc}"
                         + (f": {exc.filename}" if exc.filename else "")) from None
    public, _ = c._read_cert(public_file)
    print(f"{c.PROG} keygen: wrote {public_file} and {secret_file}", file=sys.stderr)
    print(public.decode())
    return 0


def _create(key_dir: str, name: str, metadata: dict) -> tuple:
    try:
        from purezmq.auth.certs import create_certificates
    except ImportError:
        return _write_pair(key_dir, name, metadata)
    return create_certificates(key_dir, name, metadata=metadata or None)


# The format, for when purezmq.auth is not installed (ZPL, ZeroMQ RFC 4).
_BANNER = """\
#   ****  Generated on {now} by purezmq  ****
#   ZeroMQ CURVE {kind} Certificate
{advice}
"""
_PUBLIC_ADVICE = """\
#   Exchange securely, or use a secure mechanism to verify the contents
#   of this file after exchange. Store public certificates in your home
#   directory, in the .curve subdirectory.
"""
_SECRET_ADVICE = """\
#   DO NOT PROVIDE THIS FILE TO OTHER USERS nor change its permissions.
"""


def _write_pair(key_dir: str, name: str, metadata: dict) -> tuple:
    public, secret = zmq.curve_keypair()
    base = os.path.join(key_dir, name)
    now = datetime.datetime.now()
    files = []
    for path, kind, advice, keys in (
            (base + ".key", "Public", _PUBLIC_ADVICE, [("public-key", public)]),
            (base + ".key_secret", "**Secret**", _SECRET_ADVICE,
             [("public-key", public), ("secret-key", secret)])):
        lines = [_BANNER.format(now=now, kind=kind, advice=advice), "metadata\n"]
        for k, v in metadata.items():
            lines.append(f'    {k} = "{v}"\n')
        lines.append("curve\n")
        for k, v in keys:
            lines.append(f'    {k} = "{v.decode()}"\n')
        with open(path, "w", encoding="utf-8") as f:
            f.writelines(lines)
        files.append(path)
    return tuple(files)
