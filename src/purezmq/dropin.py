"""install_as_zmq(): make `import zmq` give purezmq.

After the call, `zmq` and every `zmq.<sub>` that purezmq provides are the
purezmq modules themselves (one module object under two names, so
`zmq.Context is purezmq.Context`).  A `zmq.<sub>` that purezmq does not
provide fails to import with a message naming it, rather than resolving
to something half-working.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import os
import sys
import warnings
from typing import Any

_ALIAS = "zmq"
_REAL = __name__.rpartition(".")[0]  # "purezmq"


class _ExistingModule(importlib.abc.Loader):
    """Loads `zmq.x` as the already importable `purezmq.x`."""

    def __init__(self, target: str) -> None:
        self.target = target

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> Any:
        return importlib.import_module(self.target)

    def exec_module(self, module: Any) -> None:
        pass  # purezmq.x ran its code when it was imported


class _ZmqFinder(importlib.abc.MetaPathFinder):
    """Answers for the name `zmq` and its submodules."""

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        if fullname != _ALIAS and not fullname.startswith(_ALIAS + "."):
            return None
        real = _REAL + fullname[len(_ALIAS):]
        try:
            found = importlib.util.find_spec(real)
        except ModuleNotFoundError:
            found = None
        if found is None:
            raise ModuleNotFoundError(
                f"purezmq does not provide {fullname!r} (pyzmq's module has no purezmq "
                f"counterpart); install_as_zmq() maps 'zmq' to purezmq", name=fullname)
        return importlib.machinery.ModuleSpec(fullname, _ExistingModule(real),
                                              is_package=found.submodule_search_locations
                                              is not None)


_LOADER_FILES = (os.path.abspath(__file__), os.path.abspath(importlib.__file__))


def warn_at_importer(message: str, category: type, stacklevel: int) -> None:
    """warnings.warn for a module's import-time warning, pointing where it
    would without install_as_zmq: our loader adds frames between a module
    and its importer (importlib's own bootstrap frames are skipped by
    warnings already), and a warning attributed to them is hidden by the
    default filters where pyzmq's shows."""
    files = []
    frame: Any = sys._getframe(1)
    while frame is not None:
        name = frame.f_code.co_filename
        if not ("importlib" in name and "_bootstrap" in name):
            files.append(os.path.abspath(name))
        frame = frame.f_back
    index = stacklevel - 1  # files[0] is our caller, stacklevel 1 to it
    while index < len(files) and files[index] in _LOADER_FILES:
        index += 1
    warnings.warn(message, category, stacklevel=index + 2)


def install_as_zmq() -> None:
    """Make `import zmq` (and its submodules) resolve to purezmq.

    Call it before anything imports pyzmq's `zmq`: a program that already
    holds pyzmq objects cannot be switched under its feet, so that raises.
    """
    current = sys.modules.get(_ALIAS)
    real = sys.modules[_REAL]
    if current is real:
        return
    if current is not None:
        raise RuntimeError("install_as_zmq() must run before 'zmq' is imported: pyzmq is "
                           f"already loaded from {getattr(current, '__file__', '?')}")
    if not any(isinstance(f, _ZmqFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, _ZmqFinder())
    sys.modules[_ALIAS] = real
    for name, module in list(sys.modules.items()):
        if name.startswith(_REAL + "."):
            sys.modules.setdefault(_ALIAS + name[len(_REAL):], module)


__all__ = ["install_as_zmq"]
