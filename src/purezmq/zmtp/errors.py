"""Exceptions raised by the sans-I/O ZMTP codec.

Two kinds of failure exist and they must never be confused:

* :class:`ProtocolError` -- the *peer* sent something that ZMTP (RFC 23/37)
  or libzmq 4.3.5 would refuse.  The connection is dead afterwards: every
  further ``receive_data`` call raises again.  Output queued before the
  error (for instance an ERROR command) may still be fetched with
  ``data_to_send`` and written best-effort before closing the transport.
* :class:`UsageError` -- *we*, the caller, misused the codec (sent a message
  before the handshake, passed a bad argument...).  The connection state is
  left untouched.
"""

from __future__ import annotations

__all__ = ["ProtocolError", "UsageError"]


class ProtocolError(Exception):
    """The peer violated the protocol; ``reason`` says how."""

    def __init__(self, reason: str, *, code: int | None = None,
                 auth_status: int | None = None, no_detail: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        #: Events and messages decoded from the same ``receive_data`` call
        #: before the error was detected (libzmq delivers those too).
        self.events: list = []
        #: libzmq's ZMQ_PROTOCOL_ERROR_* value for the HANDSHAKE_FAILED_PROTOCOL
        #: monitor event (None: unspecified).
        self.code = code
        #: A ZAP status code (300, 400, 500) when authentication refused the
        #: peer: the monitor then reports HANDSHAKE_FAILED_AUTH instead.
        self.auth_status = auth_status
        #: An errno for HANDSHAKE_FAILED_NO_DETAIL (a PLAIN server with no
        #: ZAP handler: EFAULT), when libzmq reports the failure that way.
        self.no_detail = no_detail


class UsageError(Exception):
    """The caller misused the codec API."""
