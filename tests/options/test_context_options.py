"""Context.get/set against pyzmq's Context over libzmq 4.3.5.

libzmq's zmq_ctx_get answers -1 both for errors and for a value of -1
(THREAD_SCHED_POLICY's default, a THREAD_NAME_PREFIX of -1); pyzmq then
reports whatever errno is left over.  purezmq returns the -1.
"""

from __future__ import annotations

import pytest

import purezmq

from .helpers import outcome, zmq

# every number libzmq 4.3.5 knows (0..10, IPV6, BLOCKY) and a few it does not
OPTIONS = list(range(0, 12)) + [zmq.IPV6, zmq.BLOCKY, 99, -1]
VALUES = [-2**31 - 1, -2**31, -2, -1, 0, 1, 2, 3, 100, 1023, 1024, 65535, 65536,
          2**31 - 1, 2**31, True, False, "1", 1.5, None, b"1"]
_MAY_BE_MINUS_ONE = {zmq.THREAD_SCHED_POLICY, zmq.THREAD_NAME_PREFIX}


def _same_read(option, z_read, p_read):
    if option in _MAY_BE_MINUS_ONE and p_read == ("ok", -1):
        return z_read in (("ok", -1), ("errno", zmq.EINVAL))
    return z_read == p_read


@pytest.fixture
def pair():
    z, p = zmq.Context(), purezmq.Context()
    yield z, p
    z.term()
    p.term()


@pytest.mark.parametrize("option", OPTIONS)
def test_default(pair, option):
    z, p = pair
    assert _same_read(option, outcome(lambda: z.get(option)), outcome(lambda: p.get(option)))


@pytest.mark.parametrize("option", OPTIONS)
@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_set_and_read_back(option, value):
    z, p = zmq.Context(), purezmq.Context()
    try:
        assert outcome(lambda: p.set(option, value)) == outcome(lambda: z.set(option, value))
        assert _same_read(option, outcome(lambda: z.get(option)),
                          outcome(lambda: p.get(option)))
    finally:
        z.term()
        p.term()


def test_cpu_affinity_remove_needs_an_added_cpu(pair):
    z, p = pair
    steps = [(zmq.THREAD_AFFINITY_CPU_REMOVE, 0), (zmq.THREAD_AFFINITY_CPU_ADD, 0),
             (zmq.THREAD_AFFINITY_CPU_REMOVE, 0), (zmq.THREAD_AFFINITY_CPU_REMOVE, 0)]
    for option, value in steps:
        assert outcome(lambda: p.set(option, value)) == outcome(lambda: z.set(option, value))


def test_attribute_access(pair):
    z, p = pair
    for name, value in [("io_threads", 2), ("max_sockets", 10), ("ipv6", 5), ("blocky", 0)]:
        setattr(z, name, value)
        setattr(p, name, value)
        assert getattr(p, name) == getattr(z, name)
    assert p.socket_limit == z.socket_limit


def test_max_sockets_limits_new_sockets(pair):
    z, p = pair
    made = []
    try:
        for ctx in pair:
            ctx.set(zmq.MAX_SOCKETS, 1)
            made.append(ctx.socket(zmq.PAIR))
        assert outcome(lambda: made.append(p.socket(zmq.PAIR))) == \
            outcome(lambda: made.append(z.socket(zmq.PAIR)))
    finally:
        for s in made:
            s.close()


def test_terminated_context():
    z, p = zmq.Context(), purezmq.Context()
    z.term()
    p.term()
    for call in (lambda c: c.get(zmq.IO_THREADS), lambda c: c.set(zmq.IO_THREADS, 1)):
        assert outcome(lambda: call(p)) == outcome(lambda: call(z))
