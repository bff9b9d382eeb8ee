"""STREAM: raw TCP peers addressed by routing id (libzmq's stream_t).

No ZMTP: the engine moves bytes (engine/raw.py).  Each peer gets a
generated 5-byte routing id (or CONNECT_ROUTING_ID); receiving gives
[id, data], with an empty data frame announcing a connect or a disconnect
(STREAM_NOTIFY).  Sending takes [id, data]; an empty data frame closes
that connection after what was queued before it.  An unknown id is
EHOSTUNREACH and a full pipe EAGAIN, always (libzmq's STREAM is strict).
"""

from __future__ import annotations

import errno
from typing import Any

from ..constants import SocketType
from ..error import ZMQError
from .reqrep import Router


class Stream(Router):
    socket_type = SocketType.STREAM
    zmtp_name = "STREAM"
    raw = True

    def _identify(self, pipe: Any) -> bool:
        if pipe.routing_id is not None:
            return True
        if pipe.locally_initiated and pipe.connect_routing_id:
            rid = pipe.connect_routing_id
        else:
            rid = self._generated_id()
            # libzmq leaves the id it made in ROUTING_ID: an application
            # that just connected reads its peer's id there.
            self.options.routing_id = rid
        pipe.routing_id = rid
        self._out[rid] = pipe
        return True

    def _stream_route(self, rid: Any) -> Any:
        pipe = self._out.get(rid if type(rid) is bytes else bytes(rid))
        if pipe is None or pipe.peer_gone:
            raise ZMQError(errno.EHOSTUNREACH)
        return pipe

    def _xsend_begin(self, frame: Any) -> bool:
        return self._stream_route(frame).check_write()

    def _xsend(self, msg: list) -> bool:
        # libzmq takes frames in pairs (MORE is ignored on the data frame):
        # [id, data, id, data...]; a last id alone is dropped.
        if len(msg) > 2:
            pipes = [self._stream_route(msg[i]) for i in range(0, len(msg) - 1, 2)]
            if not all(p.check_write() for p in pipes):
                return False
            for i, pipe in zip(range(0, len(msg) - 1, 2), pipes):
                self._send_data(pipe, msg[i + 1])
            return True
        if len(msg) < 2:
            return True  # an id alone: ignored, as libzmq does
        return self._send_data(self._stream_route(msg[0]), msg[1])

    def _send_data(self, pipe: Any, data: Any) -> bool:
        if not len(data):
            self._detach_pipe(pipe)  # close that connection
            return True
        return pipe.write([data])

    def _xhas_out(self) -> bool:
        return True
