"""The ZAP handler (ZeroMQ RFC 27) with pyzmq's `zmq.auth.Authenticator` API.

A server socket that uses PLAIN or CURVE (or NULL with a ZAP domain) asks
whoever is bound at ``inproc://zeromq.zap.01`` whether to let each peer in.
`Authenticator` binds a REP socket there and answers those requests from
its policy:

* an IP address policy, either a whitelist (`allow`) or a blacklist
  (`deny`), never both; a client refused by it is refused whatever its
  credentials;
* PLAIN: user name / password tables, one per ZAP domain;
* CURVE: the public keys of the ``*.key`` certificates in a directory, a
  credentials provider object asked about each key, or any key at all
  (`CURVE_ALLOW_ANY`);
* GSSAPI: whatever principal the mechanism vouched for.

The answers (status codes, status texts, user ids) are the ones pyzmq's
authenticator gives, so a server behaves the same under either library.
This class only answers; something must feed it requests: see
`purezmq.auth.thread.ThreadAuthenticator` and
`purezmq.auth.asyncio.AsyncioAuthenticator`, or poll `zap_socket` yourself
and ``await auth.handle_zap_message(auth.zap_socket.recv_multipart())``.
"""

from __future__ import annotations

import inspect
import logging
import os
from typing import Any, Optional, Union

import purezmq
from purezmq.constants import REP
from purezmq.error import _check_version
from purezmq.utils import z85

from .certs import load_certificates

#: Give as `location` to `Authenticator.configure_curve` to accept every
#: CURVE client key.
CURVE_ALLOW_ANY = "*"

#: The only ZAP protocol version there is (RFC 27).
VERSION = b"1.0"

#: Where libzmq (and purezmq) send ZAP requests.
ZAP_ENDPOINT = "inproc://zeromq.zap.01"

_DEFAULT_DOMAIN = "*"


class Authenticator:
    """Answers ZAP requests (RFC 27) on ``inproc://zeromq.zap.01``.

    With no policy configured, NULL clients are let in and PLAIN and CURVE
    clients are turned away.  `start` binds the handler's REP socket on
    `context` (by default ``purezmq.Context.instance()``); `stop` closes it,
    after which another authenticator may bind.
    """

    context: Any
    encoding: str
    allow_any: bool
    credentials_providers: dict
    zap_socket: Any
    passwords: dict
    certs: dict
    log: Any

    def __init__(self, context: Any = None, encoding: str = "utf-8", log: Any = None) -> None:
        _check_version((4, 0), "security")
        self.context = context if context is not None else purezmq.Context.instance()
        self.encoding = encoding
        self.allow_any = False
        #: domain -> object with a ``callback(domain, z85_key)`` method
        self.credentials_providers = {}
        self.zap_socket = None
        self._answered = True
        self._allowed: set = set()
        self._denied: set = set()
        #: domain -> {user name: password}
        self.passwords = {}
        #: domain -> {z85 public key (bytes): True}
        self.certs = {}
        self.log = log if log is not None else logging.getLogger("zmq.auth")

    # -- life cycle ------------------------------------------------------------
    def start(self) -> None:
        """Bind the ZAP socket (a plain, synchronous REP socket)."""
        sock = self.context.socket(REP, socket_class=purezmq.Socket)
        try:
            sock.linger = 1
            sock.bind(ZAP_ENDPOINT)
        except BaseException:
            sock.close(linger=0)
            raise
        self.zap_socket = sock
        self.log.debug("Starting")

    def stop(self) -> None:
        """Close the ZAP socket, unbinding ``inproc://zeromq.zap.01``."""
        sock, self.zap_socket = self.zap_socket, None
        if sock is not None:
            sock.close()

    # -- address policy --------------------------------------------------------
    def allow(self, *addresses: str) -> None:
        """Let in only clients from these addresses (and any allowed before).

        NULL clients from them need nothing more; PLAIN, CURVE and GSSAPI
        clients still have to authenticate.  Cannot be combined with `deny`.
        """
        if self._denied:
            raise ValueError("Only use allow or deny, not both")
        self.log.debug("Allowing %s", ",".join(addresses))
        self._allowed.update(addresses)

    def deny(self, *addresses: str) -> None:
        """Turn away every client from these addresses; the others go on to
        authenticate as usual.  Cannot be combined with `allow`."""
        if self._allowed:
            raise ValueError("Only use a allow or deny, not both")
        self.log.debug("Denying %s", ",".join(addresses))
        self._denied.update(addresses)

    # -- mechanism policies ----------------------------------------------------
    def configure_plain(self, domain: str = "*", passwords: Optional[dict] = None) -> None:
        """PLAIN clients of ZAP domain `domain` ("*" also stands for requests
        with no domain) log in with a user name and password from
        `passwords` ({user: password}).  An empty or missing table changes
        nothing."""
        if passwords:
            self.passwords[domain] = passwords
        self.log.debug("Configure plain: %s", domain)

    def configure_curve(self, domain: str = "*",
                        location: Union[str, os.PathLike] = ".") -> None:
        """CURVE clients of `domain` are let in when their public key is in
        one of the ``*.key`` certificates in directory `location`.

        The directory is read now: call again after adding or removing
        certificates.  `location` = `CURVE_ALLOW_ANY` lets in every key (in
        every domain).  An unreadable directory is logged, not raised.
        """
        self.log.debug("Configure curve: %s[%s]", domain, location)
        if isinstance(location, str) and location == CURVE_ALLOW_ANY:
            self.allow_any = True
            return
        self.allow_any = False
        try:
            self.certs[domain] = load_certificates(location)
        except Exception as e:
            self.log.error("Failed to load CURVE certs from %s: %s", location, e)

    def configure_curve_callback(self, domain: str = "*",
                                 credentials_provider: Any = None) -> None:
        """CURVE clients of `domain` are let in when
        ``credentials_provider.callback(domain, z85_key)`` returns something
        true (it may also return an awaitable giving that answer).  Once any
        provider is configured, providers decide for CURVE instead of
        certificate directories."""
        self.allow_any = False
        if credentials_provider is None:
            self.log.error("None credentials_provider provided for domain:%s", domain)
            return
        self.credentials_providers[domain] = credentials_provider

    def configure_gssapi(self, domain: str = "*", location: Optional[str] = None) -> None:
        """Nothing to set up: the GSSAPI mechanism has checked the principal
        already (as in pyzmq, this does nothing)."""

    def curve_user_id(self, client_public_key: bytes) -> str:
        """The ZAP User-Id of an accepted CURVE client: by default its public
        key as Z85 text.  Override to map keys to other names."""
        return z85.encode(client_public_key).decode("ascii")

    # -- answering -------------------------------------------------------------
    async def handle_zap_message(self, msg: list) -> None:
        """Answer one ZAP request (its frames, as received) on `zap_socket`."""
        msg = [bytes(frame) for frame in msg]
        if len(msg) < 6:
            self.log.error("Invalid ZAP message, not enough frames: %r", msg)
            if len(msg) < 2:
                # pyzmq sends nothing here, which leaves its REP socket
                # unable to receive again; answer, with no request id.
                self.log.error("Not enough information to reply")
                self._send_zap_reply(b"", b"400", b"Not enough frames")
            else:
                self._send_zap_reply(msg[1], b"400", b"Not enough frames")
            return

        version, request_id, raw_domain, raw_address, identity, mechanism = msg[:6]
        credentials = msg[6:]
        domain = raw_domain.decode(self.encoding, "replace")
        address = raw_address.decode(self.encoding, "replace")

        if version != VERSION:
            self.log.error("Invalid ZAP version: %r", msg)
            self._send_zap_reply(request_id, b"400", b"Invalid version")
            return

        self.log.debug("version: %r, request_id: %r, domain: %r, address: %r, "
                       "identity: %r, mechanism: %r",
                       version, request_id, domain, address, identity, mechanism)

        allowed, denied, reason = self._check_address(address)
        user_id = "anonymous"
        if not denied:
            if mechanism == b"NULL":
                if not allowed:
                    self.log.debug("ALLOWED (NULL)")
                    allowed = True
            elif mechanism == b"PLAIN":
                # An allowed address is not enough: the password must match.
                if len(credentials) != 2:
                    self.log.error("Invalid PLAIN credentials: %r", credentials)
                    self._send_zap_reply(request_id, b"400", b"Invalid credentials")
                    return
                user_id, password = (c.decode(self.encoding, "replace") for c in credentials)
                allowed, reason = self._authenticate_plain(domain, user_id, password)
            elif mechanism == b"CURVE":
                # (A key whose length Z85 cannot encode would make pyzmq's
                # handler raise; it is refused here as malformed.)
                if len(credentials) != 1 or len(credentials[0]) % 4:
                    self.log.error("Invalid CURVE credentials: %r", credentials)
                    self._send_zap_reply(request_id, b"400", b"Invalid credentials")
                    return
                key = credentials[0]
                allowed, reason = await self._authenticate_curve(domain, key)
                if allowed:
                    user_id = self.curve_user_id(key)
            elif mechanism == b"GSSAPI":
                if len(credentials) != 1:
                    self.log.error("Invalid GSSAPI credentials: %r", credentials)
                    self._send_zap_reply(request_id, b"400", b"Invalid credentials")
                    return
                principal = credentials[0]
                user_id = principal.decode("utf-8", "replace")
                allowed, reason = self._authenticate_gssapi(domain, principal)
            # Any other mechanism passes only on the address policy: an
            # address on the whitelist, or (with a blacklist) not on it.

        if allowed:
            self._send_zap_reply(request_id, b"200", b"OK", user_id)
        else:
            self._send_zap_reply(request_id, b"400", reason)

    async def _serve_request(self, msg: list) -> None:
        """`handle_zap_message`, but an exception (a credentials provider
        that raised, an overridden method that failed) is logged and, if
        the request is still unanswered, answered with 500: the REP socket
        must reply before it can take the next request."""
        self._answered = False
        try:
            result = self.handle_zap_message(msg)
            if inspect.isawaitable(result):  # a subclass may override it unasync
                await result
        except Exception:
            self.log.exception("ZAP handler failed on %r", msg)
            if not self._answered and self.zap_socket is not None:
                request_id = bytes(msg[1]) if len(msg) > 1 else b""
                self._send_zap_reply(request_id, b"500", b"Internal error")

    def _check_address(self, address: str) -> tuple:
        """(allowed, denied, reason) from the address policy alone."""
        if self._allowed:
            if address in self._allowed:
                self.log.debug("PASSED (allowed) address=%s", address)
                return True, False, b"NO ACCESS"
            self.log.debug("DENIED (not allowed) address=%s", address)
            return False, True, b"Address not allowed"
        if self._denied:
            if address in self._denied:
                self.log.debug("DENIED (denied) address=%s", address)
                return False, True, b"Address denied"
            self.log.debug("PASSED (not denied) address=%s", address)
            return True, False, b"NO ACCESS"
        return False, False, b"NO ACCESS"

    def _authenticate_plain(self, domain: str, username: str, password: str) -> tuple:
        if not self.passwords:
            reason = b"No passwords defined"
            self.log.debug("DENIED (PLAIN) %s", reason)
            return False, reason
        domain = domain or _DEFAULT_DOMAIN
        table = self.passwords.get(domain)
        allowed = False
        if table is None:
            reason = b"Invalid domain"
        elif username not in table:
            reason = b"Invalid username"
        elif table[username] != password:
            reason = b"Invalid password"
        else:
            allowed, reason = True, b""
        if allowed:
            self.log.debug("ALLOWED (PLAIN) domain=%s username=%s password=%s",
                           domain, username, password)
        else:
            self.log.debug("DENIED %s", reason)
        return allowed, reason

    async def _authenticate_curve(self, domain: str, client_key: bytes) -> tuple:
        if self.allow_any:
            self.log.debug("ALLOWED (CURVE allow any client)")
            return True, b"OK"
        domain = domain or _DEFAULT_DOMAIN
        if self.credentials_providers:
            provider = self.credentials_providers.get(domain)
            if provider is None:
                return False, b"Unknown domain"
            z85_key = z85.encode(client_key)
            answer = provider.callback(domain, z85_key)
            if inspect.isawaitable(answer):
                answer = await answer
            allowed = bool(answer)
            self.log.debug("%s (CURVE auth_callback) domain=%s client_key=%s",
                           "ALLOWED" if allowed else "DENIED", domain, z85_key)
            return allowed, (b"OK" if allowed else b"Unknown key")
        keys = self.certs.get(domain)
        if keys is None:
            return False, b"Unknown domain"
        z85_key = z85.encode(client_key)
        allowed = bool(keys.get(z85_key))
        self.log.debug("%s (CURVE) domain=%s client_key=%s",
                       "ALLOWED" if allowed else "DENIED", domain, z85_key)
        return allowed, (b"OK" if allowed else b"Unknown key")

    def _authenticate_gssapi(self, domain: str, principal: bytes) -> tuple:
        self.log.debug("ALLOWED (GSSAPI) domain=%s principal=%s", domain, principal)
        return True, b"OK"

    def _send_zap_reply(self, request_id: bytes, status_code: bytes, status_text: bytes,
                        user_id: Union[str, bytes] = "anonymous") -> None:
        """Send the six-frame ZAP reply; the User-Id only goes with 200."""
        if status_code != b"200":
            user_id = b""
        elif isinstance(user_id, str):
            user_id = user_id.encode(self.encoding, "replace")
        metadata = b""  # no ZAP metadata is produced
        self.log.debug("ZAP reply code=%s text=%s", status_code, status_text)
        self.zap_socket.send_multipart([VERSION, request_id, status_code, status_text,
                                        user_id, metadata])
        self._answered = True


__all__ = ["Authenticator", "CURVE_ALLOW_ANY"]
