# SPDX-License-Identifier: BSD-3-Clause
"""Secondaries do the packet work: a worker secondary forwards at full rate
through memif while the primary churns another device, then the very ports
being forwarded are stopped and detached under traffic. No crash, no
sanitizer report (in the test build), counters consistent."""
import os
import shutil
import subprocess

import pytest

from devices import FORWARD, forwarding_group, port_stats
from hpd import HPD_FWD, fault_hooks, wait_for

needs_hooks = pytest.mark.skipif(not fault_hooks(), reason="needs a -Dfault_hooks=true build")

def stats(proc):
    return port_stats(proc)


def balanced(s):
    """Every packet a worker received it sent or counted as dropped (give or
    take the bursts in flight while the counters were read)."""
    rx = sum(p["rx"] for p in s.values())
    out = sum(p["tx"] + p["drop"] for p in s.values())
    return abs(rx - out) <= 2 * 32 * len(s), (rx, out)


@pytest.mark.parametrize("member", ["hotplugd", "example"])
def test_forwarding_survives_churn_and_detach_of_forwarded_ports(group_factory, member):
    """member: hotplugd's own --worker secondary, or examples/hpd_fwd, a
    third-party secondary built on libhotplugd-member."""
    app = member == "example"
    g, w = forwarding_group(group_factory, app=app)
    if app:  # a member like the others, without a control socket to ask
        ps = g.hpctl("ps")
        assert "fwd" in ps.stdout and "(library member)" in ps.stdout, ps.stdout
        chk = g.hpctl("check")  # compared by what it published itself
        assert chk.returncode == 0 and "consistent: 1 members agree" in chk.stdout, chk.stdout
    before = stats(w)
    for i in range(1000):  # another device comes and goes, 1000 times
        g.primary.call("attach", {"devargs": "net_ring0"})
        g.primary.call("detach", {"device": "net_ring0"})
    wait_for(lambda: stats(w)["net_memif1"]["rx"] > before["net_memif1"]["rx"], 5,
             "still forwarding")
    after = stats(w)
    if not app:
        assert all(after[n]["polled"] for n in FORWARD)
    ok, counts = balanced(after)
    assert ok, counts
    # ring0 was never the worker's (not its pattern): the member attached
    # and detached it each time, and has it no more
    assert "net_ring0" not in stats(w)
    # now the very ports being forwarded: stopped (after a quiesce round)
    # and detached, under full traffic
    res = g.primary.call("detach", {"device": "net_memif0"})
    assert res["quiesce_ms"] > 0, res  # a polled port: its readers were waited for
    g.primary.call("stop", {"device": "net_null0"})
    g.primary.call("detach", {"device": "net_null0"})
    g.primary.call("detach", {"device": "net_memif1"})
    g.primary.call("detach", {"device": "net_null1"})
    assert w.p.poll() is None  # alive
    if not app:
        assert w.ports() == {}
        assert "quiesce port" in w.logtext()
        return
    wait_for(lambda: stats(w) == {}, 5, "the example to have no port left")
    w.stop()  # it writes its final counters as it exits
    assert w.p.returncode == 0, w.logtext()
    final = w.stats()
    # exact now: no burst in flight once its lcores have returned
    assert final["rx"] > 0 and final["rx"] == final["tx"] + final["drop"], final
    assert final["attached"] >= 1000 and final["detached"] >= 1004, final
    assert final["quiesced"] >= 1, final  # the stop of net_null0
    assert "quiesced port" in w.logtext()


@needs_hooks
@pytest.mark.parametrize("member", ["hotplugd", "example"])
def test_no_burst_outlives_its_port(group_factory, member):
    """The test build makes every burst 5 ms long and aborts the member if a
    port it held was stopped or removed before the burst ended: stops and
    detaches of forwarded ports, and churn around them, must wait for the
    bursts (this fails within a few operations when quiescing is skipped)."""
    g, w = forwarding_group(group_factory, app=member == "example",
                            env={"HOTPLUGD_SLOW_BURST_US": "5000"})
    for _ in range(20):
        g.primary.call("attach", {"devargs": "net_ring0"})
        g.primary.call("detach", {"device": "net_ring0"})
        n = stats(w)["net_null1"]["rx"]
        g.primary.call("stop", {"device": "net_null1"})
        g.primary.call("start", {"device": "net_null1"})
        # polled again, so that the next stop finds it held
        wait_for(lambda: w.p.poll() is not None or stats(w)["net_null1"]["rx"] > n, 5,
                 "null1 polled again")
    for d in FORWARD:
        g.primary.call("detach", {"device": d})
    assert w.p.poll() is None, w.logtext()
    assert "inside a burst" not in w.logtext()


def test_example_without_a_primary_says_why(tmp_path):
    """No primary at all: the example's EAL cannot start as a secondary; it
    says so and exits 1 (it never reaches the library)."""
    prefix = f"hptapp{os.getpid() % 100000}"
    r = subprocess.run([HPD_FWD, "--lcores", "0@0,1@1", "--no-pci", "--no-huge", "-m", "64",
                        "--file-prefix", prefix, "--proc-type=secondary"],
                       capture_output=True, text=True, timeout=60)
    shutil.rmtree(f"/var/run/dpdk/{prefix}", ignore_errors=True)
    assert r.returncode == 1
    assert "hpd_fwd: EAL:" in r.stderr, r.stderr


def witness_moves(w, name="net_null9", by=10000):
    """Wait until the worker received `by` more packets on a witness port:
    proof that its loop went round many times since the call, so a port
    that it should not poll had every chance to show it did."""
    n = stats(w)[name]["rx"]
    wait_for(lambda: stats(w)[name]["rx"] > n + by, 10, f"the worker to poll {name}")


def test_worker_leaves_ports_without_secondary_datapath(group_factory):
    g = group_factory(secondaries=0)
    veth = g.netns.veth()
    g.primary.call("attach", {"devargs": f"net_af_packet0,iface={veth}"})
    for d in ("net_null0", "net_null9"):  # net_null9: the witness that the loop runs
        g.primary.call("attach", {"devargs": d})
        g.primary.call("start", {"device": d})
    g.primary.call("start", {"device": "net_af_packet0"})
    w = g.add_secondary(lcores="0@0,1@1", extra=["--worker", "rxonly"])
    wait_for(lambda: stats(w)["net_null0"]["rx"] > 1000, 20, "rx on net_null0")
    s = {p["name"]: p["datapath"] for p in w.call("list")["ports"]}
    assert s["net_af_packet0"]["datapath_here"] is False
    assert s["net_af_packet0"]["polled"] is False
    assert s["net_null0"]["polled"] is True
    # stopping a polled port: quiesced first, the worker lives on
    res = g.primary.call("stop", {"device": "net_null0"})
    assert res["quiesce_ms"] > 0, res
    n = stats(w)["net_null0"]["rx"]
    witness_moves(w)  # nothing may be received from a stopped port
    assert stats(w)["net_null0"]["rx"] == n and not stats(w)["net_null0"]["polled"]
    g.primary.call("start", {"device": "net_null0"})  # and used again once started
    wait_for(lambda: stats(w)["net_null0"]["rx"] > n, 10, "rx again after start")


def test_new_port_used_only_once_started(group_factory):
    g = group_factory(secondaries=0)
    w = g.add_secondary(lcores="0@0,1@1", extra=["--worker", "rxonly"])
    g.primary.call("attach", {"devargs": "net_null9"})
    g.primary.call("start", {"device": "net_null9"})
    g.primary.call("attach", {"devargs": "net_null3"})
    wait_for(lambda: "net_null3" in stats(w), 10, "attached in the worker")
    witness_moves(w)  # attached everywhere but not started: never polled
    assert stats(w)["net_null3"]["rx"] == 0 and not stats(w)["net_null3"]["polled"]
    g.primary.call("start", {"device": "net_null3"})
    wait_for(lambda: stats(w)["net_null3"]["rx"] > 0, 10, "polled once started")
