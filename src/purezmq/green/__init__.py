"""purezmq.green: pyzmq's zmq.green, sockets that block only their greenlet.

``import purezmq.green as zmq`` (or ``import zmq.green as zmq`` after
``purezmq.install_as_zmq()``) gives purezmq with a Context whose sockets,
Poller and device wait through gevent's hub instead of blocking the thread,
so other greenlets run meanwhile.  Needs gevent.

Differences from pyzmq's, on purpose: RCVTIMEO and SNDTIMEO are honoured
(pyzmq's green sockets ignore them with a warning), and the socket's own
poll() is green too.
"""

from __future__ import annotations

import purezmq as _purezmq
from purezmq import *  # noqa: F401,F403  (the whole pyzmq surface, as zmq.green)

from .core import Context, Socket  # noqa: E402
from .device import device  # noqa: E402
from .poll import Poller  # noqa: E402

__all__: list = list(_purezmq.__all__)
