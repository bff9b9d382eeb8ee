"""Sans-I/O ZMTP 3.x codec, wire-compatible with libzmq 4.3.5.

Specifications followed: RFC 23 (ZMTP 3.0), RFC 37 (ZMTP 3.1), with the
greeting detection of RFC 13/15 (ZMTP 1.0/2.0) reserved for later.  This
package imports nothing else from purezmq and does no I/O: it has no
sockets, threads, locks or clocks, so it can be tested and fuzzed alone.

Typical use by an engine::

    conn = Connection("DEALER", identity=b"me")
    transport.write(conn.data_to_send())          # our signature
    for item in conn.receive_data(transport.read()):
        if type(item) is list: ...                # a complete data message
        else: ...                                 # an event (events.py)
    if conn.handshake_done: conn.send_message([b"hello"])
    transport.writev(conn.data_to_send())

Chunks returned by ``data_to_send`` reference the payloads passed to
``send_message``; do not mutate those until written.
"""

from .connection import Connection
from .errors import ProtocolError, UsageError
from .events import Cancel, Event, HandshakeComplete, PeerError, Ping, Pong, Subscribe
from .greeting import LegacyPeerDetected, PeerGreeting
from .mechanisms import HandshakeContext, Mechanism, MechanismFailure, NullMechanism

__all__ = [
    "Connection",
    "ProtocolError",
    "UsageError",
    "LegacyPeerDetected",
    "Event",
    "HandshakeComplete",
    "Subscribe",
    "Cancel",
    "Ping",
    "Pong",
    "PeerError",
    "PeerGreeting",
    "Mechanism",
    "MechanismFailure",
    "HandshakeContext",
    "NullMechanism",
]
