"""CURVE certificate files: written by purezmq, read by pyzmq and the other
way round; metadata; CZMQ-written files; errors."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import pytest

import purezmq
from purezmq.auth import (
    create_certificates, load_certificate, load_certificate_metadata, load_certificates,
)
from purezmq.utils import z85


def _is_z85_key(key) -> bool:
    return isinstance(key, bytes) and len(key) == 40 and len(z85.decode(key)) == 32


def test_create_and_load(tmp_path):
    public_file, secret_file = create_certificates(tmp_path, "server")
    assert public_file == os.path.join(tmp_path, "server.key")
    assert secret_file == os.path.join(tmp_path, "server.key_secret")
    assert isinstance(public_file, str) and isinstance(secret_file, str)

    public, none = load_certificate(public_file)
    assert none is None and _is_z85_key(public)
    public2, secret = load_certificate(secret_file)
    assert public2 == public and _is_z85_key(secret)
    # The pair is a real X25519 pair.
    assert purezmq.curve_public(secret) == public
    # Only the public certificate counts in a directory.
    assert load_certificates(tmp_path) == {public: True}
    assert load_certificates(str(tmp_path)) == {public: True}


def test_new_keys_each_time(tmp_path):
    a = load_certificate(create_certificates(tmp_path, "a")[1])
    b = load_certificate(create_certificates(tmp_path, "b")[1])
    assert a[0] != b[0] and a[1] != b[1]


def test_file_layout(tmp_path):
    public_file, secret_file = create_certificates(tmp_path, "x", {"name": "x"})
    public, secret = load_certificate(secret_file)
    pub_text = Path(public_file).read_text(encoding="utf-8")
    pub_lines = pub_text.splitlines()
    sec_lines = Path(secret_file).read_text(encoding="utf-8").splitlines()
    assert pub_lines[1] == "#   ZeroMQ CURVE Public Certificate"
    assert sec_lines[1] == "#   ZeroMQ CURVE **Secret** Certificate"
    body = [line for line in pub_lines if line and not line.startswith("#")]
    assert body == ["metadata", '    name = "x"', "curve",
                    f'    public-key = "{public.decode()}"']
    body = [line for line in sec_lines if line and not line.startswith("#")]
    assert body == ["metadata", '    name = "x"', "curve",
                    f'    public-key = "{public.decode()}"',
                    f'    secret-key = "{secret.decode()}"']
    assert "secret-key" not in pub_text


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
def test_secret_file_is_private(tmp_path):
    _, secret_file = create_certificates(tmp_path, "x")
    assert stat.S_IMODE(os.stat(secret_file).st_mode) & 0o077 == 0


def test_metadata(tmp_path):
    metadata = {"name": "Alice Smith", "email": "alice@example.org",
                b"bytes-key": b"bytes value", "quote": 'say "hi"', "empty": "",
                "hash": "#1", "unicode": "jörg ☃"}
    public_file, secret_file = create_certificates(tmp_path, "alice", metadata)
    want = {(k.decode() if isinstance(k, bytes) else k):
            (v.decode() if isinstance(v, bytes) else v) for k, v in metadata.items()}
    assert load_certificate_metadata(public_file) == want
    assert load_certificate_metadata(secret_file) == want
    # Metadata does not disturb the keys.
    assert load_certificate(secret_file)[0] == load_certificate(public_file)[0]


def test_metadata_that_cannot_be_written(tmp_path):
    with pytest.raises(ValueError):
        create_certificates(tmp_path, "x", {"name": "two\nlines"})
    with pytest.raises(ValueError):
        create_certificates(tmp_path, "y", {"bad name": "v"})


def test_no_metadata(tmp_path):
    public_file, _ = create_certificates(tmp_path, "x")
    assert load_certificate_metadata(public_file) == {}


# -- interoperability with pyzmq ----------------------------------------------
def test_purezmq_files_load_in_pyzmq(tmp_path, pyzmq):
    files = {}
    for name in ("alice", "bob"):
        files[name] = create_certificates(tmp_path, name, {"name": name, "owner": "Alice Smith"})
    for public_file, secret_file in files.values():
        ours = load_certificate(secret_file)
        assert pyzmq.load_certificate(secret_file) == ours
        assert pyzmq.load_certificate(public_file) == (ours[0], None)
    assert pyzmq.load_certificates(str(tmp_path)) == load_certificates(tmp_path)
    assert len(load_certificates(tmp_path)) == 2


def test_pyzmq_files_load_in_purezmq(tmp_path, pyzmq):
    metadata = {"name": "carol", "role": "client", "owner": "Carol Jones"}
    public_file, secret_file = pyzmq.create_certificates(str(tmp_path), "carol", metadata)
    pyzmq.create_certificates(str(tmp_path), "dave")
    assert load_certificate(secret_file) == pyzmq.load_certificate(secret_file)
    assert load_certificate(public_file) == pyzmq.load_certificate(public_file)
    public, secret = load_certificate(secret_file)
    assert purezmq.curve_public(secret) == public
    assert load_certificates(tmp_path) == pyzmq.load_certificates(str(tmp_path))
    # pyzmq writes the metadata (unquoted) into the secret certificate only.
    assert load_certificate_metadata(secret_file) == metadata
    assert load_certificate_metadata(public_file) == {}


def test_pyzmq_authenticator_trusts_purezmq_certificates(tmp_path, pyzmq):
    """pyzmq's authenticator configured from a purezmq-written directory
    (and purezmq's from a pyzmq-written one) gives the same CURVE answers."""
    import zmq
    from zmq.auth.thread import ThreadAuthenticator as RefAuth

    from purezmq.auth.thread import ThreadAuthenticator
    from auth_util import serving, zap_reply, zap_request

    ours_dir, theirs_dir = tmp_path / "ours", tmp_path / "theirs"
    ours_dir.mkdir()
    theirs_dir.mkdir()
    our_key = load_certificate(create_certificates(ours_dir, "p")[0])[0]
    their_key = pyzmq.load_certificate(pyzmq.create_certificates(str(theirs_dir), "z")[0])[0]

    pctx = purezmq.Context()
    zctx = zmq.Context()
    try:
        for location, good, bad in ((ours_dir, our_key, their_key),
                                    (theirs_dir, their_key, our_key)):
            for cls, lib, c in ((ThreadAuthenticator, purezmq, pctx), (RefAuth, zmq, zctx)):
                with serving(cls, lib, c, lambda a: a.configure_curve("*", str(location))) \
                        as (_, client):
                    assert client.ask(zap_request(b"1", b"CURVE", z85.decode(good))) == \
                        zap_reply(b"1", b"200", b"OK", good)
                    assert client.ask(zap_request(b"2", b"CURVE", z85.decode(bad))) == \
                        zap_reply(b"2", b"400", b"Unknown key")
    finally:
        zctx.destroy(linger=0)
        pctx.destroy(linger=0)


# -- files written by CZMQ, and ZPL variations --------------------------------
CZMQ_PUBLIC = """\
#   ****  Generated on 2024-03-01 10:00:00 by CZMQ  ****
#   ZeroMQ CURVE Public Certificate
#   Exchange securely, or use a secure mechanism to verify the contents
#   of this file after exchange. Store public certificates in your home
#   directory, in the .curve subdirectory.

metadata
    name = "czmq server"
    email = "ops@example.org"
curve
    public-key = "{public}"
"""

CZMQ_SECRET = """\
#   ****  Generated on 2024-03-01 10:00:00 by CZMQ  ****
#   ZeroMQ CURVE **Secret** Certificate
#   DO NOT PROVIDE THIS FILE TO OTHER USERS nor change its permissions.

metadata
    name = "czmq server"
curve
    public-key = "{public}"
    secret-key = "{secret}"
"""


def test_czmq_files(tmp_path):
    public, secret = purezmq.curve_keypair()
    (tmp_path / "server.key").write_text(CZMQ_PUBLIC.format(public=public.decode()))
    (tmp_path / "server.key_secret").write_text(
        CZMQ_SECRET.format(public=public.decode(), secret=secret.decode()))
    assert load_certificate(tmp_path / "server.key") == (public, None)
    assert load_certificate(tmp_path / "server.key_secret") == (public, secret)
    assert load_certificate_metadata(tmp_path / "server.key") == \
        {"name": "czmq server", "email": "ops@example.org"}
    assert load_certificates(tmp_path) == {public: True}


def test_zpl_variations(tmp_path, pyzmq):
    public, secret = purezmq.curve_keypair()
    p, s = public.decode(), secret.decode()
    variants = {
        "single-quotes": f"curve\n    public-key = '{p}'\n    secret-key = '{s}'\n",
        "unquoted": f"curve\n    public-key = {p}\n    secret-key = {s}\n",
        "crlf": f"metadata\r\n    a = 1\r\ncurve\r\n    public-key = \"{p}\"\r\n"
                f"    secret-key = \"{s}\"\r\n",
        "tabs-and-comments": f"# c\ncurve\n\t# comment\n\tpublic-key = \"{p}\"\n"
                             f"\tsecret-key = \"{s}\"\n",
    }
    for name, text in variants.items():
        path = tmp_path / name
        path.write_bytes(text.encode())
        assert load_certificate(path) == (public, secret), name
        assert pyzmq.load_certificate(str(path)) == (public, secret), name
    # A trailing comment after an unquoted key (pyzmq would keep it in the key).
    path = tmp_path / "comment"
    path.write_text(f"curve\n    public-key = {p}   # the server\n")
    assert load_certificate(path) == (public, None)


# -- errors -------------------------------------------------------------------
def test_missing_file(tmp_path):
    with pytest.raises(OSError):
        load_certificate(tmp_path / "nope.key")


def test_no_public_key(tmp_path):
    path = tmp_path / "bad.key"
    path.write_text("metadata\n    name = \"x\"\ncurve\n")
    with pytest.raises(ValueError):
        load_certificate(path)
    with pytest.raises(ValueError):  # as pyzmq: one bad certificate fails the directory
        load_certificates(tmp_path)


def test_not_a_directory(tmp_path):
    with pytest.raises(OSError):
        load_certificates(tmp_path / "missing")
    public_file, _ = create_certificates(tmp_path, "x")
    with pytest.raises(OSError):
        load_certificates(public_file)


def test_directory_selection(tmp_path):
    keep, _ = create_certificates(tmp_path, "keep")
    hidden_dir = tmp_path / "hidden"
    hidden_dir.mkdir()
    create_certificates(hidden_dir, ".hidden")
    os.rename(hidden_dir / ".hidden.key", tmp_path / ".hidden.key")  # not matched by *.key
    (tmp_path / "notes.txt").write_text("public-key = \"x\"\n")
    (tmp_path / "sub.key").mkdir()  # a directory named like a certificate
    assert load_certificates(tmp_path) == {load_certificate(keep)[0]: True}
    assert load_certificates(tmp_path / "hidden") == {}
