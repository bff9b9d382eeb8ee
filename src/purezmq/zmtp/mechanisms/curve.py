"""The CURVE security mechanism (RFC 26 CurveZMQ carried by ZMTP 3, RFC 25),
behaving on the wire like libzmq 4.3.5 (curve_client.cpp, curve_server.cpp,
curve_mechanism_base.cpp).

Handshake (client C, server S; primes are per-connection short-term keys)::

    C -> S  HELLO     version 1.0, 72 zero octets, C', short nonce,
                      Box[64 zero octets](C'->S)
    S -> C  WELCOME   16-octet random nonce, Box[S' + cookie](S->C')
    C -> S  INITIATE  cookie, short nonce,
                      Box[C + vouch nonce + vouch + metadata](C'->S')
                      where vouch = Box[C' + S](C->S')
    S -> C  READY     short nonce, Box[metadata](S'->C')

The cookie is ``16-octet nonce + SecretBox[C' + s'](cookie key)``; as in
libzmq the cookie key is drawn afresh for every connection.  Between HELLO
and READY the server may consult ZAP with the client's long-term key C.

Afterwards every frame -- data or command -- travels as the body of a
MESSAGE frame: ``\\x07MESSAGE``, an 8-octet big-endian counter and
``Box[flags + payload]`` under the nonce "CurveZMQMESSAGEC" (client) or
"CurveZMQMESSAGES" (server) + counter.  The inner flags octet uses libzmq's
``msg_t`` bits: 1 = MORE, 2 = COMMAND.  The outer frame is sent with flags 0
(not the COMMAND flag) exactly as libzmq does.  Counters start at 1 and are
shared with the handshake (client HELLO = 1, INITIATE = 2, first MESSAGE =
3; server READY = 1, first MESSAGE = 2); a received counter must be strictly
greater than the last one seen, otherwise the connection fails.

PyNaCl provides the crypto; it is imported when a mechanism is built, so
purezmq itself imports without it.
"""

from __future__ import annotations

from typing import Any

from ..commands import ERROR, READY, decode_metadata, encode_error, encode_metadata
from ..errors import ProtocolError, UsageError
from .base import HandshakeContext, Mechanism, MechanismFailure

__all__ = [
    "CurveClientMechanism", "CurveServerMechanism", "CurveUnavailableError",
    "curve_available",
]

HELLO = b"HELLO"
WELCOME = b"WELCOME"
INITIATE = b"INITIATE"
MESSAGE = b"MESSAGE"

# libzmq's ZMQ_PROTOCOL_ERROR_ZMTP_* values (constants.py has them too;
# repeated here so the codec does not import the socket layer).
ZMTP_UNSPECIFIED = 0x10000000
UNEXPECTED_COMMAND = 0x10000001
INVALID_SEQUENCE = 0x10000002
KEY_EXCHANGE = 0x10000003
MALFORMED_COMMAND_UNSPECIFIED = 0x10000011
MALFORMED_COMMAND_MESSAGE = 0x10000012
MALFORMED_COMMAND_HELLO = 0x10000013
MALFORMED_COMMAND_INITIATE = 0x10000014
MALFORMED_COMMAND_ERROR = 0x10000015
MALFORMED_COMMAND_READY = 0x10000016
MALFORMED_COMMAND_WELCOME = 0x10000017
INVALID_METADATA = 0x10000018
CRYPTOGRAPHIC = 0x11000001
_EFAULT = 14

_KEY_SIZE = 32
_ZERO_KEY = bytes(_KEY_SIZE)

_HELLO_PREFIX = b"\x05HELLO"
_WELCOME_PREFIX = b"\x07WELCOME"
_INITIATE_PREFIX = b"\x08INITIATE"
_READY_PREFIX = b"\x05READY"
_MESSAGE_PREFIX = b"\x07MESSAGE"

_HELLO_NONCE = b"CurveZMQHELLO---"
_WELCOME_NONCE = b"WELCOME-"
_COOKIE_NONCE = b"COOKIE--"
_VOUCH_NONCE = b"VOUCH---"
_INITIATE_NONCE = b"CurveZMQINITIATE"
_READY_NONCE = b"CurveZMQREADY---"
_CLIENT_MESSAGE_NONCE = b"CurveZMQMESSAGEC"
_SERVER_MESSAGE_NONCE = b"CurveZMQMESSAGES"

_HELLO_SIZE = 200          # prefix 6, version 2, padding 72, C' 32, nonce 8, box 80
_WELCOME_SIZE = 168        # prefix 8, nonce 16, box 144
_INITIATE_MIN_SIZE = 257   # prefix 9, cookie 96, nonce 8, box >= 144
_READY_MIN_SIZE = 30       # prefix 6, nonce 8, box >= 16
_MESSAGE_MIN_SIZE = 33     # prefix 8, nonce 8, box >= 16 + the flags octet

# Wire frame flags <-> the flags octet inside a MESSAGE box (libzmq msg_t).
_FRAME_MORE = 0x01
_FRAME_COMMAND = 0x04
_INNER_MORE = 0x01
_INNER_COMMAND = 0x02
_INNER_FROM_FRAME = bytes(((f & 1) | (_INNER_COMMAND if f & _FRAME_COMMAND else 0)
                           for f in range(256)))
_FRAME_FROM_INNER = tuple((f & 1) | (_FRAME_COMMAND if f & _INNER_COMMAND else 0)
                          for f in range(256))


class CurveUnavailableError(ImportError):
    """CURVE was asked for but PyNaCl is not installed."""


_nacl = None


def _sodium_easy():
    """libsodium's crypto_box_*easy_afternm through PyNaCl's own cffi module,
    or None.  PyNaCl's wrappers copy a MESSAGE's payload five times (zero
    padding, a zeroed output, slices); for big frames the allocations cost
    more than the cipher.  These work in place: one buffer each way."""
    try:
        from nacl._sodium import ffi, lib
        lib.crypto_box_easy_afternm, lib.crypto_box_open_easy_afternm  # noqa: B018
    except (ImportError, AttributeError):
        return None
    return ffi, lib


def _load_nacl():
    global _nacl
    if _nacl is None:
        try:
            from nacl import bindings
            from nacl.exceptions import CryptoError  # noqa: F401
        except ImportError as exc:
            raise CurveUnavailableError(
                "the CURVE security mechanism needs PyNaCl (pip install pynacl)") from exc
        _nacl = bindings
    return _nacl


def curve_available() -> bool:
    """True when PyNaCl can be imported (CURVE usable)."""
    try:
        _load_nacl()
    except CurveUnavailableError:
        return False
    return True


def _key(value, what: str) -> bytes:
    """A key option: None counts as 32 zero octets (libzmq's unset key)."""
    if value is None:
        return _ZERO_KEY
    value = bytes(value)
    if len(value) != _KEY_SIZE:
        raise UsageError(f"{what} must be {_KEY_SIZE} raw octets, not {len(value)}")
    return value


def _crypto_errors():
    from nacl.exceptions import CryptoError
    return (CryptoError, ValueError)


class _CurveBase(Mechanism):
    """Shared state: nonce counters, the precomputed key, MESSAGE coding."""

    name = b"CURVE"
    uses_roles = True
    transforms_frames = True

    _encode_prefix = b""
    _decode_prefix = b""

    def __init__(self) -> None:
        super().__init__()
        nacl = _load_nacl()
        self._nacl = nacl
        self._box_errors = _crypto_errors()
        self._context: HandshakeContext | None = None
        # Our short-term key pair (C' or S'), made when the mechanism is.
        self._cn_public, self._cn_secret = nacl.crypto_box_keypair()
        self._cn_nonce = 1        # next short nonce we use
        self._cn_peer_nonce = 1   # last short nonce the peer used
        self._precom: bytes | None = None  # beforenm(peer's C'/S', our c'/s')
        self._seal = nacl.crypto_box_afternm
        self._open = nacl.crypto_box_open_afternm
        self._easy = _sodium_easy()

    def _next_nonce(self) -> bytes:
        nonce = self._cn_nonce
        self._cn_nonce = nonce + 1
        return nonce.to_bytes(8, "big")

    # -- traffic ----------------------------------------------------------

    def encode(self, flags: int, body: bytes) -> tuple[int, Any]:
        nonce = self._cn_nonce
        self._cn_nonce = nonce + 1
        short = nonce.to_bytes(8, "big")
        if self._easy is not None:
            # [prefix 8][nonce 8][MAC 16][flags + payload, encrypted in place]
            ffi, lib = self._easy
            size = len(body) + 1
            out = bytearray(32 + size)
            out[:8] = _MESSAGE_PREFIX
            out[8:16] = short
            out[32] = _INNER_FROM_FRAME[flags & 0xFF]
            out[33:] = body
            buf = ffi.from_buffer(out)
            if lib.crypto_box_easy_afternm(buf + 16, buf + 32, size,
                                           self._encode_prefix + short, self._precom):
                raise ProtocolError("cannot seal CURVE MESSAGE", code=CRYPTOGRAPHIC)
            return 0, out
        plain = _INNER_FROM_FRAME[flags & 0xFF:(flags & 0xFF) + 1] + body
        box = self._seal(plain, self._encode_prefix + short, self._precom)
        return 0, _MESSAGE_PREFIX + short + box

    def decode(self, flags: int, body: bytes) -> tuple[int, bytes] | None:
        size = len(body)
        if size <= 1 or size <= body[0]:
            raise ProtocolError("malformed command frame",
                                code=MALFORMED_COMMAND_UNSPECIFIED)
        if body[:8] != _MESSAGE_PREFIX:
            raise ProtocolError("expected a CURVE MESSAGE command", code=UNEXPECTED_COMMAND)
        if size < _MESSAGE_MIN_SIZE:
            raise ProtocolError("malformed CURVE MESSAGE", code=MALFORMED_COMMAND_MESSAGE)
        short = body[8:16]
        nonce = int.from_bytes(short, "big")
        if nonce <= self._cn_peer_nonce:
            raise ProtocolError("CURVE MESSAGE nonce not increasing (replayed or reordered)",
                                code=INVALID_SEQUENCE)
        self._cn_peer_nonce = nonce  # libzmq records it before opening the box
        if self._easy is not None:
            ffi, lib = self._easy
            plain_out = bytearray(size - 32)
            if lib.crypto_box_open_easy_afternm(
                    ffi.from_buffer(plain_out), ffi.from_buffer(memoryview(body)[16:]),
                    size - 16, self._decode_prefix + short, self._precom):
                raise ProtocolError("cannot open CURVE MESSAGE box", code=CRYPTOGRAPHIC)
            return ((flags & (_FRAME_MORE | _FRAME_COMMAND)) | _FRAME_FROM_INNER[plain_out[0]],
                    bytes(memoryview(plain_out)[1:]))
        try:
            plain = self._open(body[16:], self._decode_prefix + short, self._precom)
        except self._box_errors:
            raise ProtocolError("cannot open CURVE MESSAGE box", code=CRYPTOGRAPHIC) from None
        # libzmq ORs the decrypted flags into those of the carrying frame.
        return (flags & (_FRAME_MORE | _FRAME_COMMAND)) | _FRAME_FROM_INNER[plain[0]], plain[1:]

    # -- helpers ----------------------------------------------------------

    def _box_open(self, ciphertext: bytes, nonce: bytes, public: bytes, secret: bytes,
                  what: str, code: int = CRYPTOGRAPHIC) -> bytes:
        try:
            return self._nacl.crypto_box_open(ciphertext, nonce, public, secret)
        except self._box_errors:
            raise ProtocolError(f"cannot open CURVE {what} box", code=code) from None


class CurveClientMechanism(_CurveBase):
    """The connecting (client) side of CURVE.

    Reads ``curve_serverkey`` (S, required in practice), ``curve_publickey``
    and ``curve_secretkey`` (C, c) from ``context.security``.  Unset keys
    count as 32 zero octets like libzmq's, except that a missing public key
    is derived from the secret key when that one is set.
    """

    _encode_prefix = _CLIENT_MESSAGE_NONCE
    _decode_prefix = _SERVER_MESSAGE_NONCE

    def __init__(self) -> None:
        super().__init__()
        self._state = "send hello"
        self._server_key = _ZERO_KEY
        self._public_key = _ZERO_KEY
        self._secret_key = _ZERO_KEY
        self._cn_server: bytes | None = None
        self._cookie = b""

    @property
    def complete(self) -> bool:
        return self._state == "connected"

    def start(self, context: HandshakeContext) -> list[bytes]:
        self._context = context
        sec = context.security
        self._server_key = _key(sec.curve_serverkey, "curve_serverkey")
        self._secret_key = _key(sec.curve_secretkey, "curve_secretkey")
        if sec.curve_publickey is None and sec.curve_secretkey is not None:
            self._public_key = self._nacl.crypto_scalarmult_base(self._secret_key)
        else:
            self._public_key = _key(sec.curve_publickey, "curve_publickey")
        hello = self._produce_hello()
        self._state = "expect welcome"
        return [hello]

    def _produce_hello(self) -> bytes:
        short = self._next_nonce()
        signature = self._nacl.crypto_box(bytes(64), _HELLO_NONCE + short,
                                          self._server_key, self._cn_secret)
        return (_HELLO_PREFIX + b"\x01\x00" + bytes(72) + self._cn_public + short
                + signature)

    def process_command(self, name: bytes, data: bytes) -> list[bytes]:
        assert self._context is not None
        if self._state not in ("expect welcome", "expect ready"):
            raise ProtocolError(f"unexpected {name!r} in CURVE handshake",
                                code=UNEXPECTED_COMMAND)
        msg = bytes((len(name),)) + name + data
        # libzmq dispatches on the command name alone, whatever the state.
        if name == WELCOME:
            self._process_welcome(msg)
            initiate = self._produce_initiate()
            self._state = "expect ready"
            return [initiate]
        if name == READY:
            self._process_ready(msg)
            return []
        if name == ERROR:
            # Normally intercepted by the connection; kept for completeness.
            self._process_error(msg)
        raise ProtocolError(f"unexpected {name!r} in CURVE handshake", code=UNEXPECTED_COMMAND)

    def _process_welcome(self, msg: bytes) -> None:
        if len(msg) != _WELCOME_SIZE:
            raise ProtocolError("malformed CURVE WELCOME", code=CRYPTOGRAPHIC)
        plain = self._box_open(msg[24:168], _WELCOME_NONCE + msg[8:24],
                               self._server_key, self._cn_secret, "WELCOME")
        self._cn_server = plain[:32]
        self._cookie = plain[32:128]
        self._precom = self._nacl.crypto_box_beforenm(self._cn_server, self._cn_secret)

    def _produce_initiate(self) -> bytes:
        nacl = self._nacl
        assert self._context is not None and self._cn_server is not None
        metadata = encode_metadata(self._context.properties)
        vouch_nonce = _VOUCH_NONCE + nacl.randombytes(16)
        vouch = nacl.crypto_box(self._cn_public + self._server_key, vouch_nonce,
                                self._cn_server, self._secret_key)
        short = self._next_nonce()
        box = self._seal(self._public_key + vouch_nonce[8:] + vouch + metadata,
                         _INITIATE_NONCE + short, self._precom)
        return _INITIATE_PREFIX + self._cookie + short + box

    def _process_ready(self, msg: bytes) -> None:
        if len(msg) < _READY_MIN_SIZE:
            raise ProtocolError("malformed CURVE READY", code=MALFORMED_COMMAND_READY)
        short = msg[6:14]
        self._cn_peer_nonce = int.from_bytes(short, "big")
        if self._precom is None:
            # READY before WELCOME: libzmq tries an unset key and fails.
            raise ProtocolError("cannot open CURVE READY box", code=CRYPTOGRAPHIC)
        try:
            plain = self._open(msg[14:], _READY_NONCE + short, self._precom)
        except self._box_errors:
            raise ProtocolError("cannot open CURVE READY box", code=CRYPTOGRAPHIC) from None
        assert self._context is not None
        try:
            properties = decode_metadata(plain)
            self._context.validate_properties(properties)
        except ProtocolError as exc:
            raise ProtocolError(exc.reason, code=INVALID_METADATA) from None
        self.peer_properties = properties
        self._state = "connected"

    def _process_error(self, msg: bytes) -> None:
        if len(msg) < 7 or msg[6] > len(msg) - 7:
            raise ProtocolError("malformed ERROR command", code=MALFORMED_COMMAND_ERROR)
        reason = msg[7:7 + msg[6]]
        status = None
        if len(reason) == 3 and reason[1:] == b"00" and 0x33 <= reason[0] <= 0x35:
            status = (reason[0] - 0x30) * 100
        self._state = "error received"
        raise ProtocolError(f"peer sent ERROR {reason!r}", auth_status=status)


class CurveServerMechanism(_CurveBase):
    """The accepting (server) side of CURVE.

    Reads ``curve_secretkey`` (s), ``zap_domain`` and ``zap_enforce_domain``
    from ``context.security``; authenticates through ``context.zap(b"CURVE",
    [C])`` following libzmq 4.3.5's policy: ask ZAP when a domain is set or
    ``zap_enforce_domain`` is off; with no ZAP handler, accept unless
    ``zap_enforce_domain`` is on (then fail, libzmq's EFAULT no-detail).
    """

    _encode_prefix = _SERVER_MESSAGE_NONCE
    _decode_prefix = _CLIENT_MESSAGE_NONCE

    def __init__(self) -> None:
        super().__init__()
        self._state = "waiting for hello"
        self._secret_key = _ZERO_KEY
        self._cn_client = b""
        self._cookie_key = b""
        #: The client's long-term public key C, once INITIATE checked out.
        self.client_key: bytes | None = None

    @property
    def complete(self) -> bool:
        return self._state == "ready"

    def start(self, context: HandshakeContext) -> list[bytes]:
        self._context = context
        self._secret_key = _key(context.security.curve_secretkey, "curve_secretkey")
        return []  # the client speaks first

    def process_command(self, name: bytes, data: bytes) -> list[bytes]:
        msg = bytes((len(name),)) + name + data
        if self._state == "waiting for hello":
            self._check_structure(msg)
            self._process_hello(msg)
            self._state = "waiting for initiate"
            return [self._produce_welcome()]
        if self._state == "waiting for initiate":
            self._check_structure(msg)
            return self._process_initiate(msg)
        raise ProtocolError(f"unexpected {name!r} in CURVE handshake", code=ZMTP_UNSPECIFIED)

    @staticmethod
    def _check_structure(msg: bytes) -> None:
        if len(msg) <= 1 or len(msg) <= msg[0]:
            raise ProtocolError("malformed command", code=MALFORMED_COMMAND_UNSPECIFIED)

    def _process_hello(self, msg: bytes) -> None:
        if not msg.startswith(_HELLO_PREFIX):
            raise ProtocolError("expected CURVE HELLO", code=UNEXPECTED_COMMAND)
        if len(msg) != _HELLO_SIZE:
            raise ProtocolError("malformed CURVE HELLO", code=MALFORMED_COMMAND_HELLO)
        if msg[6] != 1 or msg[7] != 0:
            raise ProtocolError(f"unsupported CurveZMQ version {msg[6]}.{msg[7]}",
                                code=MALFORMED_COMMAND_HELLO)
        self._cn_client = msg[80:112]
        short = msg[112:120]
        self._cn_peer_nonce = int.from_bytes(short, "big")
        # The signature box only proves the client knows S; libzmq does not
        # look at the 64 octets inside (nor at the padding).
        self._box_open(msg[120:200], _HELLO_NONCE + short, self._cn_client,
                       self._secret_key, "HELLO (wrong server key?)")

    def _produce_welcome(self) -> bytes:
        nacl = self._nacl
        cookie_nonce = nacl.randombytes(16)
        self._cookie_key = nacl.randombytes(32)  # fresh for every connection
        cookie = nacl.crypto_secretbox(self._cn_client + self._cn_secret,
                                       _COOKIE_NONCE + cookie_nonce, self._cookie_key)
        welcome_nonce = nacl.randombytes(16)
        box = nacl.crypto_box(self._cn_public + cookie_nonce + cookie,
                              _WELCOME_NONCE + welcome_nonce, self._cn_client,
                              self._secret_key)
        return _WELCOME_PREFIX + welcome_nonce + box

    def _process_initiate(self, msg: bytes) -> list[bytes]:
        nacl = self._nacl
        if not msg.startswith(_INITIATE_PREFIX):
            raise ProtocolError("expected CURVE INITIATE", code=UNEXPECTED_COMMAND)
        if len(msg) < _INITIATE_MIN_SIZE:
            raise ProtocolError("malformed CURVE INITIATE", code=MALFORMED_COMMAND_INITIATE)
        try:
            cookie = nacl.crypto_secretbox_open(msg[25:105], _COOKIE_NONCE + msg[9:25],
                                                self._cookie_key)
        except self._box_errors:
            raise ProtocolError("cannot open CURVE INITIATE cookie", code=CRYPTOGRAPHIC) from None
        if cookie[:32] != self._cn_client or cookie[32:64] != self._cn_secret:
            raise ProtocolError("CURVE INITIATE cookie is not ours", code=CRYPTOGRAPHIC)
        short = msg[105:113]
        self._cn_peer_nonce = int.from_bytes(short, "big")
        plain = self._box_open(msg[113:], _INITIATE_NONCE + short, self._cn_client,
                               self._cn_secret, "INITIATE")
        client_key = plain[:32]
        vouch = self._box_open(plain[48:128], _VOUCH_NONCE + plain[32:48], client_key,
                               self._cn_secret, "INITIATE vouch")
        # libzmq checks the vouched short-term key only (not the S after it).
        if vouch[:32] != self._cn_client:
            raise ProtocolError("CURVE vouch does not match the client's short-term key",
                                code=KEY_EXCHANGE)
        self._precom = nacl.crypto_box_beforenm(self._cn_client, self._cn_secret)
        self.client_key = client_key

        assert self._context is not None
        sec = self._context.security
        enforce = bool(sec.zap_enforce_domain)
        waiting = False
        if sec.zap_domain or not enforce:
            if self._context.zap(b"CURVE", [client_key]):
                waiting = True
            elif enforce:
                raise ProtocolError("CURVE server: zap_enforce_domain without a ZAP handler",
                                    no_detail=_EFAULT)
            # else: the Stonehouse pattern, encryption without authentication
        # libzmq parses the metadata after sending the ZAP request; a bad
        # list fails without a protocol monitor event (code stays None).
        properties = decode_metadata(plain[128:])
        self._context.validate_properties(properties)
        self.peer_properties = properties
        if waiting:
            self._state = "waiting for zap reply"
            return []
        self._state = "ready"
        return [self._produce_ready()]

    def resume(self) -> list[bytes]:
        reply = self.zap_reply
        if self._state != "waiting for zap reply" or reply is None:
            return []
        self.user_id = reply.user_id
        self.zap_properties = list(reply.properties)
        status = reply.status_code
        if status[:1] == b"2":
            self._state = "ready"
            return [self._produce_ready()]
        code = int(status)
        if status[:1] == b"3":
            # libzmq (zap_client.cpp): a temporary failure sends no ERROR and
            # goes to its "error sent" state: the handshake stalls there.
            self._state = "error"
            return []
        self._state = "error"
        raise MechanismFailure(f"ZAP refused the client ({code})", [encode_error(status)],
                               auth_status=code)

    def _produce_ready(self) -> bytes:
        assert self._context is not None
        metadata = encode_metadata(self._context.properties)
        short = self._next_nonce()
        box = self._seal(metadata, _READY_NONCE + short, self._precom)
        return _READY_PREFIX + short + box
