# SPDX-License-Identifier: BSD-3-Clause
"""Hotplug that stays consistent under faults: frozen, dead and failing
members, concurrent duplicates, vanished clients, a dead primary. Every case
ends with `hpctl check` clean. Durations are appended to
$HOTPLUGD_BUILDDIR/fault-timings.txt for the record."""
import os
import pathlib
import signal
import socket
import threading
import time

import pytest

from hpd import BUILD, Client, RpcError, Subscriber, fault_hooks, wait_for

needs_hooks = pytest.mark.skipif(not fault_hooks(), reason="needs a -Dfault_hooks=true build")


def record(name, ms):
    with open(os.path.join(BUILD, "fault-timings.txt"), "a") as f:
        f.write(f"{name}: {ms:.1f} ms\n")


def check_clean(g):
    r = wait_for(lambda: (lambda r: r if r.returncode == 0 else None)(g.hpctl("check")),
                 10, "hpctl check to pass")
    assert "consistent" in r.stdout


def refused_everywhere(procs, devargs, errno, words):
    """attach devargs from each process: refused with errno and reason
    words; returns the slowest answer (ms)."""
    worst = 0.0
    for p in procs:
        t = time.monotonic()
        with pytest.raises(RpcError) as e:
            p.call("attach", {"devargs": devargs})
        worst = max(worst, (time.monotonic() - t) * 1000)
        assert e.value.errno == errno, e.value.error
        assert words in e.value.error["data"]["reason"], e.value.error
    return worst


def timed_attach(proc, devargs):
    t = time.monotonic()
    res = proc.call("attach", {"devargs": devargs})
    return res, (time.monotonic() - t) * 1000


@pytest.mark.parametrize("origin", ["primary", "secondary"])
def test_frozen_member_is_fenced_quickly(group_factory, origin):
    g = group_factory(secondaries=3)
    frozen = g.secondaries[1]
    sub = Subscriber(g.primary.sock_path)
    frozen.freeze()
    proc = g.primary if origin == "primary" else g.secondaries[0]
    res, ms = timed_attach(proc, "net_null0")
    # the < 1 s target is measured in bench/; here: it completes, fenced
    record(f"attach with one of three secondaries frozen, from {origin}", ms)
    assert res["fenced"] == 1
    fenced = sub.wait_event(lambda e: e["event"] == "member.fenced")
    assert fenced["pid"] == frozen.pid
    frozen.wait_exit(-signal.SIGKILL)
    g.assert_consistent(["net_null0"])
    assert frozen.pid not in [m["pid"] for m in g.primary.call("ps")["members"]]
    # its supervisor restarts it: the new member re-syncs at start-up
    again = g.add_secondary()
    assert again.ports() == {0: "net_null0"}
    check_clean(g)
    sub.close()


def test_refuse_policy_blocks_until_member_answers(group_factory):
    g = group_factory(secondaries=2, daemon_args=["--unresponsive", "refuse"])
    frozen = g.secondaries[0]
    frozen.freeze()
    t = time.monotonic()
    with pytest.raises(RpcError) as e:
        g.primary.call("attach", {"devargs": "net_null0"})
    record("attach refused, member frozen (refuse policy)", (time.monotonic() - t) * 1000)
    assert e.value.errno == "EHOSTDOWN" and e.value.code == -32005
    assert e.value.error["data"]["member"]["pid"] == frozen.pid
    # while it stays frozen, nothing more is queued on its socket: refused at once
    with pytest.raises(RpcError) as e:
        g.secondaries[1].call("attach", {"devargs": "net_null0"})
    assert "unresponsive" in e.value.error["message"]
    assert g.primary.ports() == {} and g.secondaries[1].ports() == {}
    os.kill(frozen.pid, signal.SIGCONT)  # its late answer makes it healthy again
    wait_for(lambda: all(m["state"] == "healthy" for m in g.primary.call("ps")["members"]),
             5, "member healthy again")
    g.primary.call("attach", {"devargs": "net_null0"})
    g.assert_consistent(["net_null0"])
    check_clean(g)


@pytest.mark.parametrize("when", ["before", "after"])
@pytest.mark.parametrize("op", ["attach", "detach"])
def test_sigkill_member_around_operation(group_factory, when, op):
    g = group_factory(secondaries=2)
    victim = g.secondaries[0]
    if op == "detach":
        g.primary.call("attach", {"devargs": "net_null0"})
    if when == "before":
        victim.kill()
    t = time.monotonic()
    if op == "attach":
        g.primary.call("attach", {"devargs": "net_null0"})
    else:
        g.primary.call("detach", {"device": "net_null0"})
    record(f"{op} with a secondary SIGKILLed {when}", (time.monotonic() - t) * 1000)
    if when == "after":
        victim.kill()
    wait_for(lambda: len(g.primary.call("ps")["members"]) == 2, 5, "dead member removed")
    g.assert_consistent(["net_null0"] if op == "attach" else [])
    check_clean(g)


@needs_hooks
@pytest.mark.parametrize("op", ["attach", "detach"])
def test_sigkill_member_during_operation(group_factory, op):
    g = group_factory(secondaries=1)
    victim = g.add_secondary(env={"HOTPLUGD_FAULT": f"kill:{op}:net_null0"})
    victim.expect_exit(-signal.SIGKILL)  # the hook kills it in the middle of op
    if op == "detach":
        g.primary.call("attach", {"devargs": "net_null0"})
    t = time.monotonic()
    g.primary.call(op, {"devargs": "net_null0"} if op == "attach" else {"device": "net_null0"})
    record(f"{op} with a secondary dying during it", (time.monotonic() - t) * 1000)
    victim.wait_exit(-signal.SIGKILL)
    g.assert_consistent(["net_null0"] if op == "attach" else [])
    check_clean(g)


@needs_hooks
@pytest.mark.parametrize("op", ["attach", "detach"])
def test_sigstop_member_during_operation_fenced(group_factory, op):
    g = group_factory(secondaries=1, daemon_args=["--op-timeout", "800"])
    hung = g.add_secondary(env={"HOTPLUGD_FAULT": f"stop:{op}:net_null0"})
    if op == "detach":
        g.primary.call("attach", {"devargs": "net_null0"})
    t = time.monotonic()
    res = g.primary.call(op, {"devargs": "net_null0"} if op == "attach"
                         else {"device": "net_null0"})
    ms = (time.monotonic() - t) * 1000
    record(f"{op} with a secondary freezing during it (fence, op-timeout 800 ms)", ms)
    assert res.get("fenced") == 1
    hung.wait_exit(-signal.SIGKILL)
    g.assert_consistent(["net_null0"] if op == "attach" else [])
    check_clean(g)


@needs_hooks
def test_sigstop_during_attach_refuse_rolls_back_then_converges(group_factory):
    g = group_factory(secondaries=1, daemon_args=["--op-timeout", "800",
                                                  "--unresponsive", "refuse"])
    hung = g.add_secondary(env={"HOTPLUGD_FAULT": "stop:attach:net_null0"})
    with pytest.raises(RpcError) as e:
        g.primary.call("attach", {"devargs": "net_null0"})
    assert e.value.errno == "ETIMEDOUT" and e.value.error["data"]["rolled_back"]
    assert e.value.error["data"]["member"]["pid"] == hung.pid
    assert g.procs[0].ports() == {} and g.procs[1].ports() == {}
    os.kill(hung.pid, signal.SIGCONT)  # it now runs the attach, then the rollback
    wait_for(lambda: hung.ports() == {}, 5, "frozen member to converge")
    check_clean(g)


def test_failing_member_rolls_back_everywhere(group_factory):
    """A real failure in one secondary: net_pcap opens its files again in
    every process, and this member cannot see the file."""
    g = group_factory(secondaries=1)
    hidden = pathlib.Path(g.tmp) / "p"  # short: devargs are at most 127 bytes
    hidden.mkdir()
    (hidden / "in.pcap").write_bytes(bytes.fromhex("d4c3b2a1020004000000000000000000ffff000001000000"))
    wrap = ["unshare", "-m", "sh", "-c", f"mount -t tmpfs none {hidden} && exec \"$0\" \"$@\""]
    bad = g.add_secondary(wrap=wrap)
    sub = Subscriber(g.primary.sock_path)
    devargs = f"net_pcap0,rx_pcap={hidden}/in.pcap"  # tx: dropped
    t = time.monotonic()
    with pytest.raises(RpcError) as e:
        g.secondaries[0].call("attach", {"devargs": devargs})
    record("attach failing in one secondary, rolled back", (time.monotonic() - t) * 1000)
    data = e.value.error["data"]
    assert data.get("rolled_back"), e.value.error
    assert data["rolled_back"] and data["member"]["pid"] == bad.pid
    # the driver's own words (DPDK >= 23.11 prefixes its log type, and the
    # wire's 191-byte reason may end inside "No such file or directory")
    assert "Couldn't open" in data["reason"] and "in.pcap" in data["reason"], data
    sub.wait_event(lambda ev: ev["event"] == "device.rolled_back")
    # it answered (with its failure): the fence policy leaves it alive
    assert bad.alive() and data.get("fenced", 0) == 0, data
    g.assert_consistent([])
    check_clean(g)


@needs_hooks
def test_failing_member_during_detach_keeps_device(group_factory):
    g = group_factory(secondaries=1)
    g.add_secondary(env={"HOTPLUGD_FAULT": "fail:detach:net_null0"})
    g.primary.call("attach", {"devargs": "net_null0"})
    with pytest.raises(RpcError) as e:
        g.secondaries[0].call("detach", {"device": "net_null0"})
    assert e.value.error["data"]["rolled_back"]
    assert "fault injected" in e.value.error["data"]["reason"]
    g.assert_consistent(["net_null0"])
    check_clean(g)


def test_concurrent_duplicate_attach(group):
    barrier = threading.Barrier(2)
    results = []

    def attach(proc):
        c = Client(proc.sock_path)
        barrier.wait()
        results.append(c.call_raw("attach", {"devargs": "net_null0"}))
        c.close()

    threads = [threading.Thread(target=attach, args=(p,))
               for p in (group.secondaries[0], group.secondaries[1])]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    ok = [r for r in results if "result" in r]
    dup = [r for r in results if "error" in r]
    assert len(ok) == 1 and len(dup) == 1, results
    assert dup[0]["error"]["data"]["errno"] == "EEXIST"
    group.assert_consistent(["net_null0"])
    check_clean(group)


def test_client_disconnect_mid_request(group):
    sub = Subscriber(group.primary.sock_path)
    s = socket.socket(socket.AF_UNIX)
    s.connect(group.secondaries[0].sock_path)
    s.sendall(b'{"jsonrpc":"2.0","id":1,"method":"attach","params":{"devargs":"net_null0"}}\n')
    s.close()
    ev = sub.wait_event(lambda e: e["event"] == "device.attached")
    assert ev["device"] == "net_null0" and ev["origin"]["via"] == group.secondaries[0].pid
    group.assert_consistent(["net_null0"])
    check_clean(group)


def test_reads_answered_while_attach_in_flight(group_factory):
    """A hotplug never blocks the loop: with a member frozen, the attach
    waits out the ping deadline while list, status and ps answer at once."""
    g = group_factory(secondaries=2, daemon_args=["--ping-timeout", "1500"])
    g.secondaries[0].freeze()
    done = threading.Event()
    threading.Thread(target=lambda: (g.primary.call("attach", {"devargs": "net_null0"}),
                                     done.set()), daemon=True).start()
    wait_for(lambda: g.primary.call("status")["queued_operations"] == 1, 5, "attach in flight")
    g.secondaries[0].expect_fenced()  # by the ping deadline
    c = g.primary.client()  # one connection: the latency is the loop's, not connect()'s
    lat, answered = [], 0
    while not done.is_set():
        for method in ("list", "status", "ps"):
            t = time.monotonic()
            c.call(method)
            lat.append(time.monotonic() - t)
            # answered while the attach was provably still in flight
            answered += c.call("status")["queued_operations"] == 1
    c.close()
    lat.sort()
    p99 = lat[int(len(lat) * 0.99)]
    record("p99 / worst list/status/ps latency during an in-flight attach",
           p99 * 1000)
    assert answered >= 10, f"only {answered} reads answered during the attach"
    # generous (a loaded 2-core CI machine), and still far from the 1.5 s
    # the attach waits: a read that waited for it would show
    assert p99 < 0.1, f"p99 read latency {p99 * 1000:.1f} ms during an attach"
    g.secondaries[0].wait_exit(-signal.SIGKILL)  # fenced
    g.assert_consistent(["net_null0"])


def test_secondaries_exit_when_primary_dies(group):
    group.primary.call("attach", {"devargs": "net_null0"})
    t = time.monotonic()
    group.primary.kill()
    for s in group.secondaries:
        s.wait_exit(75)
    record("secondaries notice the primary's death and exit", (time.monotonic() - t) * 1000)
    for s in group.secondaries:
        assert "primary (pid" in s.logtext() and "exited" in s.logtext()


def test_frozen_member_does_not_starve_the_primarys_memory(group_factory):
    """The first start creates the mbuf pool: DPDK grows its heap and syncs
    the new memory with every secondary (mp_malloc_sync), which a frozen
    member would block until ENOMEM. The ping round fences it first."""
    g = group_factory(secondaries=2)
    g.primary.call("attach", {"devargs": "net_null0"})
    frozen = g.secondaries[1]
    frozen.freeze()
    t = time.monotonic()
    res = g.primary.call("start", {"device": "net_null0"})
    record("first start (heap grows) with a member frozen", (time.monotonic() - t) * 1000)
    assert res["fenced"] == 1
    frozen.wait_exit(-signal.SIGKILL)
    assert {p["name"]: p["state"] for p in g.primary.call("list")["ports"]} == \
        {"net_null0": "started"}
    check_clean(g)
