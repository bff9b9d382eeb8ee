"""python -m purezmq: the purezmq command (see purezmq.cli)."""

import sys

from purezmq.cli import main

if __name__ == "__main__":
    sys.exit(main())
