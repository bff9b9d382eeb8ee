"""Decorators that give a function its own Context or Socket (pyzmq's zmq.decorators).

The context or socket is created when the decorated function is called and
closed (sockets) or destroyed (contexts) when it returns or raises, as a
``with`` block would::

    from purezmq.decorators import context, socket

    @context()
    @socket(zmq.PUSH)
    def work(ctx, push):
        ...

Naming the argument (``@context('ctx')`` or ``@socket(zmq.PUB, name='pub')``)
passes the object as that keyword; otherwise it is appended to the
positional arguments, so stacked decorators fill parameters outermost
first.  Any other decorator arguments go to the factory: ``Context(...)`` or
``ctx.socket(...)``.
"""

from __future__ import annotations

from functools import wraps
from typing import Any, Callable, ContextManager, Protocol, TypeVar, cast

from .sugar import Context

__all__ = ("context", "socket")

_F = TypeVar("_F", bound=Callable[..., object])
_Factory = Callable[..., ContextManager[Any]]


class _Wraps(Protocol):
    def __call__(self, func: _F) -> _F: ...


class _Decorator:
    """Builds the decorator: parses its arguments, then wraps the function."""

    def __init__(self, factory: _Factory | None = None) -> None:
        self._factory = factory

    def __call__(self, *dec_args: Any, **dec_kwargs: Any) -> _Wraps:
        kw_name, dec_args, dec_kwargs = self.process_decorator_args(*dec_args, **dec_kwargs)

        def decorate(func: _F) -> _F:
            @wraps(func)
            def wrapper(*args: Any, **kwargs: Any) -> Any:
                factory = self.get_target(*args, **kwargs)
                assert factory is not None
                # The object is made before the name clash is checked, so a
                # clash still closes it on the way out, as pyzmq does.
                with factory(*dec_args, **dec_kwargs) as obj:
                    if not kw_name:  # None or '': positional, as pyzmq
                        args = args + (obj,)
                    elif kw_name in kwargs:
                        raise TypeError(f"{func.__name__}() got multiple values for"
                                        f" argument '{kw_name}'")
                    else:
                        kwargs[kw_name] = obj
                    return func(*args, **kwargs)

            return cast(_F, wrapper)

        return decorate

    def get_target(self, *args: Any, **kwargs: Any) -> _Factory | None:
        """The factory to call, given the decorated function's call arguments."""
        return self._factory

    def process_decorator_args(
        self, *args: Any, **kwargs: Any
    ) -> tuple[str | None, tuple[Any, ...], dict[str, Any]]:
        """Split off the keyword name; the rest goes to the factory.

        The name is ``name=`` when that is a str, else a leading str
        positional argument (socket types and io_threads are ints, so a str
        cannot be meant for the factory).
        """
        name = kwargs.get("name")
        if isinstance(name, str):
            del kwargs["name"]
            return name, args, kwargs
        if args and isinstance(args[0], str):
            return args[0], args[1:], kwargs
        return None, args, kwargs


class _ContextDecorator(_Decorator):
    def __init__(self) -> None:
        super().__init__(Context)


class _SocketDecorator(_Decorator):
    """Makes the socket from the Context found among the call's arguments."""

    context_name = "context"

    def process_decorator_args(
        self, *args: Any, **kwargs: Any
    ) -> tuple[str | None, tuple[Any, ...], dict[str, Any]]:
        kw_name, args, kwargs = super().process_decorator_args(*args, **kwargs)
        self.context_name = kwargs.pop("context_name", "context")
        return kw_name, args, kwargs

    def get_target(self, *args: Any, **kwargs: Any) -> _Factory:
        return self._get_context(*args, **kwargs).socket

    def _get_context(self, *args: Any, **kwargs: Any) -> Context:
        # The keyword named context_name first, then the first positional
        # Context (e.g. one an outer @context() appended), else the shared one.
        ctx = kwargs.get(self.context_name)
        if isinstance(ctx, Context):
            return ctx
        for arg in args:
            if isinstance(arg, Context):
                return arg
        return Context.instance()


def context(*args: Any, **kwargs: Any) -> _Wraps:
    """Decorator giving the function a new Context, destroyed after the call.

    ``name`` (keyword, or a leading str) passes it as that keyword argument;
    other arguments go to ``Context(...)``::

        @context()
        def foo(ctx):
            ...
    """
    return _ContextDecorator()(*args, **kwargs)


def socket(*args: Any, **kwargs: Any) -> _Wraps:
    """Decorator giving the function a new socket, closed after the call.

    The socket comes from the Context passed as the keyword ``context_name``
    (default ``'context'``) or as a positional argument, else from
    ``Context.instance()``.  ``name`` works as for :func:`context`; other
    arguments go to ``ctx.socket(...)``::

        @socket(zmq.PUSH)
        def foo(push):
            ...
    """
    return _SocketDecorator()(*args, **kwargs)
