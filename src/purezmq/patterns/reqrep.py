"""DEALER, ROUTER, REQ, REP (RFC 28): request-reply and its building blocks.

DEALER load-balances out and fair-queues in.  ROUTER addresses output by
the peer's routing id (the first frame) and prepends it on receive; a peer
is routable once its handshake told us who it is, or was given a generated
id.  REQ is a DEALER with an empty delimiter frame and strict send/recv
alternation; REP is a ROUTER that keeps the envelope of the request it is
answering.  State errors are EFSM, unknown peers with ROUTER_MANDATORY are
EHOSTUNREACH, as in libzmq 4.3.
"""

from __future__ import annotations

import errno
import os
import struct
from typing import Any

from ..constants import Errno, SocketType
from ..core.socket import SocketBase
from ..error import ZMQError
from ..routing.fq import FairQueue
from ..routing.lb import LoadBalancer

EFSM = int(Errno.EFSM)  # libzmq's own errno: not in Python's errno module


def peer_identity(pipe: Any) -> bytes:
    """The routing id a peer announced (READY's Identity, or inproc's)."""
    meta = pipe.metadata
    return meta.get("Identity", b"") if meta else b""


class Dealer(SocketBase):
    socket_type = SocketType.DEALER
    zmtp_name = "DEALER"

    def __init__(self, ctx: Any) -> None:
        super().__init__(ctx)
        self._lb = LoadBalancer()
        self._fq = FairQueue()
        self._xsend = self._lb.send
        self._xrecv = self._fq.recv

    def _xattach(self, pipe: Any) -> None:
        if self.options.probe_router:
            pipe.force_write([b""])
        self._lb.attach(pipe)
        self._fq.attach(pipe)

    def _xread_activated(self, pipe: Any) -> None:
        self._fq.activated(pipe)

    def _xwrite_activated(self, pipe: Any) -> None:
        self._lb.activated(pipe)

    def _xterminated(self, pipe: Any) -> None:
        self._lb.terminated(pipe)
        self._fq.terminated_when_drained(pipe)

    def _xhas_in(self) -> bool:
        return self._fq.has_in()

    def _xhas_out(self) -> bool:
        return self._lb.has_out()


class Req(Dealer):
    socket_type = SocketType.REQ
    zmtp_name = "REQ"

    def __init__(self, ctx: Any) -> None:
        super().__init__(ctx)
        del self._xsend, self._xrecv  # REQ adds state to both directions
        self._receiving_reply = False
        self._reply_pipe: Any = None
        self._request_id = struct.unpack("I", os.urandom(4))[0]

    def _xterminated(self, pipe: Any) -> None:
        if pipe is self._reply_pipe:
            self._reply_pipe = None
        super()._xterminated(pipe)

    def _check_may_send(self) -> None:
        if self._receiving_reply and not self.options.req_relaxed:
            raise ZMQError(EFSM)

    def _xsend_begin(self, frame: Any) -> bool:
        self._check_may_send()
        return self._lb.has_out()

    def _xsend(self, msg: list) -> bool:
        self._check_may_send()
        if self.options.req_correlate:
            request_id = (self._request_id + 1) & 0xFFFFFFFF
            head = [struct.pack("I", request_id), b""]
        else:
            request_id = self._request_id
            head = [b""]
        if not self._lb.has_out():
            return False
        # libzmq drops whatever replies are already queued: a late answer to
        # an abandoned request must never pass for this one's.  Before the
        # send, or a fast peer's answer to this very request could go too.
        fq = self._fq
        if fq.has_active():
            while fq.recv() is not None:
                pass
        pipe = self._lb.send(head + msg)
        if pipe is None:
            return False
        self._request_id = request_id
        self._reply_pipe = pipe
        self._receiving_reply = True
        return True

    @staticmethod
    def inbound_ok(msg: list) -> bool:
        """What a REQ accepts off the wire (libzmq's req_session_t).

        An empty delimiter, optionally after a 4-byte request id, then at
        least one body frame; anything else closes the connection.
        """
        n = len(msg)
        if n >= 2 and not len(msg[0]):
            return True
        return n >= 3 and len(msg[0]) == 4 and not len(msg[1])

    def _xrecv(self) -> Any:
        if not self._receiving_reply:
            raise ZMQError(EFSM)
        fq = self._fq
        correlate = self.options.req_correlate
        while True:
            msg = fq.recv()
            if msg is None:
                return None
            reply_pipe = self._reply_pipe
            if reply_pipe is not None and fq.last is not reply_pipe:
                continue  # a reply to a request we did not make of this peer
            # (With the peer gone, libzmq takes what is still queued: the
            # answer it sent just before closing.)
            if correlate:
                if len(msg) < 3 or msg[0] != struct.pack("I", self._request_id) or len(msg[1]):
                    continue
                body = msg[2:]
            else:
                if len(msg) < 2 or len(msg[0]):
                    continue
                body = msg[1:]
            self._receiving_reply = False
            self._reply_pipe = None
            return body

    def _xhas_in(self) -> bool:
        return self._receiving_reply and self._fq.has_in()

    def _xhas_out(self) -> bool:
        if self._receiving_reply and not self.options.req_relaxed:
            return False
        return self._lb.has_out()


class Router(SocketBase):
    socket_type = SocketType.ROUTER
    zmtp_name = "ROUTER"

    def __init__(self, ctx: Any) -> None:
        super().__init__(ctx)
        self._fq = FairQueue()
        self._out: dict[bytes, Any] = {}
        self._anonymous: set = set()
        self._next_id = struct.unpack(">I", os.urandom(4))[0]

    # -- identities ----------------------------------------------------------
    def _generated_id(self) -> bytes:
        self._next_id = (self._next_id + 1) & 0xFFFFFFFF
        return b"\x00" + struct.pack(">I", self._next_id)

    def _identify(self, pipe: Any) -> bool:
        """Give the pipe its routing id; False if it cannot have one yet."""
        if pipe.routing_id is not None:
            return True
        if pipe.locally_initiated and pipe.connect_routing_id:
            rid = pipe.connect_routing_id
        else:
            if not pipe.metadata:
                return False  # handshake not done: identify on peer_ready
            rid = peer_identity(pipe)
        if not rid:
            rid = self._generated_id()
        elif rid in self._out:
            if not self.options.router_handover:
                return False  # libzmq ignores a peer with a duplicate id
            old = self._out.pop(rid)
            old.routing_id = self._generated_id()
            self._out[old.routing_id] = old
            old.terminate()
        pipe.routing_id = rid
        self._out[rid] = pipe
        return True

    def _xattach(self, pipe: Any) -> None:
        if self.options.probe_router:
            pipe.force_write([b""])
        if self._identify(pipe):
            self._fq.attach(pipe)
        else:
            self._anonymous.add(pipe)

    def _xpeer_ready(self, pipe: Any) -> None:
        if pipe in self._anonymous and self._identify(pipe):
            self._anonymous.discard(pipe)
            self._fq.attach(pipe)

    def _xread_activated(self, pipe: Any) -> None:
        if pipe in self._anonymous:
            self._xpeer_ready(pipe)
            return
        self._fq.activated(pipe)

    def _xterminated(self, pipe: Any) -> None:
        if pipe in self._anonymous:
            self._anonymous.discard(pipe)
            return
        rid = pipe.routing_id
        if rid is not None and self._out.get(rid) is pipe:
            del self._out[rid]
        self._fq.terminated_when_drained(pipe)

    # -- data ------------------------------------------------------------------
    def _route(self, rid: Any) -> Any:
        """The pipe for a routing id frame, or None; EHOSTUNREACH if mandatory."""
        key = rid if type(rid) is bytes else bytes(rid)
        pipe = self._out.get(key)
        if pipe is None or pipe.peer_gone:
            if self.options.router_mandatory:
                raise ZMQError(errno.EHOSTUNREACH)
            return None
        return pipe

    def _xsend_begin(self, frame: Any) -> bool:
        pipe = self._route(frame)
        if pipe is not None and self.options.router_mandatory:
            return pipe.check_write()
        return True

    def _xsend(self, msg: list) -> bool:
        if len(msg) < 2:
            return True  # an id with nothing after it: libzmq drops it
        pipe = self._route(msg[0])
        if pipe is None:
            return True
        if pipe.write(msg[1:]):
            return True
        # At the HWM: dropped, unless the application asked to know.
        return not self.options.router_mandatory

    def _xrecv(self) -> Any:
        fq = self._fq
        msg = fq.recv()
        if msg is None:
            return None
        return [fq.last.routing_id, *msg]

    def _xhas_in(self) -> bool:
        return self._fq.has_in()

    def _xhas_out(self) -> bool:
        if not self.options.router_mandatory:
            return True
        return any(p.check_write() for p in self._out.values())


class Rep(Router):
    socket_type = SocketType.REP
    zmtp_name = "REP"

    def __init__(self, ctx: Any) -> None:
        super().__init__(ctx)
        self._sending_reply = False
        self._envelope: list = []
        self._reply_pipe: Any = None

    def _xrecv(self) -> Any:
        if self._sending_reply:
            raise ZMQError(EFSM)
        fq = self._fq
        while True:
            msg = fq.recv()
            if msg is None:
                return None
            # The envelope runs to the first empty frame; the body follows.
            for i, frame in enumerate(msg):
                if not len(frame):
                    break
            else:
                continue  # no delimiter: malformed, dropped as libzmq does
            if i == len(msg) - 1:
                continue
            self._envelope = msg[:i + 1]
            self._reply_pipe = fq.last
            self._sending_reply = True
            return msg[i + 1:]

    def _xsend_begin(self, frame: Any) -> bool:
        if not self._sending_reply:
            raise ZMQError(EFSM)
        return True

    def _xsend(self, msg: list) -> bool:
        if not self._sending_reply:
            raise ZMQError(EFSM)
        pipe = self._reply_pipe
        if pipe is not None and not pipe.peer_gone:
            pipe.write(self._envelope + msg)
        self._sending_reply = False
        self._reply_pipe = None
        self._envelope = []
        return True

    def _xhas_in(self) -> bool:
        return not self._sending_reply and self._fq.has_in()

    def _xhas_out(self) -> bool:
        return self._sending_reply
