"""Security mechanisms pluggable into the ZMTP connection (RFC 23
"Authentication and Confidentiality").  Only NULL exists so far; PLAIN
(RFC 24) and CURVE (RFC 25/26) implement :class:`Mechanism` later."""

from .base import HandshakeContext, Mechanism, MechanismFailure
from .curve import CurveClientMechanism, CurveServerMechanism
from .null import NullMechanism

__all__ = ["Mechanism", "HandshakeContext", "MechanismFailure", "NullMechanism",
           "CurveClientMechanism", "CurveServerMechanism"]
