"""Start an ipykernel whose `zmq` is purezmq (what `python -m ipykernel_launcher` does).

usage: kernel_on_purezmq.py -f CONNECTION_FILE [ipykernel options]
"""

import os
import sys

import purezmq

purezmq.install_as_zmq()

if __name__ == "__main__":
    # as ipykernel_launcher: do not let this script's folder shadow anything
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != here]
    from ipykernel import kernelapp

    kernelapp.launch_new_instance()
