"""Socket types: one table from type number to implementing class.

Which peer types each type accepts on the wire lives with the ZMTP codec
(`purezmq.zmtp.commands.COMPATIBLE_PEERS`), the one place the handshake
checks it; this table only says which class builds which socket.
"""

from __future__ import annotations

from ..constants import SocketType as T
from .pair import Pair
from .pipeline import Pull, Push
from .pubsub import Pub, Sub, XPub, XSub
from .reqrep import Dealer, Rep, Req, Router
from .stream import Stream

SOCKET_CLASSES = {
    T.PAIR: Pair,
    T.PUB: Pub,
    T.SUB: Sub,
    T.REQ: Req,
    T.REP: Rep,
    T.DEALER: Dealer,
    T.ROUTER: Router,
    T.PULL: Pull,
    T.PUSH: Push,
    T.XPUB: XPub,
    T.XSUB: XSub,
    T.STREAM: Stream,
}
