"""pyzmq's sugar layer: the public Python classes over purezmq's core."""

from .context import Context
from .frame import Frame, Message, MessageTracker
from .poll import Poller, select
from .socket import Socket

Context._socket_class = Socket

__all__ = ["Context", "Socket", "Frame", "Message", "MessageTracker", "Poller", "select"]
