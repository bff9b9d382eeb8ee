"""pyzmq's zmq.backend names: in purezmq there is one backend, Python itself."""

from __future__ import annotations

from .. import has
from ..curve_keys import curve_keypair, curve_public
from ..error import strerror, zmq_errno
from ..proxy import proxy, proxy_steerable
from ..sugar import Context, Frame, Message, Socket
from ..sugar.poll import zmq_poll
from ..sugar.version import zmq_version_info

IPC_PATH_MAX_LEN = 107  # sun_path on Linux, less the terminating NUL
PYZMQ_DRAFT_API = False

__all__ = ["Context", "Socket", "Frame", "Message", "proxy", "proxy_steerable", "zmq_poll", "strerror", "zmq_errno",
           "has", "curve_keypair", "curve_public", "zmq_version_info", "IPC_PATH_MAX_LEN",
           "PYZMQ_DRAFT_API"]
