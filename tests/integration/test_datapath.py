# SPDX-License-Identifier: BSD-3-Clause
"""Secondaries do the packet work: a worker secondary forwards at full rate
through memif while the primary churns another device, then the very ports
being forwarded are stopped and detached under traffic. No crash, no
sanitizer report (in the test build), counters consistent."""
import time

from devices import FORWARD, forwarding_group, port_stats
from hpd import wait_for

def stats(proc):
    return port_stats(proc)


def balanced(s):
    """Every packet a worker received it sent or counted as dropped (give or
    take the bursts in flight while the counters were read)."""
    rx = sum(p["rx"] for p in s.values())
    out = sum(p["tx"] + p["drop"] for p in s.values())
    return abs(rx - out) <= 2 * 32 * len(s), (rx, out)


def test_forwarding_survives_churn_and_detach_of_forwarded_ports(group_factory):
    g, w = forwarding_group(group_factory)
    before = stats(w)
    for i in range(1000):  # another device comes and goes, 1000 times
        g.primary.call("attach", {"devargs": "net_ring0"})
        g.primary.call("detach", {"device": "net_ring0"})
    after = stats(w)
    assert after["net_memif1"]["rx"] > before["net_memif1"]["rx"]  # still forwarding
    assert all(after[n]["polled"] for n in FORWARD)
    ok, counts = balanced(after)
    assert ok, counts
    # ring0 was never the worker's: not polled while it existed
    assert "net_ring0" not in stats(w)
    # now the very ports being forwarded: stopped (after a quiesce round)
    # and detached, under full traffic
    res = g.primary.call("detach", {"device": "net_memif0"})
    assert res["quiesce_ms"] >= 0
    g.primary.call("stop", {"device": "net_null0"})
    g.primary.call("detach", {"device": "net_null0"})
    g.primary.call("detach", {"device": "net_memif1"})
    g.primary.call("detach", {"device": "net_null1"})
    assert w.ports() == {} and w.p.poll() is None  # alive, nothing left
    assert "quiesce port" in w.logtext()


def test_worker_leaves_ports_without_secondary_datapath(group_factory):
    g = group_factory(secondaries=0)
    veth = g.netns.veth()
    g.primary.call("attach", {"devargs": f"net_af_packet0,iface={veth}"})
    g.primary.call("attach", {"devargs": "net_null0"})
    g.primary.call("start", {"device": "net_af_packet0"})
    g.primary.call("start", {"device": "net_null0"})
    w = g.add_secondary(lcores="0@0,1@1", extra=["--worker", "rxonly"])
    wait_for(lambda: stats(w)["net_null0"]["rx"] > 1000, 20, "rx on net_null0")
    s = {p["name"]: p["datapath"] for p in w.call("list")["ports"]}
    assert s["net_af_packet0"]["datapath_here"] is False
    assert s["net_af_packet0"]["polled"] is False
    assert s["net_null0"]["polled"] is True
    # stopping a polled port: quiesced first, the worker lives on
    res = g.primary.call("stop", {"device": "net_null0"})
    assert "quiesce_ms" in res
    n = stats(w)["net_null0"]["rx"]
    time.sleep(0.2)  # nothing may be received from a stopped port
    assert stats(w)["net_null0"]["rx"] == n and not stats(w)["net_null0"]["polled"]
    g.primary.call("start", {"device": "net_null0"})  # and used again once started
    wait_for(lambda: stats(w)["net_null0"]["rx"] > n, 10, "rx again after start")


def test_new_port_used_only_once_started(group_factory):
    g = group_factory(secondaries=0)
    w = g.add_secondary(lcores="0@0,1@1", extra=["--worker", "rxonly"])
    g.primary.call("attach", {"devargs": "net_null3"})
    wait_for(lambda: "net_null3" in stats(w), 10, "attached in the worker")
    time.sleep(0.2)  # attached everywhere but not started: never polled
    assert stats(w)["net_null3"]["rx"] == 0 and not stats(w)["net_null3"]["polled"]
    g.primary.call("start", {"device": "net_null3"})
    wait_for(lambda: stats(w)["net_null3"]["rx"] > 0, 10, "polled once started")
