"""purezmq.error against the installed pyzmq: classes, messages, helpers, pickling."""

from __future__ import annotations

import errno
import pickle
import threading

import pytest

from purezmq import constants as C
from purezmq import error as E

zmq = pytest.importorskip("zmq")

EXCEPTION_NAMES = [
    "ZMQBaseError",
    "ZMQError",
    "ZMQBindError",
    "NotDone",
    "ContextTerminated",
    "Again",
    "InterruptedSystemCall",
    "ZMQVersionError",
    "DraftFDWarning",
]

LIBZMQ_MESSAGES = {
    C.EFSM: "Operation cannot be accomplished in current state",
    C.ENOCOMPATPROTO: "The protocol is not compatible with the socket type",
    C.ETERM: "Context was terminated",
    C.EMTHREAD: "No thread available",
}

# errnos worth comparing: every Errno, EINTR, success, the ends of the
# HAUSNUMERO range and plain unknown numbers.
SAMPLE_ERRNOS = sorted(
    {int(e) for e in C.Errno}
    | set(range(0, 135))
    | {156384712, 156384713, 156384762, 156384767, 99999, -1}
)


def mro_names(cls):
    return [k.__name__ for k in cls.__mro__]


# --------------------------------------------------------------------------- classes


def test_all_covers_pyzmq():
    assert set(zmq.error.__all__) <= set(E.__all__)
    for name in E.__all__:
        assert hasattr(E, name)


@pytest.mark.parametrize("name", EXCEPTION_NAMES)
def test_hierarchy_matches_pyzmq(name):
    assert mro_names(getattr(E, name)) == mro_names(getattr(zmq.error, name))


def test_hierarchy_explicitly():
    assert issubclass(E.ZMQError, E.ZMQBaseError)
    assert issubclass(E.Again, E.ZMQError)
    assert issubclass(E.ContextTerminated, E.ZMQError)
    assert issubclass(E.InterruptedSystemCall, E.ZMQError)
    assert issubclass(E.InterruptedSystemCall, InterruptedError)
    assert issubclass(E.InterruptedSystemCall, OSError)
    assert issubclass(E.ZMQBindError, E.ZMQBaseError)
    assert not issubclass(E.ZMQBindError, E.ZMQError)
    assert issubclass(E.NotDone, E.ZMQBaseError)
    assert not issubclass(E.NotDone, E.ZMQError)
    assert issubclass(E.ZMQVersionError, NotImplementedError)
    assert issubclass(E.DraftFDWarning, RuntimeWarning)


# --------------------------------------------------------------------------- strerror


@pytest.mark.parametrize("errnum", SAMPLE_ERRNOS)
def test_strerror_matches_pyzmq(errnum):
    assert E.strerror(errnum) == zmq.strerror(errnum)


@pytest.mark.parametrize("errnum, message", LIBZMQ_MESSAGES.items())
def test_strerror_libzmq_messages(errnum, message):
    assert E.strerror(errnum) == message
    assert E.strerror(int(errnum)) == message


def test_strerror_posix():
    import os

    assert E.strerror(errno.EINVAL) == os.strerror(errno.EINVAL)
    assert E.strerror(C.EAGAIN) == "Resource temporarily unavailable"
    assert E.strerror(C.EHOSTUNREACH) == "Host unreachable"  # libzmq's own text
    assert E.strerror(2**70).startswith("Unknown error")


# --------------------------------------------------------------------------- ZMQError


@pytest.mark.parametrize("errnum", SAMPLE_ERRNOS)
def test_zmqerror_matches_pyzmq(errnum):
    ours, theirs = E.ZMQError(errnum), zmq.ZMQError(errnum)
    assert type(ours) is E.ZMQError
    assert ours.errno == theirs.errno == errnum
    assert ours.strerror == theirs.strerror
    assert str(ours) == str(theirs)
    assert repr(ours) == repr(theirs)
    assert ours.args == theirs.args


def test_zmqerror_custom_message():
    ours, theirs = E.ZMQError(C.EFSM, "custom"), zmq.ZMQError(zmq.EFSM, "custom")
    assert ours.errno == theirs.errno == C.EFSM
    assert str(ours) == str(theirs) == "custom"
    assert repr(ours) == repr(theirs) == "ZMQError('custom')"
    assert ours.args == theirs.args


def test_zmqerror_keyword_arguments():
    e = E.ZMQError(errno=C.ETERM, msg="gone")
    assert e.errno == C.ETERM and e.strerror == "gone"


def test_zmqerror_non_int_errno_is_the_message():
    ours, theirs = E.ZMQError("foo"), zmq.ZMQError("foo")
    assert ours.errno is theirs.errno is None
    assert str(ours) == str(theirs) == "foo"
    assert repr(ours) == repr(theirs)


def test_zmqerror_eagain_stays_plain():
    # like pyzmq: only error_for / raise_errno pick the subclass
    assert type(E.ZMQError(C.EAGAIN)) is E.ZMQError
    assert type(zmq.ZMQError(zmq.EAGAIN)) is zmq.ZMQError


def test_zmqerror_without_errno_uses_zmq_errno():
    def in_fresh_thread():
        result.append(E.ZMQError())

    result: list = []
    t = threading.Thread(target=in_fresh_thread)
    t.start()
    t.join()
    assert result[0].errno == 0
    assert str(result[0]) == zmq.strerror(0)

    E.error_for(C.EFSM)
    e = E.ZMQError()
    assert e.errno == C.EFSM
    assert str(e) == LIBZMQ_MESSAGES[C.EFSM]


# --------------------------------------------------------------------------- subclasses


@pytest.mark.parametrize(
    "name, errnum", [("Again", errno.EAGAIN), ("ContextTerminated", C.ETERM)]
)
def test_fixed_errno_subclasses(name, errnum):
    ours_cls, theirs_cls = getattr(E, name), getattr(zmq.error, name)
    for args in [(), (errnum,), (12345, "ignored message")]:
        ours, theirs = ours_cls(*args), theirs_cls(*args)
        assert ours.errno == theirs.errno == errnum
        assert str(ours) == str(theirs)
        assert repr(ours) == repr(theirs)


def test_again_and_term_messages():
    assert str(E.Again()) == "Resource temporarily unavailable"
    assert repr(E.Again()) == "Again('Resource temporarily unavailable')"
    assert str(E.ContextTerminated()) == "Context was terminated"
    assert repr(E.ContextTerminated()) == "ContextTerminated('Context was terminated')"


def test_interrupted_system_call():
    ours, theirs = E.InterruptedSystemCall(), zmq.error.InterruptedSystemCall()
    assert ours.errno == theirs.errno == errno.EINTR
    assert ours.strerror == theirs.strerror == "Interrupted system call"
    # same text as pyzmq, naming us instead
    assert str(ours) == str(theirs).replace("pyzmq", "purezmq")
    assert str(ours).startswith("Interrupted system call: ")
    assert repr(ours) == f"InterruptedSystemCall('{ours}')"
    assert isinstance(ours, InterruptedError)
    assert E.InterruptedSystemCall(errno.EINTR, "x").errno == errno.EINTR


def test_bind_and_notdone_errors():
    assert str(E.ZMQBindError("no port")) == "no port"
    assert repr(E.NotDone()) == repr(zmq.error.NotDone())


def test_zmq_version_error():
    ours = E.ZMQVersionError("4.4", "Draft sockets")
    theirs = zmq.error.ZMQVersionError("4.4", "Draft sockets")
    assert str(ours) == "Draft sockets requires libzmq >= 4.4, have 4.3.5"
    assert str(ours) == str(theirs) or zmq.zmq_version() != "4.3.5"
    assert repr(ours) == f"ZMQVersionError('{ours}')"
    assert (ours.min_version, ours.msg, ours.version) == ("4.4", "Draft sockets", "4.3.5")
    assert str(E.ZMQVersionError("5")) == "Feature requires libzmq >= 5, have 4.3.5"


def test_check_version():
    E._check_version((4,))
    E._check_version((4, 3))
    E._check_version((4, 3, 5))
    with pytest.raises(E.ZMQVersionError, match=r">= 4\.3\.6"):
        E._check_version((4, 3, 6), "Thing")
    with pytest.raises(E.ZMQVersionError, match=r"^Thing requires libzmq >= 5, have"):
        E._check_version((5,), "Thing")


def test_draft_fd_warning():
    assert "DraftFDWarning" in str(E.DraftFDWarning())
    assert str(E.DraftFDWarning("custom")) == "custom"


# --------------------------------------------------------------------------- helpers


@pytest.mark.parametrize(
    "errnum, cls",
    [
        (errno.EAGAIN, E.Again),
        (C.EAGAIN, E.Again),
        (C.ETERM, E.ContextTerminated),
        (int(C.ETERM), E.ContextTerminated),
        (errno.EINTR, E.InterruptedSystemCall),
        (C.EFSM, E.ZMQError),
        (C.EHOSTUNREACH, E.ZMQError),
        (errno.EINVAL, E.ZMQError),
    ],
)
def test_error_for(errnum, cls):
    e = E.error_for(errnum)
    assert type(e) is cls
    assert e.errno == errnum
    assert E.zmq_errno() == errnum
    with pytest.raises(cls) as info:
        E.raise_errno(errnum)
    assert info.value.errno == errnum


def test_error_for_message():
    assert str(E.error_for(C.EINVAL, "bad endpoint")) == "bad endpoint"
    assert str(E.error_for(C.EINVAL)) == E.strerror(C.EINVAL)
    # the fixed-errno subclasses keep their own text, as in pyzmq
    assert str(E.error_for(C.EAGAIN, "ignored")) == "Resource temporarily unavailable"


def test_zmq_errno_is_per_thread():
    E.error_for(C.ENOTSUP)
    seen: list = []
    t = threading.Thread(target=lambda: seen.append(E.zmq_errno()))
    t.start()
    t.join()
    assert seen == [0]
    assert E.zmq_errno() == C.ENOTSUP


def test_raise_errno_is_catchable_as_zmqerror():
    with pytest.raises(E.ZMQError):
        E.raise_errno(C.EAGAIN)
    with pytest.raises(E.ZMQBaseError):
        E.raise_errno(C.EFSM)


# --------------------------------------------------------------------------- pickling


@pytest.mark.parametrize(
    "exc",
    [
        E.ZMQError(C.EFSM),
        E.ZMQError(C.EINVAL, "custom"),
        E.ZMQError("just a message"),
        E.ZMQError(0),
        E.Again(),
        E.ContextTerminated(),
        E.InterruptedSystemCall(),
        E.error_for(C.ENOCOMPATPROTO),
        E.ZMQBindError("no port"),
        E.NotDone(),
        E.ZMQVersionError("4.4", "Draft"),
        E.DraftFDWarning("custom"),
    ],
    ids=repr,
)
def test_pickle_roundtrip(exc):
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        copy = pickle.loads(pickle.dumps(exc, protocol))
        assert type(copy) is type(exc)
        assert str(copy) == str(exc)
        assert repr(copy) == repr(exc)
        assert getattr(copy, "errno", None) == getattr(exc, "errno", None)
        assert copy.args == exc.args


def test_pickle_keeps_errno_across_threads():
    E.error_for(C.EMTHREAD)
    data = pickle.dumps(E.ZMQError())  # errno taken from zmq_errno()
    out: list = []
    t = threading.Thread(target=lambda: out.append(pickle.loads(data)))
    t.start()
    t.join()
    assert out[0].errno == C.EMTHREAD
    assert str(out[0]) == LIBZMQ_MESSAGES[C.EMTHREAD]
