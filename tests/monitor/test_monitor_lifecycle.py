"""Monitor events over a connection's life, purezmq against libzmq.

Every scenario runs twice, once with pyzmq (libzmq 4.3.5) sockets and once
with purezmq sockets; libzmq's event sequence is the reference (checked
against the sequence libzmq is known to produce, then purezmq's must equal
it).  See monitor_util for how events are normalised."""

from __future__ import annotations

import errno

import pytest

from monitor_util import (
    Monitor,
    Vacant,
    assert_same,
    bind_ep,
    endpoint_names,
    last_ep,
    norm,
    run_both,
    sock,
)

WIRE = ["tcp", "ipc"]
EINPROGRESS = errno.EINPROGRESS


def _connect_prefix(transport: str) -> list:
    """What a connector reports before CONNECTED: libzmq's non-blocking TCP
    connect is 'delayed' (value: EINPROGRESS); an ipc connect completes at once."""
    return [("CONNECT_DELAYED", EINPROGRESS, "EP")] if transport == "tcp" else []


def _failed_attempt(transport: str) -> list:
    """One failed (refused) connection attempt as libzmq reports it: the
    connecting OS socket is CLOSED (tcp: after a delayed connect)."""
    return _connect_prefix(transport) + [("CLOSED", "fd", "EP")]


def _after_last_retry(events: list) -> list:
    """The events after the last CONNECT_RETRIED (the attempt that worked)."""
    idx = [i for i, e in enumerate(events) if e[0] == "CONNECT_RETRIED"]
    return events[idx[-1] + 1:] if idx else events


def _pair(lib, ctx, transport, ipc_dir, **copts):
    """A bound and a connected PAIR, both monitored, connection established."""
    b = sock(ctx, lib)
    c = sock(ctx, lib, **copts)
    mb = Monitor.of(lib, b)
    mc = Monitor.of(lib, c)
    b.bind(bind_ep(transport, ipc_dir))
    ep = last_ep(b)
    mb.until("LISTENING")
    c.connect(ep)
    ec = mc.until("HANDSHAKE_SUCCEEDED")
    eb = mb.until("HANDSHAKE_SUCCEEDED")
    return b, c, mb, mc, ep, eb, ec


# ---------------------------------------------------------------------------
# bind
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("transport", WIRE)
def test_bind_emits_listening(transport, ipc_dir):
    def scenario(lib, ctx):
        s = sock(ctx, lib)
        m = Monitor.of(lib, s)
        s.bind(bind_ep(transport, ipc_dir))
        ep = last_ep(s)
        events = m.until("LISTENING") + m.quiet()
        assert events[0].endpoint == ep
        return norm(events, endpoint_names(ep))

    assert_same(run_both(scenario), [("LISTENING", "fd", "EP")])


def test_bind_failed_tcp_address_in_use():
    def scenario(lib, ctx):
        holder = sock(ctx, lib)
        holder.bind("tcp://127.0.0.1:*")
        ep = last_ep(holder)
        s = sock(ctx, lib)
        m = Monitor.of(lib, s)
        with pytest.raises(lib.ZMQError) as exc:
            s.bind(ep)
        events = m.quiet(500)
        return exc.value.errno, norm(events, endpoint_names(ep))

    # libzmq closes the socket it opened for the listener (endpoint still
    # unknown: ""), then reports the failure with the address sans "tcp://".
    assert_same(run_both(scenario),
                (errno.EADDRINUSE, [("CLOSED", "fd", ""), ("BIND_FAILED", errno.EADDRINUSE, "EP-addr")]))


def test_bind_failed_ipc_no_such_directory(ipc_dir):
    def scenario(lib, ctx):
        ep = f"ipc://{ipc_dir}/no/such/dir/s"
        s = sock(ctx, lib)
        m = Monitor.of(lib, s)
        with pytest.raises(lib.ZMQError) as exc:
            s.bind(ep)
        events = m.quiet(500)
        return exc.value.errno, norm(events, endpoint_names(ep))

    assert_same(run_both(scenario),
                (errno.ENOENT, [("CLOSED", "fd", "EP"), ("BIND_FAILED", errno.ENOENT, "EP-addr")]))


def test_bind_ipc_path_in_use_takes_it_over(ipc_dir):
    """libzmq unlinks a stale or live ipc path and binds anyway: LISTENING."""

    def scenario(lib, ctx):
        ep = bind_ep("ipc", ipc_dir)
        first = sock(ctx, lib)
        first.bind(ep)
        s = sock(ctx, lib)
        m = Monitor.of(lib, s)
        s.bind(ep)
        return norm(m.until("LISTENING") + m.quiet(), endpoint_names(ep))

    assert_same(run_both(scenario), [("LISTENING", "fd", "EP")])


# ---------------------------------------------------------------------------
# connect, handshake, disconnect
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("transport", WIRE)
def test_connect_to_listening_peer(transport, ipc_dir):
    def scenario(lib, ctx):
        b, c, mb, mc, ep, eb, ec = _pair(lib, ctx, transport, ipc_dir)
        eb += mb.quiet()
        ec += mc.quiet()
        names = endpoint_names(ep)
        return {"binder": norm(mb.seen, names), "connector": norm(ec, names)}

    assert_same(run_both(scenario), {
        "binder": [("LISTENING", "fd", "EP"), ("ACCEPTED", "fd", "EP"), ("HANDSHAKE_SUCCEEDED", 0, "EP")],
        "connector": _connect_prefix(transport)
        + [("CONNECTED", "fd", "EP"), ("HANDSHAKE_SUCCEEDED", 0, "EP")],
    })


@pytest.mark.parametrize("transport", WIRE)
def test_handshake_succeeded_value_is_zero(transport, ipc_dir):
    """libzmq's HANDSHAKE_SUCCEEDED carries 0 (an 'error code'), not an fd."""

    def scenario(lib, ctx):
        b, c, mb, mc, ep, eb, ec = _pair(lib, ctx, transport, ipc_dir)
        return eb[-1].value, ec[-1].value

    assert_same(run_both(scenario), (0, 0))


@pytest.mark.parametrize("transport", WIRE)
def test_connect_delayed_value(transport, ipc_dir):
    """CONNECT_DELAYED carries errno (EINPROGRESS) in libzmq."""

    def scenario(lib, ctx):
        b, c, mb, mc, ep, eb, ec = _pair(lib, ctx, transport, ipc_dir)
        return [e.value for e in ec if e.name == "CONNECT_DELAYED"]

    assert_same(run_both(scenario), [EINPROGRESS] if transport == "tcp" else [])


@pytest.mark.parametrize("transport", WIRE)
def test_connector_closes_binder_sees_disconnected(transport, ipc_dir):
    def scenario(lib, ctx):
        b, c, mb, mc, ep, eb, ec = _pair(lib, ctx, transport, ipc_dir)
        accepted_fd = [e.value for e in eb if e.name == "ACCEPTED"][0]
        c.close()
        after_b = mb.until("DISCONNECTED") + mb.quiet()
        after_c = mc.quiet()
        assert after_b[0].value == accepted_fd, "DISCONNECTED names the accepted fd"
        names = endpoint_names(ep)
        return {"binder": norm(after_b, names), "closed connector": norm(after_c, names)}

    # Closing a socket stops its monitor first: only MONITOR_STOPPED.
    assert_same(run_both(scenario), {
        "binder": [("DISCONNECTED", "fd", "EP")],
        "closed connector": [("MONITOR_STOPPED", 0, "")],
    })


@pytest.mark.parametrize("transport", WIRE)
def test_binder_closes_connector_disconnected_then_retries(transport, ipc_dir):
    def scenario(lib, ctx):
        b, c, mb, mc, ep, eb, ec = _pair(lib, ctx, transport, ipc_dir,
                                         reconnect_ivl=200, reconnect_ivl_max=1000)
        connected_fd = [e.value for e in ec if e.name == "CONNECTED"][0]
        b.close()
        after_b = mb.quiet()
        after_c = mc.until("CONNECT_RETRIED")
        assert after_c[0].value == connected_fd, "DISCONNECTED names the connected fd"
        names = endpoint_names(ep)
        return {"closed binder": norm(after_b, names), "connector": norm(after_c, names)}

    # The listener is closed (CLOSED, its fd) before the monitor stops.
    assert_same(run_both(scenario), {
        "closed binder": [("CLOSED", "fd", "EP"), ("MONITOR_STOPPED", 0, "")],
        "connector": [("DISCONNECTED", "fd", "EP"), ("CONNECT_RETRIED", 200, "EP")],
    })


@pytest.mark.parametrize("transport", WIRE)
def test_disconnect(transport, ipc_dir):
    """zmq_disconnect: the connector reports nothing; the binder sees the
    connection go (libzmq needs the connector socket to process its
    commands for that: the monitor reader 'kicks' it while waiting)."""

    def scenario(lib, ctx):
        b, c, mb, mc, ep, eb, ec = _pair(lib, ctx, transport, ipc_dir)
        c.disconnect(ep)
        mb.kick = lambda: c.getsockopt(lib.EVENTS)
        after_b = mb.until("DISCONNECTED") + mb.quiet()
        after_c = mc.quiet()
        names = endpoint_names(ep)
        return {"binder": norm(after_b, names), "connector": norm(after_c, names)}

    assert_same(run_both(scenario), {"binder": [("DISCONNECTED", "fd", "EP")], "connector": []})


@pytest.mark.parametrize("transport", WIRE)
def test_unbind_closes_listener(transport, ipc_dir):
    def scenario(lib, ctx):
        b, c, mb, mc, ep, eb, ec = _pair(lib, ctx, transport, ipc_dir,
                                         reconnect_ivl=200, reconnect_ivl_max=1000)
        listening_fd = mb.seen[0].value
        assert mb.seen[0].name == "LISTENING"
        b.unbind(ep)
        mb.kick = lambda: b.getsockopt(lib.EVENTS)
        after_b = mb.until("CLOSED") + mb.quiet()
        assert after_b[0].value == listening_fd, "CLOSED names the listening fd"
        mc.kick = lambda: b.getsockopt(lib.EVENTS)
        after_c = mc.until("CONNECT_RETRIED")
        names = endpoint_names(ep)
        return {"binder": norm(after_b, names), "connector": norm(after_c, names)}

    # The accepted connection goes with its listener, silently on its side.
    assert_same(run_both(scenario), {
        "binder": [("CLOSED", "fd", "EP")],
        "connector": [("DISCONNECTED", "fd", "EP"), ("CONNECT_RETRIED", 200, "EP")],
    })


# ---------------------------------------------------------------------------
# connect first, reconnect
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("transport", WIRE)
def test_connect_before_bind_retries_then_connects(transport, ipc_dir):
    def scenario(lib, ctx):
        vacant = Vacant(transport, ipc_dir)
        ep = vacant.endpoint
        c = sock(ctx, lib, reconnect_ivl=100, reconnect_ivl_max=400)
        mc = Monitor.of(lib, c)
        c.connect(ep)
        retrying = mc.until("CONNECT_RETRIED", count=3)
        b = sock(ctx, lib)
        mb = Monitor.of(lib, b)
        b.bind(vacant.release())
        tail = mc.until("HANDSHAKE_SUCCEEDED")
        binder = mb.until("HANDSHAKE_SUCCEEDED") + mb.quiet()
        names = endpoint_names(ep)
        return {"retrying": norm(retrying, names),
                "connecting": _after_last_retry(norm(tail, names)),
                "binder": norm(binder, names)}

    fail = _failed_attempt(transport)
    assert_same(run_both(scenario), {
        # RECONNECT_IVL_MAX > 0: no jitter, the interval doubles up to the max.
        "retrying": fail + [("CONNECT_RETRIED", 100, "EP")]
        + fail + [("CONNECT_RETRIED", 200, "EP")]
        + fail + [("CONNECT_RETRIED", 400, "EP")],
        "connecting": _connect_prefix(transport) + [("CONNECTED", "fd", "EP"), ("HANDSHAKE_SUCCEEDED", 0, "EP")],
        "binder": [("LISTENING", "fd", "EP"), ("ACCEPTED", "fd", "EP"), ("HANDSHAKE_SUCCEEDED", 0, "EP")],
    })


@pytest.mark.parametrize("transport", WIRE)
def test_refused_attempt_reports_closed(transport, ipc_dir):
    """Each refused attempt: libzmq emits CLOSED for the connecting socket
    before CONNECT_RETRIED."""

    def scenario(lib, ctx):
        vacant = Vacant(transport, ipc_dir)
        c = sock(ctx, lib, reconnect_ivl=100, reconnect_ivl_max=100)
        mc = Monitor.of(lib, c)
        c.connect(vacant.endpoint)
        events = mc.until("CONNECT_RETRIED")
        vacant.release()
        return [e.name for e in events]

    assert_same(run_both(scenario),
                [e[0] for e in _failed_attempt(transport)] + ["CONNECT_RETRIED"])


@pytest.mark.parametrize("transport", WIRE)
def test_reconnect_when_peer_comes_back_on_same_endpoint(transport, ipc_dir):
    def scenario(lib, ctx):
        b, c, mb, mc, ep, eb, ec = _pair(lib, ctx, transport, ipc_dir,
                                         reconnect_ivl=100, reconnect_ivl_max=400)
        b.close()
        gone = mc.until("CONNECT_RETRIED", count=2)
        b2 = sock(ctx, lib)
        mb2 = Monitor.of(lib, b2)
        b2.bind(ep)  # the same port / path again
        assert last_ep(b2) == ep
        back = mc.until("HANDSHAKE_SUCCEEDED")
        binder2 = mb2.until("HANDSHAKE_SUCCEEDED") + mb2.quiet()
        names = endpoint_names(ep)
        return {"gone": norm(gone, names),
                "back": _after_last_retry(norm(back, names)),
                "new binder": norm(binder2, names)}

    assert_same(run_both(scenario), {
        # A lost connection starts a fresh back-off at RECONNECT_IVL.
        "gone": [("DISCONNECTED", "fd", "EP"), ("CONNECT_RETRIED", 100, "EP")]
        + _failed_attempt(transport) + [("CONNECT_RETRIED", 200, "EP")],
        "back": _connect_prefix(transport) + [("CONNECTED", "fd", "EP"), ("HANDSHAKE_SUCCEEDED", 0, "EP")],
        "new binder": [("LISTENING", "fd", "EP"), ("ACCEPTED", "fd", "EP"), ("HANDSHAKE_SUCCEEDED", 0, "EP")],
    })


@pytest.mark.parametrize("transport", WIRE)
def test_reconnect_ivl_disabled_no_retry(transport, ipc_dir):
    """RECONNECT_IVL -1: a lost connection is not redialled (no CONNECT_RETRIED)."""

    def scenario(lib, ctx):
        b, c, mb, mc, ep, eb, ec = _pair(lib, ctx, transport, ipc_dir, reconnect_ivl=-1)
        b.close()
        return norm(mc.until("DISCONNECTED") + mc.quiet(500), endpoint_names(ep))

    assert_same(run_both(scenario), [("DISCONNECTED", "fd", "EP")])


# ---------------------------------------------------------------------------
# stopping the monitor
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("transport", WIRE)
def test_disable_monitor_stops_events(transport, ipc_dir):
    def scenario(lib, ctx):
        s = sock(ctx, lib)
        m = Monitor.of(lib, s)
        s.bind(bind_ep(transport, ipc_dir))
        first = m.until("LISTENING")
        s.disable_monitor()
        stopped = m.until("MONITOR_STOPPED")
        s.bind(bind_ep(transport, ipc_dir))  # would be LISTENING if still monitored
        later = m.quiet()
        return [e.name for e in first], norm(stopped), norm(later)

    assert_same(run_both(scenario), (["LISTENING"], [("MONITOR_STOPPED", 0, "")], []))


def test_close_unbound_socket_monitor_stopped():
    def scenario(lib, ctx):
        s = sock(ctx, lib)
        m = Monitor.of(lib, s)
        s.close()
        return norm(m.quiet())

    assert_same(run_both(scenario), [("MONITOR_STOPPED", 0, "")])


def test_monitor_again_stops_previous_monitor():
    def scenario(lib, ctx):
        s = sock(ctx, lib)
        s.monitor("inproc://mon-one", lib.EVENT_ALL)
        one = ctx.socket(lib.PAIR)
        one.connect("inproc://mon-one")
        s.monitor("inproc://mon-two", lib.EVENT_ALL)
        two = ctx.socket(lib.PAIR)
        two.connect("inproc://mon-two")
        m1, m2 = Monitor(lib, one), Monitor(lib, two)
        s.bind("tcp://127.0.0.1:*")
        ep = last_ep(s)
        names = endpoint_names(ep)
        r = {"first": norm(m1.quiet(), names), "second": norm(m2.until("LISTENING") + m2.quiet(), names)}
        s.close()
        r["second after close"] = norm(m2.quiet(), names)
        r["first after close"] = norm(m1.quiet(100), names)
        return r

    assert_same(run_both(scenario), {
        "first": [("MONITOR_STOPPED", 0, "")],
        "second": [("LISTENING", "fd", "EP")],
        "second after close": [("CLOSED", "fd", "EP"), ("MONITOR_STOPPED", 0, "")],
        "first after close": [],
    })


# ---------------------------------------------------------------------------
# the events bitmask
# ---------------------------------------------------------------------------
FILTERS = {
    "listening": (["LISTENING"], ["LISTENING"]),
    "accepted|disconnected": (["ACCEPTED", "DISCONNECTED"], []),
    "handshake": (["HANDSHAKE_SUCCEEDED"], ["HANDSHAKE_SUCCEEDED"]),
    "connected|delayed": (["CONNECTED", "CONNECT_DELAYED"], ["CONNECTED", "CONNECT_DELAYED"]),
    "closed|stopped": (["CLOSED", "MONITOR_STOPPED"], ["CLOSED", "MONITOR_STOPPED"]),
    "no stopped": (["LISTENING", "ACCEPTED", "CONNECTED", "DISCONNECTED"],
                   ["LISTENING", "ACCEPTED", "CONNECTED", "DISCONNECTED"]),
}


@pytest.mark.parametrize("which", list(FILTERS))
def test_events_filter(which):
    """Monitor both ends of a connection with the same mask through a
    scripted life (bind, connect, handshake, peer close, unbind, disable):
    only the selected events come out."""
    binder_events, connector_events = FILTERS[which]

    def scenario(lib, ctx):
        mask = 0
        for name in binder_events:
            mask |= getattr(lib, "EVENT_" + name)
        cmask = 0
        for name in connector_events:
            cmask |= getattr(lib, "EVENT_" + name)
        b = sock(ctx, lib)
        c = sock(ctx, lib, reconnect_ivl=-1)
        mb = Monitor.of(lib, b, mask)
        mc = Monitor.of(lib, c, cmask)
        b.bind("tcp://127.0.0.1:*")
        ep = last_ep(b)
        c.connect(ep)
        # wait for the connection to be up, through the data path
        c.send(b"x")
        assert b.poll(3000), "no connection"
        b.recv()
        c.disconnect(ep)
        kick = lambda: c.getsockopt(lib.EVENTS)  # noqa: E731
        mb.kick = kick
        got_b = mb.quiet(300)
        b.unbind(ep)
        got_b += mb.quiet(300)
        b.disable_monitor()
        c.disable_monitor()
        got_b += mb.quiet(300)
        got_c = mc.quiet(300)
        return {"binder": sorted({e.name for e in got_b}), "connector": sorted({e.name for e in got_c})}

    results = run_both(scenario)
    assert_same(results)
    # every event of the mask that this life produces, and no other
    assert set(results["lz"]["binder"]) <= set(binder_events)
    assert set(results["lz"]["connector"]) <= set(connector_events)


def test_events_filter_sequence_exact():
    """A mask of ACCEPTED|DISCONNECTED|HANDSHAKE_SUCCEEDED on the binder: exact sequence."""

    def scenario(lib, ctx):
        b = sock(ctx, lib)
        c = sock(ctx, lib)
        mb = Monitor.of(lib, b, lib.EVENT_ACCEPTED | lib.EVENT_DISCONNECTED | lib.EVENT_HANDSHAKE_SUCCEEDED)
        b.bind("tcp://127.0.0.1:*")
        ep = last_ep(b)
        c.connect(ep)
        events = mb.until("HANDSHAKE_SUCCEEDED")
        c.close()
        events += mb.until("DISCONNECTED") + mb.quiet()
        return norm(events, endpoint_names(ep))

    assert_same(run_both(scenario), [("ACCEPTED", "fd", "EP"), ("HANDSHAKE_SUCCEEDED", 0, "EP"),
                                     ("DISCONNECTED", "fd", "EP")])


# ---------------------------------------------------------------------------
# API: arguments, errors, get_monitor_socket
# ---------------------------------------------------------------------------
def test_monitor_argument_errors():
    def scenario(lib, ctx):
        out = {}
        s = sock(ctx, lib)
        for label, addr, events in [
            ("tcp address", "tcp://127.0.0.1:5", lib.EVENT_ALL),
            ("ipc address", "ipc:///tmp/nowhere-monitor", lib.EVENT_ALL),
            ("bit 16", "inproc://mon-arg-1", 1 << 16),
            ("events 0", "inproc://mon-arg-2", 0),
        ]:
            try:
                s.monitor(addr, events)
                out[label] = "ok"
            except lib.ZMQError as e:
                out[label] = e.errno
        s.disable_monitor()
        other = sock(ctx, lib)
        other.bind("inproc://mon-taken")
        try:
            s.monitor("inproc://mon-taken", lib.EVENT_ALL)
            out["address in use"] = "ok"
        except lib.ZMQError as e:
            out["address in use"] = e.errno
        return out

    assert_same(run_both(scenario), {
        "tcp address": errno.EPROTONOSUPPORT,
        "ipc address": errno.EPROTONOSUPPORT,
        "bit 16": errno.EINVAL,
        "events 0": "ok",
        "address in use": errno.EADDRINUSE,
    })


def test_get_monitor_socket_identity_and_type():
    def scenario(lib, ctx):
        s = sock(ctx, lib)
        m1 = s.get_monitor_socket()
        m2 = s.get_monitor_socket()
        same = m1 is m2
        kind = m1.getsockopt(lib.TYPE) == lib.PAIR
        s.disable_monitor()
        # (a new address: libzmq unbinds the old monitor endpoint asynchronously)
        m3 = s.get_monitor_socket(addr="inproc://monitor-identity-second")
        fresh = m3 is not m1 and not m3.closed
        s.bind("tcp://127.0.0.1:*")
        works = [e.name for e in Monitor(lib, m3).until("LISTENING")]
        return same, kind, fresh, works

    assert_same(run_both(scenario), (True, True, True, ["LISTENING"]))


def test_get_monitor_socket_with_addr():
    def scenario(lib, ctx):
        s = sock(ctx, lib)
        m = s.get_monitor_socket(addr="inproc://my-monitor-addr")
        peek = ctx.socket(lib.PAIR)
        try:
            peek.bind("inproc://my-monitor-addr")
            in_use = False
        except lib.ZMQError as e:
            in_use = e.errno == errno.EADDRINUSE
        peek.close()
        s.bind("tcp://127.0.0.1:*")
        return in_use, [e.name for e in Monitor(lib, m).until("LISTENING")]

    assert_same(run_both(scenario), (True, ["LISTENING"]))


# ---------------------------------------------------------------------------
# inproc
# ---------------------------------------------------------------------------
def test_inproc_emits_no_events():
    """libzmq reports nothing for inproc: no LISTENING, no ACCEPTED /
    CONNECTED / HANDSHAKE_SUCCEEDED, no DISCONNECTED, no CLOSED; only
    MONITOR_STOPPED when the socket closes."""

    def scenario(lib, ctx):
        ep = "inproc://monitor-inproc-life"
        b = sock(ctx, lib)
        c = sock(ctx, lib)
        mb = Monitor.of(lib, b)
        mc = Monitor.of(lib, c)
        b.bind(ep)
        c.connect(ep)
        c.send(b"ping")
        assert b.poll(2000)
        b.recv()
        r = {"up": (norm(mb.quiet()), norm(mc.quiet()))}
        c.disconnect(ep)
        b.unbind(ep)
        r["down"] = (norm(mb.quiet()), norm(mc.quiet()))
        # libzmq emits MONITOR_STOPPED when the socket is destroyed, which
        # needs its inproc peer to acknowledge the pipes' end: kick the peer.
        c.close()
        mc.kick = lambda: b.getsockopt(lib.EVENTS)
        closed_c = norm(mc.quiet())
        b.close()
        r["closed"] = (norm(mb.quiet()), closed_c)
        return r

    assert_same(run_both(scenario), {
        "up": ([], []),
        "down": ([], []),
        "closed": ([("MONITOR_STOPPED", 0, "")], [("MONITOR_STOPPED", 0, "")]),
    })


def test_inproc_connect_before_bind_no_events():
    def scenario(lib, ctx):
        ep = "inproc://monitor-inproc-late"
        c = sock(ctx, lib)
        mc = Monitor.of(lib, c)
        c.connect(ep)
        b = sock(ctx, lib)
        mb = Monitor.of(lib, b)
        b.bind(ep)
        c.send(b"x")
        assert b.poll(2000)
        return norm(mc.quiet()), norm(mb.quiet())

    assert_same(run_both(scenario), ([], []))
