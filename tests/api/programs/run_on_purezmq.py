"""Run a program written for pyzmq on purezmq: install_as_zmq(), then the
program itself, untouched (argv[1] is its path, the rest its arguments)."""

import runpy
import sys

import purezmq

purezmq.install_as_zmq()
path = sys.argv[1]
sys.argv = sys.argv[1:]
runpy.run_path(path, run_name="__main__")
