"""Which security mechanism a connection runs, from its socket's options.

libzmq picks it from the last security option written (PLAIN_SERVER,
PLAIN_USERNAME, CURVE_SERVER...), which Options records as `mechanism` and
`as_server`; this module turns that into a codec mechanism and the
credentials it reads.  CURVE needs PyNaCl and says so when it is missing.
"""

from __future__ import annotations

from typing import Any

from ..constants import SecurityMechanism as M
from ..zmtp.mechanisms import NullMechanism
from ..zmtp.mechanisms.base import SecurityOptions
from ..zmtp.mechanisms.plain import PlainClientMechanism, PlainServerMechanism


def _as_bytes(value: Any) -> bytes:
    if isinstance(value, str):
        return value.encode()
    return bytes(value or b"")


def _key(value: Any) -> bytes | None:
    value = _as_bytes(value)
    return value or None


def security_options(opts: Any) -> SecurityOptions:
    return SecurityOptions(
        plain_username=_as_bytes(opts.plain_username),
        plain_password=_as_bytes(opts.plain_password),
        curve_publickey=_key(getattr(opts, "curve_publickey", b"")),
        curve_secretkey=_key(getattr(opts, "curve_secretkey", b"")),
        curve_serverkey=_key(getattr(opts, "curve_serverkey", b"")),
        zap_domain=_as_bytes(opts.zap_domain),
        zap_enforce_domain=bool(opts.zap_enforce_domain),
        routing_id=_as_bytes(opts.routing_id),
    )


def mechanism_for(opts: Any) -> tuple:
    """(mechanism, as_server) for a new connection of a socket."""
    kind = int(opts.mechanism)
    server = bool(opts.as_server)
    if kind == M.PLAIN:
        return (PlainServerMechanism() if server else PlainClientMechanism()), server
    if kind == M.CURVE:
        from ..zmtp.mechanisms.curve import CurveClientMechanism, CurveServerMechanism
        return (CurveServerMechanism() if server else CurveClientMechanism()), server
    return NullMechanism(), False
