"""purezmq.constants against the installed pyzmq: names, values, enum types."""

from __future__ import annotations

import enum
import errno
import sys

import pytest

from purezmq import constants as C

zmq = pytest.importorskip("zmq")
import zmq.constants as zc  # noqa: E402

ENUM_NAMES = [
    "SocketType",
    "SocketOption",
    "ContextOption",
    "MessageOption",
    "Flag",
    "PollEvent",
    "Event",
    "Errno",
    "SecurityMechanism",
    "RouterNotify",
    "NormMode",
    "ReconnectStop",
    "DeviceType",
]


def pyzmq_enum_names() -> set[str]:
    return {
        name
        for name, obj in vars(zc).items()
        if isinstance(obj, type)
        and issubclass(obj, enum.Enum)
        and obj.__module__ == zc.__name__
        and not name.startswith("_")
    }


def pyzmq_upper_names() -> set[str]:
    return {
        name
        for name in dir(zmq)
        if name == name.upper() and not name.startswith("_") and name != "TYPE_CHECKING"
    }


def test_we_cover_every_pyzmq_enum():
    assert pyzmq_enum_names() <= set(ENUM_NAMES)


@pytest.mark.parametrize("name", ENUM_NAMES)
def test_enum_base_class(name):
    ours, theirs = getattr(C, name), getattr(zc, name)
    for base in (enum.IntFlag, enum.IntEnum):
        assert issubclass(ours, base) == issubclass(theirs, base), base


@pytest.mark.parametrize("name", ENUM_NAMES)
def test_enum_members(name):
    ours, theirs = getattr(C, name), getattr(zc, name)
    assert set(ours.__members__) == set(theirs.__members__)
    for member, value in theirs.__members__.items():
        mine = ours.__members__[member]
        assert int(mine) == int(value), member
        # same canonical name, so aliases resolve the same way
        assert mine.name == value.name, member
        assert repr(mine) == repr(value), member


@pytest.mark.parametrize("name", ENUM_NAMES)
def test_enum_lookup_by_value(name):
    ours, theirs = getattr(C, name), getattr(zc, name)
    for value in theirs.__members__.values():
        assert ours(int(value)).name == value.name


def test_every_pyzmq_upper_case_name():
    missing = pyzmq_upper_names() - set(dir(C))
    assert not missing


@pytest.mark.parametrize("name", sorted(pyzmq_upper_names()))
def test_upper_case_name_value(name):
    theirs = getattr(zmq, name)
    ours = getattr(C, name)
    if name in ("DRAFT_API", "PYZMQ_DRAFT_API"):
        assert isinstance(ours, bool)
        return
    assert ours == theirs
    assert type(ours).__name__ == type(theirs).__name__
    if isinstance(theirs, enum.Enum):
        assert ours.name == theirs.name


def test_aliases_are_the_enum_members():
    assert C.PUSH is C.SocketType.PUSH
    assert C.XREQ is C.SocketType.DEALER
    assert C.IDENTITY is C.SocketOption.ROUTING_ID
    assert C.DELAY_ATTACH_ON_CONNECT is C.SocketOption.IMMEDIATE
    assert C.HWM is C.SocketOption.HWM
    assert C.SNDMORE is C.Flag.SNDMORE
    assert C.NOBLOCK is C.DONTWAIT is C.Flag.DONTWAIT
    assert C.POLLIN is C.PollEvent.POLLIN
    assert C.EVENT_CONNECTED is C.Event.CONNECTED
    assert C.EVENT_ALL is C.Event.ALL_V1
    assert C.PROTOCOL_ERROR_ZAP_BAD_VERSION is C.Event.PROTOCOL_ERROR_ZAP_BAD_VERSION
    assert C.NOTIFY_CONNECT is C.RouterNotify.CONNECT
    assert C.NORM_FIXED is C.NormMode.FIXED
    assert C.RECONNECT_STOP_CONN_REFUSED is C.ReconnectStop.CONN_REFUSED
    assert C.EFSM is C.Errno.EFSM
    assert C.NULL is C.SecurityMechanism.NULL
    assert C.QUEUE is C.DeviceType.QUEUE
    assert C.MORE is C.MessageOption.MORE
    assert C.IO_THREADS is C.ContextOption.IO_THREADS


def test_every_member_has_a_flat_alias():
    prefixes = {
        "Event": "EVENT_",
        "RouterNotify": "NOTIFY_",
        "NormMode": "NORM_",
        "ReconnectStop": "RECONNECT_STOP_",
    }
    for name in ENUM_NAMES:
        cls = getattr(C, name)
        for member_name, member in cls.__members__.items():
            prefix = prefixes.get(name, "")
            if member_name.startswith("PROTOCOL_ERROR_"):
                prefix = ""
            assert getattr(C, prefix + member_name) is member, (name, member_name)


def test_flags_combine():
    assert isinstance(C.SNDMORE | C.DONTWAIT, C.Flag)
    assert C.SNDMORE | C.DONTWAIT == 3
    assert isinstance(C.POLLIN | C.POLLOUT, C.PollEvent)
    assert C.EVENT_ALL_V2 == C.EVENT_ALL_V1 | C.EVENT_PIPES_STATS
    assert C.Event.CONNECTED | C.Event.DISCONNECTED == 0x201


def test_all():
    assert len(C.__all__) == len(set(C.__all__))
    for name in C.__all__:
        assert hasattr(C, name), name
        assert not name.startswith("_")
    assert set(zc.__all__) <= set(C.__all__)
    assert pyzmq_upper_names() <= set(C.__all__)
    assert "OPTION_TYPES" in C.__all__
    for name in ("VERSION", "VERSION_MAJOR", "VERSION_MINOR", "VERSION_PATCH"):
        assert name in C.__all__


def test_star_import():
    namespace: dict = {}
    exec("from purezmq.constants import *", namespace)
    assert namespace["PUSH"] is C.PUSH
    assert namespace["SocketOption"] is C.SocketOption
    assert "_HAUSNUMERO" not in namespace


def test_errno_values():
    hausnumero = 156384712
    assert C.EFSM == hausnumero + 51
    assert C.ENOCOMPATPROTO == hausnumero + 52
    assert C.ETERM == hausnumero + 53
    assert C.EMTHREAD == hausnumero + 54
    assert C.EFSM == 156384763
    if not sys.platform.startswith("win"):
        for member in C.Errno:
            if member < hausnumero:
                assert member == getattr(errno, member.name), member.name


def test_version():
    assert (C.VERSION_MAJOR, C.VERSION_MINOR, C.VERSION_PATCH) == (4, 3, 5)
    assert C.VERSION == 40305
    major, minor, patch = zmq.zmq_version_info()
    assert C.VERSION == major * 10000 + minor * 100 + patch or zmq.zmq_version() != "4.3.5"


def test_option_types_match_pyzmq():
    for option in zc.SocketOption:
        assert C.OPTION_TYPES[int(option)] == option._opt_type.value, option.name


def test_option_types_cover_every_option():
    assert set(C.OPTION_TYPES) == {int(option) for option in C.SocketOption}
    assert set(C.OPTION_TYPES.values()) == {"int", "int64", "bytes", "fd"}
    assert C.OPTION_TYPES[C.IDENTITY] == "bytes"
    assert C.OPTION_TYPES[C.SUBSCRIBE] == "bytes"
    assert C.OPTION_TYPES[C.LAST_ENDPOINT] == "bytes"
    assert C.OPTION_TYPES[C.AFFINITY] == "int64"
    assert C.OPTION_TYPES[C.MAXMSGSIZE] == "int64"
    assert C.OPTION_TYPES[C.FD] == "fd"
    assert C.OPTION_TYPES[C.LINGER] == "int"
    assert C.OPTION_TYPES[int(C.SNDHWM)] == "int"


def test_opt_type_attribute_like_pyzmq():
    for option in zc.SocketOption:
        ours = C.SocketOption(int(option))
        assert isinstance(ours._opt_type, C._OptType)
        assert ours._opt_type.name == option._opt_type.name
        assert ours._opt_type.value == option._opt_type.value
    assert [m.value for m in C._OptType] == [m.value for m in zc._OptType]
