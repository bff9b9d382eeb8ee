"""CURVE certificate files, as pyzmq's zmq.auth and CZMQ's zcert use them.

A certificate is a ZPL text file (ZeroMQ RFC 4: ``name = value`` lines,
nesting by four-space indentation, ``#`` comments) with a ``metadata``
section and a ``curve`` section holding the Z85 ``public-key`` and, in the
secret certificate only, the ``secret-key``::

    #   ZeroMQ CURVE Public Certificate
    metadata
        name = "server"
    curve
        public-key = "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7"

`create_certificates` writes ``<name>.key`` (public) and
``<name>.key_secret`` (secret) as pyzmq does; `load_certificates` reads
the public keys of every ``*.key`` file in a directory.  Files written by
pyzmq or CZMQ load here and the other way round.
"""

from __future__ import annotations

import datetime
import os
import re
from typing import Optional, Union

from purezmq.curve_keys import curve_keypair

_PUBLIC_BANNER = """\
#   ****  Generated on {0} by purezmq  ****
#   ZeroMQ CURVE Public Certificate
#   Exchange securely, or use a secure mechanism to verify the contents
#   of this file after exchange. Store public certificates in your home
#   directory, in the .curve subdirectory.

"""

_SECRET_BANNER = """\
#   ****  Generated on {0} by purezmq  ****
#   ZeroMQ CURVE **Secret** Certificate
#   DO NOT PROVIDE THIS FILE TO OTHER USERS nor change its permissions.

"""

PathType = Union[str, "os.PathLike[str]"]


# -- ZPL ------------------------------------------------------------------------
def _zpl_entries(text: str) -> list:
    """The entries of a ZPL document: (path, value) where path is the tuple
    of names from the top level down and value is None for a bare name
    (a section header).  Lenient: tabs count as one column, an unquoted
    value runs to the end of the line or to a ``#`` after white space."""
    entries = []
    stack: list = []  # (indent, name)
    for raw in text.splitlines():
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            continue
        indent = len(raw) - len(raw.lstrip(" \t"))
        while stack and stack[-1][0] >= indent:
            stack.pop()
        name, sep, rest = stripped.partition("=")
        name = name.strip()
        value: Optional[str] = None
        if sep:
            rest = rest.strip()
            if rest[:1] in ("'", '"') and rest.find(rest[0], 1) > 0:
                value = rest[1:rest.find(rest[0], 1)]
            else:
                # '#' is a Z85 digit: only " #" starts a trailing comment.
                value = re.split(r"\s#", rest, maxsplit=1)[0].strip()
        else:
            name = name.split("#", 1)[0].strip()
        path = tuple(n for _, n in stack) + (name,)
        entries.append((path, value))
        if value is None:
            stack.append((indent, name))
    return entries


def _zpl_value(value: str) -> str:
    if "\n" in value or "\r" in value:
        raise ValueError(f"certificate values cannot span lines: {value!r}")
    if '"' not in value:
        return f'"{value}"'
    if "'" not in value:
        return f"'{value}'"
    return value  # ZPL has no escapes; written bare, as pyzmq writes every value


def _zpl_name(name: str) -> str:
    if not name or any(c.isspace() or c in "=#\"'" for c in name):
        raise ValueError(f"invalid certificate metadata name: {name!r}")
    return name


def _text(value: Union[str, bytes], encoding: str = "utf-8") -> str:
    return value.decode(encoding) if isinstance(value, bytes) else str(value)


def _write_certificate(filename: str, banner: str, public_key: Union[str, bytes],
                       secret_key: Union[str, bytes, None] = None,
                       metadata: Optional[dict] = None) -> None:
    lines = [banner, "metadata\n"]
    for key, value in (metadata or {}).items():
        lines.append(f"    {_zpl_name(_text(key))} = {_zpl_value(_text(value))}\n")
    lines.append("curve\n")
    lines.append(f'    public-key = "{_text(public_key)}"\n')
    if secret_key:
        lines.append(f'    secret-key = "{_text(secret_key)}"\n')
    # A secret certificate is readable by its owner only (as CZMQ makes it).
    mode = 0o600 if secret_key else 0o666
    fd = os.open(filename, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with open(fd, "w", encoding="utf-8", newline="\n") as f:
        f.write("".join(lines))


def _read_entries(filename: PathType) -> list:
    if not os.path.exists(filename):
        raise OSError(f"Invalid certificate file: {filename}")
    with open(filename, "rb") as f:
        data = f.read()
    return _zpl_entries(data.decode("utf-8", "surrogateescape"))


def _encode(value: str) -> bytes:
    return value.encode("utf-8", "surrogateescape")


# -- API ------------------------------------------------------------------------
def create_certificates(key_dir: PathType, name: str,
                        metadata: Optional[dict] = None) -> tuple:
    """Make a new CURVE key pair and write it to `key_dir` as the public
    certificate ``<name>.key`` and the secret one ``<name>.key_secret``,
    both carrying `metadata` ({name: value}).

    Returns (public certificate path, secret certificate path).
    """
    public_key, secret_key = curve_keypair()
    base = os.path.join(key_dir, name)
    public_file, secret_file = f"{base}.key", f"{base}.key_secret"
    now = datetime.datetime.now()
    _write_certificate(public_file, _PUBLIC_BANNER.format(now), public_key,
                       metadata=metadata)
    _write_certificate(secret_file, _SECRET_BANNER.format(now), public_key,
                       secret_key=secret_key, metadata=metadata)
    return public_file, secret_file


def load_certificate(filename: PathType) -> tuple:
    """(public key, secret key) from a certificate file, as Z85 bytes; the
    secret key is None in a public certificate.

    OSError if the file does not exist, ValueError if it has no public key.
    """
    public_key = secret_key = None
    for path, value in _read_entries(filename):
        if value is None:
            continue
        if path[-1] == "public-key" and public_key is None:
            public_key = _encode(value)
        elif path[-1] == "secret-key" and secret_key is None:
            secret_key = _encode(value)
    if not public_key:
        raise ValueError(f"No public key found in {filename}")
    return public_key, secret_key or None


def load_certificate_metadata(filename: PathType) -> dict:
    """The ``metadata`` section of a certificate file as {name: value} (str).

    A purezmq addition: pyzmq has no reader for certificate metadata.
    """
    return {path[1]: value for path, value in _read_entries(filename)
            if len(path) == 2 and path[0] == "metadata" and value is not None}


def load_certificates(directory: PathType = ".") -> dict:
    """{public key (Z85 bytes): True} for every ``*.key`` certificate in
    `directory` (as CZMQ, public certificates end in ``.key``; names
    starting with a dot are skipped, as a shell glob would).

    OSError if `directory` is not a directory; a certificate without a
    public key raises ValueError, as in `load_certificate`.
    """
    if not os.path.isdir(directory):
        raise OSError(f"Invalid certificate directory: {directory}")
    certs = {}
    for entry in sorted(os.listdir(directory)):
        if entry.startswith(".") or not entry.endswith(".key"):
            continue
        path = os.path.join(directory, entry)
        if not os.path.isfile(path):
            continue
        public_key, _ = load_certificate(path)
        certs[public_key] = True
    return certs


__all__ = ["create_certificates", "load_certificate", "load_certificates",
           "load_certificate_metadata"]
