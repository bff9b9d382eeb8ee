"""SSH tunnels for ØMQ connections, as pyzmq's `zmq.ssh`."""

from __future__ import annotations

from .tunnel import *  # noqa: F401,F403 - pyzmq re-exports tunnel's public names here
from .tunnel import __all__
