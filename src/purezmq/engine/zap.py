"""The server side of ZAP (RFC 27): asking the handler about a peer.

Owns one connection's request to the ZAP handler bound at
inproc://zeromq.zap.01: the pipe to it (made as libzmq's session does,
straight into the handler's socket), the request frames, and the checks
on the reply before the mechanism sees it.  The handler answers from its
own thread; the answer is handed to the engine's thread and the
engine resumes the handshake there.
"""

from __future__ import annotations

from typing import Any

from ..zmtp import ProtocolError
from ..zmtp.commands import decode_metadata
from ..zmtp.mechanisms.base import ZapReply

ENDPOINT = "zeromq.zap.01"
_VERSION = b"1.0"
_REQUEST_ID = b"1"
_STATUS_CODES = (b"200", b"300", b"400", b"500")

# libzmq's ZMQ_PROTOCOL_ERROR_ZAP_* values, reported with HANDSHAKE_FAILED_PROTOCOL.
ZAP_UNSPECIFIED = 0x20000000
ZAP_MALFORMED_REPLY = 0x20000001
ZAP_BAD_REQUEST_ID = 0x20000002
ZAP_BAD_VERSION = 0x20000003
ZAP_INVALID_STATUS_CODE = 0x20000004
ZAP_INVALID_METADATA = 0x20000005


class ZapRequest:
    """One pending question to the ZAP handler, for one engine."""

    def __init__(self, engine: Any, pipe: Any) -> None:
        self.engine = engine
        self.pipe = pipe

    @classmethod
    def send(cls, engine: Any, registry: Any, request: list) -> "ZapRequest | None":
        """Send `request` to the handler; None when no handler is bound."""
        zap = cls(engine, None)
        pipe = registry.zap_pipe(zap)
        if pipe is None:
            return None
        zap.pipe = pipe
        pipe.force_write([b""] + request)  # the empty frame: REP's envelope
        return zap

    # -- the pipe's sink interface (called from the handler's thread) -------
    def read_activated(self, pipe: Any) -> None:
        self.engine.io.post(self._reply_arrived)

    def write_activated(self, pipe: Any) -> None:
        pass

    def pipe_terminated(self, pipe: Any) -> None:
        self.engine.io.post(self._reply_arrived)  # the handler went away

    # -- on the engine's thread ----------------------------------------------
    def _reply_arrived(self) -> None:
        pipe = self.pipe
        if pipe is None:
            return
        msg = pipe.read()
        if msg is None:
            if not pipe.terminated:
                return  # a duplicate wake-up
            self.close()
            self.engine.zap_failed(ProtocolError("the ZAP handler went away",
                                                 code=ZAP_UNSPECIFIED))
            return
        self.close()
        try:
            reply = parse_reply([bytes(part) for part in msg])
        except ProtocolError as e:
            self.engine.zap_failed(e)
            return
        self.engine.zap_answered(reply)

    def close(self) -> None:
        pipe, self.pipe = self.pipe, None
        if pipe is not None:
            pipe.terminate()


def build_request(domain: bytes, address: bytes, routing_id: bytes, mechanism: bytes,
                  credentials: list) -> list:
    """The request frames after REP's envelope (RFC 27, libzmq's order)."""
    return [_VERSION, _REQUEST_ID, domain, address, routing_id, mechanism] + list(credentials)


def parse_reply(frames: list) -> ZapReply:
    """Check a reply as libzmq's zap_client does; ProtocolError if it is bad."""
    if len(frames) != 7:
        raise ProtocolError("malformed ZAP reply", code=ZAP_MALFORMED_REPLY)
    delimiter, version, request_id, status, text, user_id, metadata = frames
    if delimiter:
        raise ProtocolError("ZAP reply without its empty delimiter", code=ZAP_UNSPECIFIED)
    if version != _VERSION:
        raise ProtocolError(f"ZAP reply version {version!r}", code=ZAP_BAD_VERSION)
    if request_id != _REQUEST_ID:
        raise ProtocolError("ZAP reply to another request", code=ZAP_BAD_REQUEST_ID)
    if status not in _STATUS_CODES:
        raise ProtocolError(f"ZAP status code {status!r}", code=ZAP_INVALID_STATUS_CODE)
    try:
        properties = decode_metadata(metadata)
    except ProtocolError:
        raise ProtocolError("ZAP reply metadata", code=ZAP_INVALID_METADATA) from None
    return ZapReply(status, text, user_id, properties)
