"""pyzmq's sugar layer: the public Python classes over purezmq's core."""

from . import context, frame, poll, socket, stopwatch, tracker, version
from .context import Context
from .frame import Frame, Message
from .poll import Poller, select, zmq_poll
from .socket import Socket
from .stopwatch import Stopwatch
from .tracker import _FINISHED_TRACKER, MessageTracker
from .version import (
    __revision__, __version__, purezmq_version, pyzmq_version, pyzmq_version_info, zmq_version,
    zmq_version_info,
)

Context._socket_class = Socket

__all__ = ["Context", "Socket", "Frame", "Message", "MessageTracker", "Poller", "select",
           "zmq_poll", "Stopwatch", "zmq_version", "zmq_version_info", "pyzmq_version",
           "pyzmq_version_info", "purezmq_version"]
