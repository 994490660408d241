# SPDX-License-Identifier: BSD-3-Clause
"""Port configuration owned by the primary (issue 15): queue and
descriptor counts, MTU, promiscuous mode, RSS and the mbuf pool, given with
start or configure, checked against the device's own limits, the same in
every process, kept in the state file and restored; a started port
reconfigured under traffic, and rolled back to its old configuration when
the new one fails."""
import json
import os
import socket

import pytest

from devices import FORWARD, forwarding_group, port_stats
from hpd import RpcError, fault_hooks, wait_for

needs_hooks = pytest.mark.skipif(not fault_hooks(), reason="needs a -Dfault_hooks=true build")

Q3 = {"rxq": 3, "txq": 3}


def state(g):
    with open(os.path.join(g.tmp, "state.json")) as f:
        return {d["devargs"].split(",")[0]: d for d in json.load(f)["devices"]}


def ports(proc):
    return {p["name"]: p for p in proc.call("list")["ports"]}


def port(proc, name):
    return ports(proc)[name]


def memif_pair(g):
    sock = os.path.join(g.tmp, "m.sock")
    return [f"net_memif0,role=server,socket={sock},socket-abstract=no",
            f"net_memif1,role=client,socket={sock},socket-abstract=no"]


def devices_of(kind, g):
    return {"null": ["net_null0"], "ring": ["net_ring0"], "memif": memif_pair(g)}[kind]


def snapshot(g):
    """What a refused change must leave as it was: every process's list
    (counters aside), the state file, the files in the group's directory."""
    lists = []
    for p in g.procs:
        ports = p.call("list")["ports"]
        for q in ports:
            q.pop("stats", None)
        lists.append(ports)
    with open(os.path.join(g.tmp, "state.json")) as f:
        text = f.read()
    return lists, text, sorted(os.listdir(g.tmp))


@pytest.mark.parametrize("kind", ["null", "memif", "ring"])
def test_three_queues_in_every_process_and_after_restart(group_factory, kind):
    g = group_factory(secondaries=1)
    devs = devices_of(kind, g)
    names = [d.split(",")[0] for d in devs]
    for d in devs:
        g.primary.call("attach", {"devargs": d})
    for n in names:
        res = g.primary.call("start", {"device": n, "config": Q3})
        assert res["name"] == n
    for p in g.procs:  # the secondary from its own ethdev
        for n in names:
            q = port(p, n)
            assert (q["rx_queues"], q["tx_queues"]) == (3, 3), (p.role, q)
            assert q["config"]["rxq"] == 3 and q["config"]["txq"] == 3, q
            assert q["state"] == "started"
    st = state(g)
    for n in names:
        assert st[n]["config"]["rxq"] == 3 and st[n]["started"], st
    g.primary.kill()
    g.secondaries[0].wait_exit(75)
    # the memif server's socket file outlives the killed primary: the new
    # one removes it (nobody listens) before its restore binds it again
    g.restart_primary()
    wait_for(lambda: all(ports(g.primary).get(n, {}).get("state") == "started"
                         for n in names), 20, "restore")
    if kind == "memif":
        assert "removed stale memif socket" in g.primary.logtext()
    s = g.add_secondary()
    for p in (g.primary, s):
        for n in names:
            q = port(p, n)
            assert (q["rx_queues"], q["tx_queues"], q["config"]["rxq"]) == (3, 3, 3), q


def test_rss_on_by_default_with_queues_where_the_device_hashes(group_factory):
    g = group_factory(secondaries=0)
    g.primary.call("attach", {"devargs": "net_null0"})
    g.primary.call("attach", {"devargs": "net_ring0"})
    g.primary.call("start", {"device": "net_null0", "config": {"rxq": 2, "rss": ["ip", "udp"]}})
    assert port(g.primary, "net_null0")["config"]["rss"] == ["ip", "udp"]
    # ring hashes nothing: auto is no RSS, asking for it is refused by name
    g.primary.call("start", {"device": "net_ring0", "config": {"rxq": 2}})
    with pytest.raises(RpcError) as e:
        g.primary.call("configure", {"device": "net_ring0", "config": {"rss": "tcp"}})
    assert e.value.errno == "EINVAL"
    assert "net_ring0 offers RSS on none, asked tcp" in e.value.error["data"]["reason"]


LIMITS = [
    ({"rxq": 2000}, "EINVAL", "net_null0 supports at most 1024 rx queues, asked 2000"),
    ({"txq": 1025}, "EINVAL", "net_null0 supports at most 1024 tx queues, asked 1025"),
    ({"mtu": 20}, "EINVAL", "net_null0 takes an MTU from 46 to 65535, asked 20"),
    ({"pool": {"socket": 7}}, "EINVAL", "NUMA socket 7 does not exist"),
    ({"pool": {"size": 100, "cache": 256}}, "EINVAL", "a cache of 256 mbufs per lcore"),
    ({"rxq": 3, "rxd": 512, "pool": {"size": 1000}}, "EINVAL",
     "1000 mbufs cannot fill 3 rx queues of 512 descriptors"),
    # more mbufs than the hugepages hold: refused before DPDK takes them all
    ({"pool": {"size": 4000000}}, "ENOMEM", "mbuf pool hpd_mb_4000000_256_-1: 4000000 mbufs"),
]

SYNTAX = [
    {"rxq": 0}, {"rxq": -1}, {"rxq": 70000}, {"rxq": "3"}, {"rxq": 3.0}, {"rxd": 1 << 40},
    {"queues": 3}, {"pool": {"size": 0}}, {"pool": {"sizes": 1}}, {"pool": 5},
    {"pool": {"socket": -2}}, {"rss": ["ip", "md5"]}, {"rss": 3}, {"promisc": "on"},
    {"mtu": 65536}, [], "rxq=3", {"pool": {"size": 1 << 31}},
]


@pytest.mark.parametrize("how", ["start", "configure", "restart"])
def test_each_limit_named_and_nothing_changes(group_factory, how):
    """Refused with the limit named; no process, the state file nor the
    group's directory changed; the port runs (or not) as it did."""
    g = group_factory(secondaries=1)
    g.primary.call("attach", {"devargs": "net_null0"})
    if how == "restart":  # a started port asked for another configuration
        g.primary.call("start", {"device": "net_null0", "config": {"rxq": 2}})
    before = snapshot(g)
    method = "configure" if how == "configure" else "start"
    for conf, errno, words in LIMITS:
        for p in g.procs:  # a secondary relays it to the primary
            with pytest.raises(RpcError) as e:
                p.call(method, {"device": "net_null0", "config": conf})
            assert e.value.errno == errno, (conf, e.value.error)
            assert words in e.value.error["data"]["reason"], (conf, e.value.error)
    for conf in SYNTAX:
        with pytest.raises(RpcError) as e:
            g.primary.call(method, {"device": "net_null0", "config": conf})
        assert e.value.code == -32602, (conf, e.value.error)
    assert snapshot(g) == before
    assert all(p.alive() for p in g.procs)


def test_descriptor_alignment_named(group_factory):
    """memif and null take any count; the limit check follows the device's
    own desc_lim, so a count outside it is named (net_ring takes up to its
    ring's size)."""
    g = group_factory(secondaries=0)
    g.primary.call("attach", {"devargs": "net_null0"})
    # every count within desc_lim is taken, powers of two or not
    for rxd in (1, 7, 1000):
        g.primary.call("configure", {"device": "net_null0", "config": {"rxd": rxd, "txd": rxd}})
    g.primary.call("start", {"device": "net_null0"})
    assert port(g.primary, "net_null0")["config"]["rxd"] == 1000


def test_stopped_port_keeps_its_configuration_for_its_next_start(group_factory):
    g = group_factory(secondaries=1)
    g.primary.call("attach", {"devargs": "net_null0"})
    g.primary.call("configure", {"device": "net_null0", "config": {"rxq": 4, "promisc": True}})
    assert port(g.secondaries[0], "net_null0")["config"]["rxq"] == 4
    assert state(g)["net_null0"]["config"]["rxq"] == 4
    g.primary.call("start", {"device": "net_null0"})
    q = port(g.secondaries[0], "net_null0")
    assert q["rx_queues"] == 4 and q["promisc"] is True, q
    # keys not given stay; null goes back to the default
    g.primary.call("configure", {"device": "net_null0", "config": {"rxq": None, "txq": 2}})
    q = port(g.primary, "net_null0")
    assert (q["rx_queues"], q["tx_queues"], q["config"]["promisc"]) == (1, 2, True), q


def test_devices_file_takes_a_configuration(group_factory):
    g = group_factory(secondaries=0)
    path = os.path.join(g.tmp, "devices.json")
    with open(path, "w") as f:
        json.dump({"devices": [{"devargs": "net_null0", "start": True, "config": Q3},
                               {"devargs": "net_null1", "config": {"rxq": 2}}]}, f)
    g.primary.terminate()
    g.restart_primary(extra=["--devices", path])
    wait_for(lambda: ports(g.primary).get("net_null0", {}).get("state") == "started" and
             "net_null1" in ports(g.primary), 20, "devices restored")
    assert port(g.primary, "net_null0")["rx_queues"] == 3
    q = port(g.primary, "net_null1")
    assert q["state"] == "stopped" and q["config"]["rxq"] == 2


def test_reconfigure_under_traffic(group_factory):
    """A worker forwards null0 <-> memif0 ~~ memif1 <-> null1; the primary
    changes the queue counts of the forwarded ports again and again: each
    time they are quiesced, stopped, reconfigured and started, the worker
    sees the new counts, nothing crashes, and traffic resumes on the null
    ports. (Whether a secondary's memif follows new rings is DPDK 22.11's
    memif: it maps them once; see docs/operations.md.)"""
    g, w = forwarding_group(group_factory)
    for i, n in enumerate([3, 1, 2, 3]):
        for d in FORWARD:
            res = g.primary.call("configure", {"device": d, "config": {"rxq": n, "txq": n}})
            assert res["quiesce_ms"] > 0, res
        for d in FORWARD:
            q = port(w, d)
            assert q["rx_queues"] == n and q["state"] == "started", q
        before = port_stats(w)["net_null0"]["rx"]
        wait_for(lambda: port_stats(w)["net_null0"]["rx"] > before + 1000, 20,
                 f"traffic after reconfiguration {i}")
    g.assert_none_died()


@needs_hooks
def test_failed_reconfigure_rolls_back_to_the_old_configuration(group_factory):
    """The queue setup of the new configuration fails (HOTPLUGD_FAULT in
    the primary) after the port was already configured with it: the old
    configuration goes back and the port runs again with it, under
    traffic, and the answer gives the real reason."""
    g, w = forwarding_group(group_factory, primary_env={"HOTPLUGD_FAULT":
                                                        "fail:setup:net_null0"})
    st = state(g)["net_null0"]
    with pytest.raises(RpcError) as e:
        g.primary.call("configure", {"device": "net_null0", "config": Q3})
    assert "fault injected" in e.value.error["data"]["reason"], e.value.error
    assert "previous configuration is back" in e.value.error["data"]["reason"]
    assert e.value.error["data"]["rolled_back"] is True
    for p in (g.primary, w):
        q = port(p, "net_null0")
        assert q["state"] == "started" and q["rx_queues"] == 1 and q["config"]["rxq"] == 1, q
    assert state(g)["net_null0"] == st
    before = port_stats(w)["net_null0"]["rx"]
    wait_for(lambda: port_stats(w)["net_null0"]["rx"] > before + 1000, 20,
             "traffic after the rollback")
    # the fault fires once: the same change now goes through
    g.primary.call("configure", {"device": "net_null0", "config": Q3})
    assert port(w, "net_null0")["rx_queues"] == 3
    g.assert_none_died()


def test_hpctl_start_and_configure_options(group_factory):
    g = group_factory(secondaries=1)
    g.primary.call("attach", {"devargs": "net_null0"})
    r = g.hpctl("start", "net_null0", "--rxq", "3", "--txq", "2", "--rxd", "256", "--mtu", "9000",
                "--promisc", "on", "--rss", "ip,udp", "--pool-size", "4095", "--pool-cache", "128",
                "--pool-socket", "-1")
    assert r.returncode == 0, r.stderr
    c = port(g.secondaries[0], "net_null0")["config"]
    assert c == {"rxq": 3, "txq": 2, "rxd": 256, "txd": 0, "mtu": 9000, "promisc": True,
                 "rss": ["ip", "udp"], "pool": {"size": 4095, "cache": 128, "socket": -1}}, c
    lines = g.hpctl("list").stdout.splitlines()
    head = lines[0].split()
    row = lines[1].split()
    assert (row[head.index("RXQ")], row[head.index("TXQ")], row[head.index("MTU")]) == \
        ("3", "2", "9000"), lines
    r = g.hpctl("configure", "net_null0", "--rxq", "1")
    assert r.returncode == 0 and "configured net_null0" in r.stdout, r.stderr
    assert port(g.primary, "net_null0")["rx_queues"] == 1
    # refused by hpctl itself, or by the primary naming the limit
    for args, words in [(["--rxq", "0"], "--rxq must be a number from 1"),
                        (["--promisc", "yes"], "--promisc takes on or off"),
                        (["--rss", "ip,md5"], "unknown hash function \"md5\""),
                        (["--rxq", "2000"], "net_null0 supports at most 1024 rx queues, asked 2000"),
                        ([], "usage: hpctl configure")]:
        r = g.hpctl("configure", "net_null0", *args)
        assert r.returncode in (1, 2) and words in r.stderr, (args, r.stderr)
    r = g.hpctl("stop", "net_null0", "--rxq", "3")
    assert r.returncode == 2 and "--rxq is not an option of stop" in r.stderr, r.stderr


def test_a_live_memif_socket_is_not_taken(group_factory):
    """A memif server path on which another process listens is that
    process's: the attach fails, the socket file and its listener stay, and
    nothing changes in any process or the state file."""
    g = group_factory(secondaries=1)
    path = os.path.join(g.tmp, "m.sock")
    other = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    other.bind(path)
    other.listen(1)
    before = snapshot(g)
    with pytest.raises(RpcError):
        g.primary.call("attach", {"devargs": memif_pair(g)[0]})
    assert snapshot(g) == before
    assert "removed stale memif socket" not in g.primary.logtext()
    c = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    c.connect(path)  # still the other process's
    c.close()
    other.close()
