"""STREAM: raw TCP peers addressed by routing id (libzmq's stream_t).

Not implemented yet: creating one raises ENOTSUP rather than handing out a
socket that would silently misbehave.
"""

from __future__ import annotations

import errno
from typing import Any

from ..constants import SocketType
from ..core.socket import SocketBase
from ..error import ZMQError


class Stream(SocketBase):
    socket_type = SocketType.STREAM
    zmtp_name = "STREAM"

    def __init__(self, ctx: Any) -> None:
        raise ZMQError(errno.ENOTSUP, "STREAM sockets are not implemented yet")
