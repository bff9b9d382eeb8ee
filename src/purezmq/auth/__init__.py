"""ZAP authentication (ZeroMQ RFC 27) with pyzmq's zmq.auth API.

`Authenticator` answers ZAP requests from its policy (IP whitelist or
blacklist, PLAIN passwords, CURVE certificates or callbacks); run it in a
background thread with `purezmq.auth.thread.ThreadAuthenticator` or on an
asyncio loop with `purezmq.auth.asyncio.AsyncioAuthenticator`.  CURVE
certificate files are handled by `create_certificates`,
`load_certificate` and `load_certificates`.
"""

from .base import *  # noqa: F401,F403
from .base import __all__ as _base_all
from .certs import *  # noqa: F401,F403
from .certs import __all__ as _certs_all

__all__ = list(_base_all) + list(_certs_all)
