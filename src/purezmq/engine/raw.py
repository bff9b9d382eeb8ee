"""The raw codec: STREAM sockets' bytes, no ZMTP at all.

Same interface as `purezmq.zmtp.Connection`, so the stream engine drives
it unchanged: every chunk read from the OS becomes a one-frame message,
and every message written goes out as its bytes.  There is no handshake:
`handshake_done` is true from the start.
"""

from __future__ import annotations

from typing import Any


class RawCodec:
    handshake_done = True
    has_mechanism = False  # nothing negotiated: no heartbeats (libzmq's raw engine)
    peer_version = (0, 0)
    peer_metadata: dict = {}

    def __init__(self) -> None:
        self.outgoing: list = []

    def receive_data(self, data: bytes) -> list:
        return [[bytes(data)]]

    def send_message(self, frames: Any) -> None:
        for frame in frames:
            if len(frame):
                self.outgoing.append(frame)

    def data_to_send(self) -> list:
        out, self.outgoing = self.outgoing, []
        return out

    def send_subscribe(self, topic: bytes) -> None:
        pass

    send_cancel = send_subscribe
