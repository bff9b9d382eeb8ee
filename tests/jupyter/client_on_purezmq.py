"""Run a jupyter_driver function with jupyter_client on purezmq; write its report as JSON.

usage: client_on_purezmq.py CONNECTION_FILE REPORT_FILE [TIMEOUT [drive|drive_async|drive_debugger]]
"""

import json
import os
import sys

import purezmq

purezmq.install_as_zmq()

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import jupyter_driver  # noqa: E402

timeout = float(sys.argv[3]) if len(sys.argv) > 3 else 30.0
how = getattr(jupyter_driver, sys.argv[4] if len(sys.argv) > 4 else "drive")
report = how(sys.argv[1], timeout)
with open(sys.argv[2], "w") as f:
    json.dump(report, f)
