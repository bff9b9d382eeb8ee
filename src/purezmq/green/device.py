"""Green device: pyzmq's zmq.green.device, a forwarding loop on the green Poller."""

from __future__ import annotations

from typing import Any

from purezmq.constants import POLLIN

from .poll import Poller


def device(device_type: int, isocket: Any, osocket: Any) -> None:
    """Forward whole messages both ways between two sockets until an error
    (the device type is ignored, as in pyzmq's green device)."""
    if osocket == -1:
        osocket = isocket
    poller = Poller()
    poller.register(isocket, POLLIN)
    poller.register(osocket, POLLIN)
    while True:
        ready = dict(poller.poll())
        if isocket in ready:
            osocket.send_multipart(isocket.recv_multipart())
        if osocket in ready:
            isocket.send_multipart(osocket.recv_multipart())
