"""ThreadAuthenticator as a ZAP handler (RFC 27), driven by hand-built
requests from a REQ socket on inproc://zeromq.zap.01.  Each request also
goes to pyzmq's ThreadAuthenticator with the same policy (when pyzmq is
installed) and both replies must be identical."""

from __future__ import annotations

import logging
import os
import threading

import pytest

import purezmq
from purezmq.auth import CURVE_ALLOW_ANY, Authenticator, create_certificates, load_certificate
from purezmq.auth.thread import ThreadAuthenticator
from purezmq.utils import z85

from auth_util import Client, serving, twin, zap_reply, zap_request


def _raw(z85_key: bytes) -> bytes:
    """A CURVE ZAP request carries the client's public key in binary."""
    return z85.decode(z85_key)


def _nothing(auth) -> None:
    pass


# -- NULL and the address policy ----------------------------------------------
def test_null_no_policy_is_allowed(ctx, ref_ctx):
    with twin(ctx, ref_ctx, _nothing) as t:
        t.check(zap_request(b"1", b"NULL"), b"200", b"OK", b"anonymous")
        t.check(zap_request(b"2", b"NULL", domain=b"global", address=b"10.1.2.3"),
                b"200", b"OK", b"anonymous")


def test_null_whitelist(ctx, ref_ctx):
    with twin(ctx, ref_ctx, lambda a: a.allow("127.0.0.1", "10.0.0.1")) as t:
        t.check(zap_request(b"1", b"NULL"), b"200", b"OK", b"anonymous")
        t.check(zap_request(b"2", b"NULL", address=b"10.0.0.1"), b"200", b"OK", b"anonymous")
        t.check(zap_request(b"3", b"NULL", address=b"192.168.1.1"),
                b"400", b"Address not allowed")


def test_null_blacklist(ctx, ref_ctx):
    with twin(ctx, ref_ctx, lambda a: a.deny("192.168.1.1")) as t:
        t.check(zap_request(b"1", b"NULL", address=b"192.168.1.1"), b"400", b"Address denied")
        t.check(zap_request(b"2", b"NULL", address=b"127.0.0.1"), b"200", b"OK", b"anonymous")


def test_allow_and_deny_exclude_each_other(ctx):
    auth = Authenticator(ctx)
    auth.allow("127.0.0.1")
    auth.allow("10.0.0.1")  # allowing more is fine
    with pytest.raises(ValueError):
        auth.deny("10.0.0.2")
    auth2 = Authenticator(ctx)
    auth2.deny("127.0.0.1")
    with pytest.raises(ValueError):
        auth2.allow("10.0.0.2")


def test_unknown_mechanism(ctx, ref_ctx):
    # Not NULL/PLAIN/CURVE/GSSAPI: refused, unless the address is explicitly
    # allowed (then the whitelist alone decides, as pyzmq answers).
    with twin(ctx, ref_ctx, _nothing) as t:
        t.check(zap_request(b"1", b"FOO"), b"400", b"NO ACCESS")
    with twin(ctx, ref_ctx, lambda a: a.allow("127.0.0.1")) as t:
        t.check(zap_request(b"2", b"FOO"), b"200", b"OK", b"anonymous")
    with twin(ctx, ref_ctx, lambda a: a.deny("10.9.9.9")) as t:
        t.check(zap_request(b"3", b"FOO"), b"200", b"OK", b"anonymous")


# -- PLAIN --------------------------------------------------------------------
PASSWORDS = {"admin": "secret", "guest": "", "jöns": "pässword"}


def test_plain(ctx, ref_ctx):
    with twin(ctx, ref_ctx, lambda a: a.configure_plain("*", PASSWORDS)) as t:
        t.check(zap_request(b"1", b"PLAIN", b"admin", b"secret"), b"200", b"OK", b"admin")
        t.check(zap_request(b"2", b"PLAIN", b"admin", b"wrong"), b"400", b"Invalid password")
        t.check(zap_request(b"3", b"PLAIN", b"nobody", b"secret"), b"400", b"Invalid username")
        t.check(zap_request(b"4", b"PLAIN", b"guest", b""), b"200", b"OK", b"guest")
        # No domain in the request means the "*" domain; any other is unknown
        # ("*" is not a wildcard for the others).
        t.check(zap_request(b"5", b"PLAIN", b"admin", b"secret", domain=b"*"),
                b"200", b"OK", b"admin")
        t.check(zap_request(b"6", b"PLAIN", b"admin", b"secret", domain=b"other"),
                b"400", b"Invalid domain")
        # The user id is the user name, in the authenticator's encoding.
        t.check(zap_request(b"7", b"PLAIN", "jöns".encode(), "pässword".encode()),
                b"200", b"OK", "jöns".encode())
        # A PLAIN request must carry exactly user name and password.
        t.check(zap_request(b"8", b"PLAIN", b"admin"), b"400", b"Invalid credentials")
        t.check(zap_request(b"9", b"PLAIN", b"admin", b"secret", b"extra"),
                b"400", b"Invalid credentials")


def test_plain_domains(ctx, ref_ctx):
    def configure(auth):
        auth.configure_plain("global", {"admin": "secret"})
        auth.configure_plain("other", {"admin": "other-secret"})
        auth.configure_plain("empty", {})  # an empty table configures nothing

    with twin(ctx, ref_ctx, configure) as t:
        t.check(zap_request(b"1", b"PLAIN", b"admin", b"secret", domain=b"global"),
                b"200", b"OK", b"admin")
        t.check(zap_request(b"2", b"PLAIN", b"admin", b"secret", domain=b"other"),
                b"400", b"Invalid password")
        t.check(zap_request(b"3", b"PLAIN", b"admin", b"other-secret", domain=b"other"),
                b"200", b"OK", b"admin")
        t.check(zap_request(b"4", b"PLAIN", b"admin", b"secret"), b"400", b"Invalid domain")
        t.check(zap_request(b"5", b"PLAIN", b"admin", b"secret", domain=b"empty"),
                b"400", b"Invalid domain")


def test_plain_without_passwords(ctx, ref_ctx):
    with twin(ctx, ref_ctx, lambda a: a.configure_plain("*", None)) as t:
        t.check(zap_request(b"1", b"PLAIN", b"admin", b"secret"),
                b"400", b"No passwords defined")


def test_plain_with_address_policy(ctx, ref_ctx):
    def configure(auth):
        auth.allow("127.0.0.1")
        auth.configure_plain("*", PASSWORDS)

    with twin(ctx, ref_ctx, configure) as t:
        # An allowed address still has to get the password right.
        t.check(zap_request(b"1", b"PLAIN", b"admin", b"secret"), b"200", b"OK", b"admin")
        t.check(zap_request(b"2", b"PLAIN", b"admin", b"bad"), b"400", b"Invalid password")
        # Any other address is refused before its credentials are looked at
        # (even malformed ones).
        t.check(zap_request(b"3", b"PLAIN", b"admin", b"secret", address=b"10.0.0.1"),
                b"400", b"Address not allowed")
        t.check(zap_request(b"4", b"PLAIN", b"admin", address=b"10.0.0.1"),
                b"400", b"Address not allowed")

    def configure_deny(auth):
        auth.deny("10.0.0.1")
        auth.configure_plain("*", PASSWORDS)

    with twin(ctx, ref_ctx, configure_deny) as t:
        t.check(zap_request(b"5", b"PLAIN", b"admin", b"secret", address=b"10.0.0.1"),
                b"400", b"Address denied")
        t.check(zap_request(b"6", b"PLAIN", b"admin", b"secret"), b"200", b"OK", b"admin")


def test_plain_passwords_changed_while_running(ctx, ref_ctx):
    table = {"admin": "secret"}
    with twin(ctx, ref_ctx, lambda a: a.configure_plain("*", table)) as t:
        t.check(zap_request(b"1", b"PLAIN", b"late", b"pw"), b"400", b"Invalid username")
        table["late"] = "pw"  # the table is read at each request
        t.check(zap_request(b"2", b"PLAIN", b"late", b"pw"), b"200", b"OK", b"late")


def test_undecodable_plain_credentials(ctx, ref_ctx):
    # Bytes that are not UTF-8 are decoded with replacement characters.
    with twin(ctx, ref_ctx, lambda a: a.configure_plain("*", {"\ufffd": "x"})) as t:
        t.check(zap_request(b"1", b"PLAIN", b"\xff", b"x"),
                b"200", b"OK", "\ufffd".encode())


# -- CURVE --------------------------------------------------------------------
@pytest.fixture
def curve_dirs(tmp_path):
    """A directory of trusted public certificates (alice, bob) and the
    public keys of alice, bob and an untrusted mallory."""
    trusted = tmp_path / "trusted"
    other = tmp_path / "other"
    trusted.mkdir()
    other.mkdir()
    keys = {}
    for name in ("alice", "bob"):
        public_file, _ = create_certificates(trusted, name)
        keys[name] = load_certificate(public_file)[0]
    public_file, _ = create_certificates(other, "mallory")
    keys["mallory"] = load_certificate(public_file)[0]
    # Secret certificates in the directory are not trusted keys:
    os.rename(os.path.join(other, "mallory.key_secret"), trusted / "mallory.key_secret")
    return trusted, keys


def test_curve_certificate_directory(ctx, ref_ctx, curve_dirs):
    trusted, keys = curve_dirs
    with twin(ctx, ref_ctx, lambda a: a.configure_curve("*", str(trusted))) as t:
        # The user id is the client's public key as Z85 text.
        t.check(zap_request(b"1", b"CURVE", _raw(keys["alice"])), b"200", b"OK", keys["alice"])
        t.check(zap_request(b"2", b"CURVE", _raw(keys["bob"])), b"200", b"OK", keys["bob"])
        t.check(zap_request(b"3", b"CURVE", _raw(keys["mallory"])), b"400", b"Unknown key")
        t.check(zap_request(b"4", b"CURVE", _raw(keys["alice"]), domain=b"other"),
                b"400", b"Unknown domain")
        t.check(zap_request(b"5", b"CURVE"), b"400", b"Invalid credentials")
        t.check(zap_request(b"6", b"CURVE", _raw(keys["alice"]), b"x"),
                b"400", b"Invalid credentials")


def test_curve_domains_and_reload(ctx, ref_ctx, curve_dirs, tmp_path):
    trusted, keys = curve_dirs
    empty = tmp_path / "empty"
    empty.mkdir()

    def configure(auth):
        auth.configure_curve("servers", trusted)  # an os.PathLike location
        auth.configure_curve("*", empty)

    with twin(ctx, ref_ctx, configure) as t:
        t.check(zap_request(b"1", b"CURVE", _raw(keys["bob"]), domain=b"servers"),
                b"200", b"OK", keys["bob"])
        t.check(zap_request(b"2", b"CURVE", _raw(keys["bob"])), b"400", b"Unknown key")


def test_curve_directory_read_at_configure(ctx, curve_dirs):
    trusted, keys = curve_dirs
    with serving(ThreadAuthenticator, purezmq, ctx,
                 lambda a: a.configure_curve("*", trusted)) as (auth, client):
        create_certificates(trusted, "carol")
        carol = load_certificate(trusted / "carol.key")[0]
        assert client.ask(zap_request(b"1", b"CURVE", _raw(carol))) == \
            zap_reply(b"1", b"400", b"Unknown key")
        auth.configure_curve("*", trusted)  # re-read the directory
        assert client.ask(zap_request(b"2", b"CURVE", _raw(carol))) == \
            zap_reply(b"2", b"200", b"OK", carol)


def test_curve_allow_any(ctx, ref_ctx, curve_dirs):
    _, keys = curve_dirs
    with twin(ctx, ref_ctx, lambda a: a.configure_curve("*", CURVE_ALLOW_ANY)) as t:
        t.check(zap_request(b"1", b"CURVE", _raw(keys["mallory"])),
                b"200", b"OK", keys["mallory"])
        # Any key in any domain, even one never configured.
        t.check(zap_request(b"2", b"CURVE", _raw(keys["alice"]), domain=b"x"),
                b"200", b"OK", keys["alice"])


def test_curve_directory_replaces_allow_any(ctx, ref_ctx, curve_dirs):
    trusted, keys = curve_dirs

    def configure(auth):
        auth.configure_curve("*", CURVE_ALLOW_ANY)
        auth.configure_curve("*", str(trusted))

    with twin(ctx, ref_ctx, configure) as t:
        t.check(zap_request(b"1", b"CURVE", _raw(keys["mallory"])), b"400", b"Unknown key")
        t.check(zap_request(b"2", b"CURVE", _raw(keys["alice"])), b"200", b"OK", keys["alice"])


def test_curve_nothing_configured(ctx, ref_ctx, curve_dirs):
    _, keys = curve_dirs
    with twin(ctx, ref_ctx, _nothing) as t:
        t.check(zap_request(b"1", b"CURVE", _raw(keys["alice"])), b"400", b"Unknown domain")


def test_curve_bad_location_is_logged(ctx, ref_ctx, curve_dirs, tmp_path, caplog):
    _, keys = curve_dirs
    missing = str(tmp_path / "missing")
    with caplog.at_level(logging.ERROR, logger="zmq.auth"):
        with twin(ctx, ref_ctx, lambda a: a.configure_curve("*", missing)) as t:
            t.check(zap_request(b"1", b"CURVE", _raw(keys["alice"])),
                    b"400", b"Unknown domain")
    assert any("Failed to load CURVE certs" in r.getMessage() for r in caplog.records)


def test_curve_user_id_override(ctx, curve_dirs):
    _, keys = curve_dirs

    class Named(ThreadAuthenticator):
        def curve_user_id(self, client_public_key):
            return "user-" + z85.encode(client_public_key)[:5].decode()

    with serving(Named, purezmq, ctx,
                 lambda a: a.configure_curve("*", CURVE_ALLOW_ANY)) as (_, client):
        assert client.ask(zap_request(b"1", b"CURVE", _raw(keys["bob"]))) == \
            zap_reply(b"1", b"200", b"OK", b"user-" + keys["bob"][:5])


# -- CURVE with a credentials provider ----------------------------------------
class Provider:
    def __init__(self, *allowed: bytes) -> None:
        self.allowed = set(allowed)
        self.calls: list = []
        self.lock = threading.Lock()

    def callback(self, domain, key):
        with self.lock:
            self.calls.append((domain, key))
        return key in self.allowed


class AsyncProvider(Provider):
    async def callback(self, domain, key):  # an awaitable answer is awaited
        return Provider.callback(self, domain, key)


@pytest.mark.parametrize("provider_cls", [Provider, AsyncProvider])
def test_curve_callback(ctx, ref_ctx, curve_dirs, provider_cls):
    trusted, keys = curve_dirs
    provider = provider_cls(keys["mallory"])

    def configure(auth):
        auth.configure_curve("*", str(trusted))  # providers take precedence
        auth.configure_curve_callback("*", provider)

    with twin(ctx, ref_ctx, configure) as t:
        t.check(zap_request(b"1", b"CURVE", _raw(keys["mallory"])),
                b"200", b"OK", keys["mallory"])
        t.check(zap_request(b"2", b"CURVE", _raw(keys["alice"])), b"400", b"Unknown key")
        t.check(zap_request(b"3", b"CURVE", _raw(keys["alice"]), domain=b"elsewhere"),
                b"400", b"Unknown domain")
    # The provider sees the domain as text ("*" for none) and the key as Z85
    # bytes (the calls of pyzmq's twin, if any, come in between).
    assert provider.calls[0] == ("*", keys["mallory"])
    assert set(provider.calls) == {("*", keys["mallory"]), ("*", keys["alice"])}
    assert len(provider.calls) == (4 if ref_ctx is not None else 2)


def test_curve_callback_none_is_logged(ctx, caplog):
    auth = Authenticator(ctx)
    with caplog.at_level(logging.ERROR, logger="zmq.auth"):
        auth.configure_curve_callback("x", None)
    assert auth.credentials_providers == {}
    assert any("None credentials_provider" in r.getMessage() for r in caplog.records)


def test_curve_callback_that_raises_gets_500(ctx, curve_dirs, caplog):
    # pyzmq's handler would die here and leave its REP socket stuck;
    # purezmq answers 500 and goes on serving.
    _, keys = curve_dirs

    class Broken:
        def callback(self, domain, key):
            raise RuntimeError("database down")

    with caplog.at_level(logging.ERROR, logger="zmq.auth"):
        with serving(ThreadAuthenticator, purezmq, ctx,
                     lambda a: a.configure_curve_callback("*", Broken())) as (auth, client):
            assert client.ask(zap_request(b"1", b"CURVE", _raw(keys["bob"]))) == \
                zap_reply(b"1", b"500", b"Internal error")
            assert client.ask(zap_request(b"2", b"NULL")) == \
                zap_reply(b"2", b"200", b"OK", b"anonymous")
            assert auth.is_alive()
    assert any("database down" in (r.exc_text or "") or r.exc_info for r in caplog.records)


def test_curve_key_of_bad_length(ctx):
    # Z85 cannot encode it: refused as malformed, the handler keeps going.
    with serving(ThreadAuthenticator, purezmq, ctx,
                 lambda a: a.configure_curve("*", CURVE_ALLOW_ANY)) as (auth, client):
        assert client.ask(zap_request(b"1", b"CURVE", b"abc")) == \
            zap_reply(b"1", b"400", b"Invalid credentials")
        assert client.ask(zap_request(b"2", b"NULL")) == \
            zap_reply(b"2", b"200", b"OK", b"anonymous")


# -- GSSAPI -------------------------------------------------------------------
def test_gssapi(ctx, ref_ctx):
    def configure(auth):
        assert auth.configure_gssapi("*", None) is None  # nothing to configure

    with twin(ctx, ref_ctx, configure) as t:
        t.check(zap_request(b"1", b"GSSAPI", b"alice@EXAMPLE.ORG"),
                b"200", b"OK", b"alice@EXAMPLE.ORG")
        t.check(zap_request(b"2", b"GSSAPI"), b"400", b"Invalid credentials")
    with twin(ctx, ref_ctx, lambda a: a.deny("10.0.0.1")) as t:
        t.check(zap_request(b"3", b"GSSAPI", b"alice", address=b"10.0.0.1"),
                b"400", b"Address denied")


# -- malformed requests -------------------------------------------------------
def test_bad_version(ctx, ref_ctx):
    with twin(ctx, ref_ctx, _nothing) as t:
        t.check(zap_request(b"1", b"NULL", version=b"2.0"), b"400", b"Invalid version")
        t.check(zap_request(b"2", b"PLAIN", b"a", b"b", version=b""), b"400", b"Invalid version")
        # still serving afterwards
        t.check(zap_request(b"3", b"NULL"), b"200", b"OK", b"anonymous")


def test_not_enough_frames(ctx, ref_ctx):
    with twin(ctx, ref_ctx, _nothing) as t:
        t.check([b"1.0", b"7", b"", b"127.0.0.1", b""], b"400", b"Not enough frames")
        t.check([b"1.0", b"8"], b"400", b"Not enough frames")
        t.check(zap_request(b"9", b"NULL"), b"200", b"OK", b"anonymous")


def test_single_frame_request_still_answered(ctx):
    # pyzmq sends nothing back (its REP socket is then stuck); purezmq
    # answers with an empty request id and keeps serving.
    with serving(ThreadAuthenticator, purezmq, ctx, _nothing) as (auth, client):
        assert client.ask([b"1.0"]) == zap_reply(b"", b"400", b"Not enough frames")
        assert client.ask(zap_request(b"2", b"NULL")) == \
            zap_reply(b"2", b"200", b"OK", b"anonymous")
        assert auth.is_alive()


def test_binary_request_id_is_echoed(ctx, ref_ctx):
    rid = bytes(range(256))
    with twin(ctx, ref_ctx, _nothing) as t:
        t.check(zap_request(rid, b"NULL"), b"200", b"OK", b"anonymous")
        t.check(zap_request(b"", b"NULL"), b"200", b"OK", b"anonymous")


def test_many_requests_and_clients(ctx):
    with serving(ThreadAuthenticator, purezmq, ctx,
                 lambda a: a.configure_plain("*", {"u": "p"})) as (_, client):
        others = [Client(purezmq, ctx) for _ in range(3)]
        try:
            for i in range(50):
                c = others[i % 3] if i % 2 else client
                rid = str(i).encode()
                want = zap_reply(rid, b"200", b"OK", b"u") if i % 5 else \
                    zap_reply(rid, b"400", b"Invalid password")
                assert c.ask(zap_request(rid, b"PLAIN", b"u", b"p" if i % 5 else b"x")) == want
        finally:
            for c in others:
                c.close()


# -- life cycle ---------------------------------------------------------------
def test_zap_endpoint_taken_while_running(ctx):
    auth = ThreadAuthenticator(ctx)
    auth.start()
    try:
        assert auth.is_alive()
        second = ThreadAuthenticator(ctx)
        with pytest.raises(purezmq.ZMQError):
            second.start()
        assert not second.is_alive()
        assert second.zap_socket is None and second.pipe is None
    finally:
        auth.stop()


def test_stop_unbinds_so_another_can_start(ctx):
    first = ThreadAuthenticator(ctx)
    first.start()
    thread = first.thread
    first.stop()
    assert not thread.is_alive()
    assert not first.is_alive()
    assert first.zap_socket is None and first.pipe is None and first.thread is None
    first.stop()  # again: nothing to do

    with serving(ThreadAuthenticator, purezmq, ctx,
                 lambda a: a.deny("127.0.0.1")) as (_, client):
        assert client.ask(zap_request(b"1", b"NULL")) == zap_reply(b"1", b"400", b"Address denied")

    # and the first one can start again
    first.start()
    try:
        client = Client(purezmq, ctx)
        try:
            assert client.ask(zap_request(b"2", b"NULL")) == \
                zap_reply(b"2", b"200", b"OK", b"anonymous")
        finally:
            client.close()
    finally:
        first.stop()


def test_context_instance_default():
    auth = ThreadAuthenticator()
    assert auth.context is purezmq.Context.instance()


def test_stop_is_prompt_while_idle(ctx):
    import time

    auth = ThreadAuthenticator(ctx)
    auth.start()
    t0 = time.monotonic()
    auth.stop()
    assert time.monotonic() - t0 < 2.0


def test_unknown_pipe_command(ctx):
    auth = ThreadAuthenticator(ctx)
    auth.start()
    try:
        auth.pipe.rcvtimeo = 5000
        auth.pipe.send(b"BOGUS")
        assert auth.pipe.recv() == b"ERROR"
        assert auth.is_alive()
    finally:
        auth.stop()


def test_context_terminates_after_stop():
    c = purezmq.Context()
    auth = ThreadAuthenticator(c)
    auth.start()
    auth.stop()
    done = threading.Event()

    def term():
        c.term()
        done.set()

    threading.Thread(target=term, daemon=True).start()
    assert done.wait(10), "Context.term() hung after the authenticator stopped"


def test_on_an_asyncio_context():
    import purezmq.asyncio as zaio

    c = zaio.Context()
    try:
        with serving(ThreadAuthenticator, purezmq, c,
                     lambda a: a.configure_plain("*", {"u": "p"})) as (auth, _):
            assert type(auth.zap_socket) is purezmq.Socket
            client = c.socket(purezmq.REQ, socket_class=purezmq.Socket)
            client.linger = 0
            client.rcvtimeo = client.sndtimeo = 5000
            client.connect("inproc://zeromq.zap.01")
            try:
                client.send_multipart(zap_request(b"1", b"PLAIN", b"u", b"p"))
                assert client.recv_multipart() == zap_reply(b"1", b"200", b"OK", b"u")
            finally:
                client.close()
    finally:
        c.destroy(linger=0)
