# SPDX-License-Identifier: BSD-3-Clause
"""Queue leases: members share ports by queues. A claim is exclusive (a
conflicting one is refused with EBUSY naming the holder, and changes
nothing); leases go with their member (SIGKILL: at once, through its pidfd)
and with their port (stop, detach: after the quiesce round), with events;
a member polls only what it holds, which the test build's per-queue owner
tokens check inside every burst."""
import signal

import pytest

from devices import FORWARD as SHARED, forwarding_ports, port_stats
from hpd import RpcError, Subscriber, fault_hooks, wait_for

needs_hooks = pytest.mark.skipif(not fault_hooks(), reason="needs a -Dfault_hooks=true build")

Q3 = {"rxq": 3, "txq": 3}


def three_queue_group(factory, devices=("net_null0",), **kw):
    g = factory(secondaries=0, **kw)
    for d in devices:
        g.primary.call("attach", {"devargs": d})
        g.primary.call("start", {"device": d.split(",")[0], "config": Q3})
    return g


def worker(g, rule, mode="rxonly", ports="net_null*", env=None, lcores="0@0,1@1"):
    return g.add_secondary(lcores=lcores, env=env, extra=[
        "--worker", mode, "--worker-ports", ports, "--worker-queues", rule])


def leases(g):
    """{(device, dir, queue): holder pid}"""
    return {(q["device"], q["dir"], q["queue"]): q["member"]["pid"]
            for q in g.primary.call("queues")["queues"]}


def rx_queues(proc, device):
    """{queue: rx count} a hotplugd worker counted on device."""
    for p in proc.call("stats")["ports"]:
        if p["name"] == device:
            return {q["queue"]: q["rx"] for q in p["queues"]}
    return {}


def test_conflicting_claims_are_refused_naming_the_holder(group_factory):
    g = three_queue_group(group_factory)
    a = worker(g, "q=0-1")
    held = leases(g)
    assert held == {("net_null0", d, q): a.pid for d in ("rx", "tx") for q in (0, 1)}, held
    # a library member asks for a queue a holds: refused, and it exits
    app = g.add_app(args=["--name", "late", "--ports", "net_null*", "--queues", "q=2"])
    wait_for(lambda: leases(g).get(("net_null0", "rx", 2)) == app.pid, 10, "the app's claim")
    with pytest.raises(RpcError) as e:  # on its behalf, through the control socket
        g.primary.call("claim", {"rule": "port=net_null0:q=1", "member": app.pid})
    data = e.value.error["data"]
    assert data["errno"] == "EBUSY" and data["holder"]["pid"] == a.pid, data
    assert f"pid {a.pid}" in data["reason"] and "changed nothing" in data["reason"], data
    # n=2 on a port with one free queue: refused whole, not half granted
    with pytest.raises(RpcError) as e:
        g.primary.call("claim", {"rule": "port=net_null0:n=2", "member": app.pid})
    assert e.value.error["data"]["errno"] == "EBUSY", e.value.error
    for bad in ["q=", "q=5-2", "port=:q=1", "dir=up:q=0", "n=0", "q=0:n=1", "x" * 200,
                "port=net_null0:q=7"]:
        with pytest.raises(RpcError, match="") as e:
            g.primary.call("claim", {"rule": bad, "member": app.pid})
            raise AssertionError(f"claim {bad!r} was accepted")
        assert e.value.error["data"]["errno"] in ("EINVAL", "ENAMETOOLONG"), (bad, e.value.error)
    assert len(leases(g)) == 6
    with pytest.raises(RpcError) as e:  # not a member
        g.primary.call("claim", {"rule": "q=2", "member": 1})
    assert e.value.error["data"]["errno"] == "ENOENT"
    # a worker that cannot get what it is configured for does not start
    with pytest.raises(RuntimeError) as e:
        worker(g, "port=net_null0:q=1")
    assert f"pid {a.pid}" in str(e.value) and "EBUSY" in str(e.value).upper() or \
        "busy" in str(e.value), str(e.value)
    # nothing of it changed the table
    assert leases(g) == {**held, **{("net_null0", d, 2): app.pid for d in ("rx", "tx")}}
    claims = g.primary.call("queues")["claims"]
    assert sorted(c["member"]["pid"] for c in claims) == sorted([a.pid, app.pid]), claims
    # a release by someone else than the holder is refused (it polls them)
    with pytest.raises(RpcError) as e:
        g.primary.call("release", {"member": a.pid})
    assert e.value.error["data"]["errno"] == "EPERM"
    # every queue polled, each by its holder only
    wait_for(lambda: set(rx_queues(a, "net_null0")) == {0, 1}, 10, "a to poll q0 and q1")
    assert g.primary.call("queues")["violations"] == 0


def test_sigkill_releases_leases_and_a_new_member_claims_them(group_factory):
    g = three_queue_group(group_factory, daemon_args=["--ping-timeout", "1000"])
    a = worker(g, "all")
    assert set(leases(g).values()) == {a.pid} and len(leases(g)) == 6
    sub = Subscriber(g.primary.sock_path)
    a.kill(signal.SIGKILL)
    ev = sub.wait_event(lambda e: e["event"] == "queue.released", 1.0, "queue.released")
    assert ev["reason"] == "member_gone" and ev["member"]["pid"] == a.pid, ev
    assert ev["rx"] == [0, 1, 2] and ev["tx"] == [0, 1, 2], ev
    wait_for(lambda: leases(g) == {}, 1.0, "the leases to go")
    b = worker(g, "all")
    ev = sub.wait_event(lambda e: e["event"] == "queue.claimed", 5, "queue.claimed")
    assert ev["member"]["pid"] == b.pid and ev["rx"] == [0, 1, 2], ev
    wait_for(lambda: set(rx_queues(b, "net_null0")) == {0, 1, 2}, 10, "b to poll them")
    # ps and list show them too
    m = [m for m in g.primary.call("ps")["members"] if m.get("pid") == b.pid][0]
    assert m["queues"] == [{"port": 0, "device": "net_null0", "rx": [0, 1, 2],
                            "tx": [0, 1, 2]}], m
    port = g.primary.call("list")["ports"][0]["queues"]
    assert port["rx"] == 3 and len(port["leases"]) == 6, port
    out = g.hpctl("queues", check=True).stdout
    assert "net_null0" in out and f"({b.pid})" in out, out
    sub.close()


def test_a_release_lets_go_first_and_frees_for_another(group_factory):
    """hpd_fwd releases (SIGUSR1): its lcores leave the queues, then the
    primary frees them (queue.released, reason released) and another member
    claims them; claiming again (SIGUSR2) is refused, EBUSY, while the
    other holds them."""
    g = three_queue_group(group_factory)
    app = g.add_app(args=["--name", "fwd", "--ports", "net_null*", "--queues", "q=1"])
    wait_for(lambda: leases(g).get(("net_null0", "rx", 1)) == app.pid, 10, "the app's claim")
    sub = Subscriber(g.primary.sock_path)
    app.p.send_signal(signal.SIGUSR1)
    ev = sub.wait_event(lambda e: e["event"] == "queue.released", 10)
    assert ev["reason"] == "released" and ev["member"]["pid"] == app.pid, ev
    assert leases(g) == {}
    b = worker(g, "q=1")
    assert leases(g)[("net_null0", "rx", 1)] == b.pid
    app.p.send_signal(signal.SIGUSR2)
    wait_for(lambda: "claim q=1: Device or resource busy" in app.logtext(), 10, "the refusal")
    wait_for(lambda: rx_queues(b, "net_null0").get(1, 0) > 1000, 10, "b to poll q1")
    assert g.primary.call("queues")["violations"] == 0
    sub.close()


def test_port_down_releases_and_start_grants_again(group_factory):
    g = three_queue_group(group_factory, devices=("net_null0", "net_null1"))
    a = worker(g, "port=net_null*:q=1")
    assert leases(g) == {(n, d, 1): a.pid for n in ("net_null0", "net_null1")
                         for d in ("rx", "tx")}
    sub = Subscriber(g.primary.sock_path)
    res = g.primary.call("stop", {"device": "net_null1"})
    assert res["quiesce_ms"] > 0, res
    ev = sub.wait_event(lambda e: e["event"] == "queue.released", 5)
    assert ev["reason"] == "stopped" and ev["device"] == "net_null1", ev
    g.primary.call("start", {"device": "net_null1"})  # the standing claim, again
    ev = sub.wait_event(lambda e: e["event"] == "queue.claimed" and e["device"] == "net_null1",
                        5)
    assert ev["rx"] == [1] and ev["member"]["pid"] == a.pid, ev
    g.primary.call("detach", {"device": "net_null0"})
    ev = sub.wait_event(lambda e: e["event"] == "queue.released" and e["reason"] == "detached",
                        5)
    assert ev["device"] == "net_null0" and ev["member"]["pid"] == a.pid, ev
    assert {k[0] for k in leases(g)} == {"net_null1"}
    # a port attached later matches the rule: it gets the queue too
    g.primary.call("attach", {"devargs": "net_null2"})
    g.primary.call("start", {"device": "net_null2", "config": Q3})
    wait_for(lambda: leases(g).get(("net_null2", "rx", 1)) == a.pid, 5, "the later port")
    wait_for(lambda: set(rx_queues(a, "net_null2")) == {1}, 10, "a to poll it")
    assert a.alive()
    sub.close()


def test_reconfigure_revokes_and_grants_again_under_polling(group_factory):
    """Changing a started port's queue count while members poll it: after
    the quiesce round the leases go (reason reconfigured), the standing
    claims take the queues the port has now, and the members poll those:
    never a queue the port no longer has."""
    g = three_queue_group(group_factory)
    a = worker(g, "all")
    wait_for(lambda: set(rx_queues(a, "net_null0")) == {0, 1, 2}, 10, "a to poll 3 queues")
    sub = Subscriber(g.primary.sock_path)
    seen = 0  # wait_event looks at every event kept: only those of this round
    for n in (1, 2, 3):
        g.primary.call("configure", {"device": "net_null0", "config": {"rxq": n, "txq": n}})
        ev = sub.wait_event(lambda e: e["event"] == "queue.released" and e["seq"] > seen, 5)
        assert ev["reason"] == "reconfigured" and ev["member"]["pid"] == a.pid, ev
        ev = sub.wait_event(lambda e: e["event"] == "queue.claimed" and e["seq"] > ev["seq"], 5)
        assert ev["rx"] == list(range(n)) and ev["member"]["pid"] == a.pid, ev
        seen = ev["seq"]
        assert {k[2] for k in leases(g)} == set(range(n))
        before = rx_queues(a, "net_null0")
        wait_for(lambda: all(rx_queues(a, "net_null0").get(q, 0) > before.get(q, 0)
                             for q in range(n)), 10, f"a to poll {n} queues")
    assert a.alive() and g.primary.call("queues")["violations"] == 0
    sub.close()


def test_each_member_polls_only_its_queues(group_factory):
    """Two workers, one queue each, on the same port: every burst swaps the
    queue's owner token (test builds), and none ever found another poller."""
    g = three_queue_group(group_factory)
    a = worker(g, "q=0")
    b = worker(g, "q=1", lcores="0@0,2@1")
    for w, q in ((a, 0), (b, 1)):
        wait_for(lambda: rx_queues(w, "net_null0").get(q, 0) > 100000, 10, f"q{q} polled")
        assert set(rx_queues(w, "net_null0")) == {q}
    assert g.primary.call("queues")["violations"] == 0


@needs_hooks
def test_owner_tokens_catch_two_pollers_on_one_queue(group_factory):
    """The broken code: lease enforcement off in the members
    (HOTPLUGD_NO_LEASE_CHECK), so both poll every queue. The owner tokens
    see it: the check test_each_member_polls_only_its_queues makes fails
    on this code."""
    g = three_queue_group(group_factory)
    broken = {"HOTPLUGD_NO_LEASE_CHECK": "1"}
    a = worker(g, "q=0", env=broken)
    b = worker(g, "q=1", env=broken, lcores="0@1,1@0")  # polling on the other CPU
    wait_for(lambda: g.primary.call("queues")["violations"] > 0, 20, "the detector to fire")
    assert "polled by pid" in a.logtext() + b.logtext()
    out = g.hpctl("queues", check=True).stdout
    assert "violations:" in out, out


def totals(m):
    """(in, out + drops) of a member over every port it ever polled."""
    s = m.stats() if hasattr(m, "stats_path") else m.call("stats")["datapath"]
    return s["rx"], s["tx"] + s["drop"]


@pytest.mark.parametrize("rounds", [1000])
def test_members_share_ports_by_queues_under_churn(group_factory, rounds):
    """null0 -> memif0 ~~> memif1 -> null1 with 3 queues, forwarded by two
    hotplugd workers and one hpd_fwd, each on its own queue, while other
    devices come and go; then the shared ports are detached under traffic.
    Every member's counters balance (in = out + drops) and no queue ever
    had two pollers."""
    g = forwarding_ports(group_factory, queues=3)
    pats = "net_null*,net_memif*"
    w0 = worker(g, "q=0", mode="io", ports=pats)
    w1 = worker(g, "q=1", mode="io", ports=pats, lcores="0@0,2@1")
    app = g.add_app(lcores="0@0,3@1", args=["--name", "fwd2", "--ports", pats,
                                            "--queues", "q=2"])
    members = [w0, w1, app]
    wait_for(lambda: len(leases(g)) == 3 * 2 * len(SHARED), 10, "every member's claim")
    held = leases(g)
    for m, q in zip(members, range(3)):
        assert all(held[(n, d, q)] == m.pid for n in SHARED for d in ("rx", "tx")), held
    for m in members:
        wait_for(lambda: port_stats(m).get("net_memif1", {}).get("rx", 0) > 1000, 20,
                 "traffic through memif on every member's queue")
    for i in range(rounds):  # other devices come and go meanwhile
        g.primary.call("attach", {"devargs": "net_ring0"})
        g.primary.call("detach", {"device": "net_ring0"})
    before = port_stats(app)["net_memif1"]["rx"]
    wait_for(lambda: port_stats(app)["net_memif1"]["rx"] > before, 5, "still forwarding")
    # the shared ports themselves, under traffic
    for d in SHARED:
        res = g.primary.call("detach", {"device": d})
        assert res["quiesce_ms"] > 0, res
    assert leases(g) == {}
    wait_for(lambda: app.stats().get("detached", 0) >= 4 + rounds, 10, "the app's view")
    for m in members:
        assert m.alive()
        rx, out = totals(m)
        assert rx > 0 and rx == out, (m.pid, rx, out)
    assert g.primary.call("queues")["violations"] == 0
    g.assert_none_died()


def test_one_worker_polls_two_queues_of_memif_on_two_lcores(group_factory):
    """One hotplugd worker with two polling lcores (ids 1 and 2, on the two
    CPUs) on 2-queue null and memif ports: queue 0 of every port on one
    lcore, queue 1 on the other, so both lcores burst on the same memif
    ports from their first packet. memif maps a port's memory in a
    secondary inside the first burst, without a lock: before the member
    serialised a port's bursts until its first packet (queues_cold), the
    two lcores set it up together and the worker crashed (reset the control
    connection on its first stats). Started a few times, as the race is at
    start-up; the last one's counters balance after the shared ports go."""
    g = forwarding_ports(group_factory, queues=2)
    pats = "net_null*,net_memif*"
    for i in range(4):
        w = worker(g, "all", mode="io", ports=pats, lcores="0@0,1@0,2@1")
        for q in (0, 1):
            wait_for(lambda: rx_queues(w, "net_memif1").get(q, 0) > 1000, 20,
                     f"traffic through memif on queue {q}")
        assert w.alive()
        s = w.call("stats")
        assert s["datapath"]["workers"] == 2, s["datapath"]
        if i < 3:
            w.terminate()
    for d in SHARED:
        g.primary.call("detach", {"device": d})
    rx, out = totals(w)
    assert rx > 0 and rx == out, (rx, out)
    assert w.alive()
    assert g.primary.call("queues")["violations"] == 0
    g.assert_none_died()
