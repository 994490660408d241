# SPDX-License-Identifier: BSD-3-Clause
"""Metrics move with real operations, read both ways: the DPDK telemetry
socket (/hotplugd/... endpoints, with a SOCK_SEQPACKET client and with
dpdk-telemetry.py) and `hpctl metrics` (OpenMetrics text, parsed strictly
by prometheus_client's OpenMetrics parser)."""
import json
import os
import signal
import socket
import subprocess
import threading

import pytest
from prometheus_client.openmetrics.parser import text_string_to_metric_families
from prometheus_client.parser import text_string_to_metric_families as prometheus_families

from hpd import RpcError, fault_hooks, wait_for

needs_hooks = pytest.mark.skipif(not fault_hooks(), reason="needs a -Dfault_hooks=true build")


def telemetry_path(prefix):
    """Where DPDK puts a process's telemetry socket (as the EAL and
    dpdk-telemetry.py decide it)."""
    run = os.environ.get("RUNTIME_DIRECTORY") or (
        "/var/run" if os.getuid() == 0 else os.environ.get("XDG_RUNTIME_DIR", "/tmp"))
    return os.path.join(run, "dpdk", prefix, "dpdk_telemetry.v2")


class Telemetry:
    """DPDK's telemetry v2 protocol: one JSON object per message."""

    def __init__(self, prefix):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.s.settimeout(10)
        self.s.connect(telemetry_path(prefix))
        hello = json.loads(self.s.recv(1024))
        self.max = hello["max_output_len"]
        self.pid = hello["pid"]

    def get(self, cmd):
        self.s.send(cmd.encode())
        reply = json.loads(self.s.recv(self.max))
        return reply[cmd.split(",")[0]]

    def close(self):
        self.s.close()


def openmetrics(g, *args):
    """hpctl metrics, parsed: {(sample name, frozenset(labels)): value}."""
    r = g.hpctl(*args, "metrics")
    assert r.returncode == 0, r.stderr
    assert r.stdout.endswith("# EOF\n")
    samples = {}
    for fam in text_string_to_metric_families(r.stdout):
        for s in fam.samples:
            labels = {k: v for k, v in s.labels.items() if k != "process"}
            key = (s.name, frozenset(labels.items()))
            assert key not in samples, f"duplicate sample {key}"
            samples[key] = s.value
    return samples


def om(samples, name, **labels):
    return samples.get((name, frozenset(labels.items())), 0)


def prometheus_format_matches(g, samples):
    """hpctl metrics prometheus: the same samples in the 0.0.4 text format
    (node_exporter's textfile collector), every family typed (a TYPE line
    naming what its samples are called), no OpenMetrics-only lines."""
    r = g.hpctl("metrics", "prometheus")
    assert r.returncode == 0, r.stderr
    assert "# EOF" not in r.stdout and "# UNIT" not in r.stdout
    typed = {}
    for line in r.stdout.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ")
            assert kind in ("counter", "gauge", "histogram"), line
            typed[name] = kind
        elif not line.startswith("#"):
            name = line.split("{")[0]
            base = name[:-len("_bucket")] if name.endswith("_bucket") else name
            base = base.rsplit("_", 1)[0] if base.endswith(("_count", "_sum")) else base
            assert name in typed or base in typed, f"untyped sample {line}"
    got = {}
    for fam in prometheus_families(r.stdout):
        for s in fam.samples:
            labels = {k: v for k, v in s.labels.items() if k != "process"}
            got[(s.name, frozenset(labels.items()))] = s.value
    # the info sample is a gauge there: same name, same value
    assert got.keys() == samples.keys()
    for k, v in samples.items():
        if "age_seconds" not in k[0] and "duration" not in k[0]:
            assert got[k] == v, k
    bad = g.hpctl("metrics", "json")
    assert bad.returncode == 2 and "unknown format" in bad.stderr


def ops(tel):
    return tel.get("/hotplugd/operations")


def test_metrics_move_with_operations(group_factory):
    g = group_factory(secondaries=1)
    tel = Telemetry(g.prefix)
    assert tel.pid == g.primary.pid
    assert tel.get("/hotplugd/info")["role"] == "primary"
    assert ops(tel) == {"rollbacks": 0, "fences": 0}

    g.primary.call("attach", {"devargs": "net_null0"})
    with pytest.raises(RpcError) as e:
        g.secondaries[0].call("attach", {"devargs": "net_null0"})
    assert e.value.errno == "EEXIST"
    g.primary.call("detach", {"device": "net_null0"})
    want = {"attach_ok": 1, "attach_EEXIST": 1, "detach_ok": 1, "rollbacks": 0, "fences": 0}
    # published with each operation's answer: already there
    assert ops(tel) == want

    lat = tel.get("/hotplugd/latency,attach")
    assert lat["bounds_usec"][0] == 1000 and len(lat["bounds_usec"]) == 13
    assert lat["attach_ok_count"] == 1 and lat["attach_ok_buckets"][-1] <= 1
    assert lat["attach_ok_buckets"] == sorted(lat["attach_ok_buckets"])
    assert "detach_ok_count" not in lat  # the parameter filters
    assert "detach_ok_count" in tel.get("/hotplugd/latency")

    m = tel.get("/hotplugd/members")
    assert m["members"] == 1 and m["healthy"] == 1
    assert m["pids"] == [g.secondaries[0].pid]
    assert 0 <= m["last_contact_age_ms"][0] < 60000

    s = openmetrics(g)
    assert om(s, "hotplugd_operations_total", operation="attach", outcome="ok") == 1
    assert om(s, "hotplugd_operations_total", operation="attach", outcome="EEXIST") == 1
    assert om(s, "hotplugd_operations_total", operation="detach", outcome="ok") == 1
    assert om(s, "hotplugd_operation_duration_seconds_count",
              operation="attach", outcome="ok") == 1
    assert om(s, "hotplugd_operation_duration_seconds_bucket",
              operation="attach", outcome="ok", le="+Inf") == 1
    assert 0 < om(s, "hotplugd_operation_duration_seconds_sum",
                  operation="attach", outcome="ok") < 10
    assert om(s, "hotplugd_members", state="healthy") == 1
    assert om(s, "hotplugd_events_total", event="operation.finished") == 3

    prometheus_format_matches(g, s)

    # a fence: a frozen member does not answer the ping round
    frozen = g.secondaries[0]
    frozen.freeze()
    res = g.primary.call("attach", {"devargs": "net_null1"})
    assert res["fenced"] == 1
    frozen.wait_exit(-signal.SIGKILL)
    wait_for(lambda: ops(tel).get("fences") == 1, 10, "fences to count 1")
    assert ops(tel)["attach_ok"] == 2
    wait_for(lambda: tel.get("/hotplugd/members")["members"] == 0, 10, "the member gone")
    s = openmetrics(g)
    assert om(s, "hotplugd_fences_total") == 1
    assert om(s, "hotplugd_members", state="healthy") == 0
    tel.close()


def test_every_operation_kind_is_counted_by_its_whole_name(group_factory):
    """configure, the longest kind's name, was cut to "configu" (an 8-byte
    field): each kind's counter carries the engine's own name."""
    g = group_factory(secondaries=0)
    p = g.primary
    p.call("attach", {"devargs": "net_null0"})
    p.call("configure", {"device": "net_null0", "config": {"rxq": 2}})
    p.call("start", {"device": "net_null0"})
    p.call("stop", {"device": "net_null0"})
    p.call("detach", {"device": "net_null0"})
    got = {(o["operation"], o["outcome"]): o["count"] for o in p.call("metrics")["operations"]}
    assert got == {(k, "ok"): 1 for k in ("attach", "configure", "start", "stop", "detach")}
    s = openmetrics(g)
    assert om(s, "hotplugd_operations_total", operation="configure", outcome="ok") == 1


@needs_hooks
def test_rollback_counted(group_factory):
    g = group_factory(secondaries=1)
    g.add_secondary(env={"HOTPLUGD_FAULT": "fail:attach:net_null0"})
    tel = Telemetry(g.prefix)
    with pytest.raises(RpcError) as e:
        g.primary.call("attach", {"devargs": "net_null0"})
    assert e.value.error["data"]["rolled_back"]
    assert ops(tel) == {"attach_EIO": 1, "rollbacks": 1, "fences": 0}
    s = openmetrics(g)
    assert om(s, "hotplugd_rollbacks_total") == 1
    assert om(s, "hotplugd_operations_total", operation="attach", outcome="EIO") == 1
    tel.close()


def test_port_counters_and_a_secondarys_own_metrics(group_factory):
    """Packets a worker secondary receives show in ethdev's counters (port
    and queue) and in its data path's; the secondary's metrics are its own
    process's: no group operations, no members."""
    g = group_factory(secondaries=0)
    w = g.add_secondary(lcores="0@0,1@1", extra=["--worker", "rxonly"])
    g.primary.call("attach", {"devargs": "net_null0"})
    g.primary.call("start", {"device": "net_null0"})

    def rx(*args):
        s = openmetrics(g, *args)
        labels = {"port": "0", "device": "net_null0"}
        return (om(s, "hotplugd_datapath_rx_packets_total", **labels),
                om(s, "hotplugd_port_rx_packets_total", **labels),
                om(s, "hotplugd_queue_rx_packets_total", queue="0", **labels), s)

    wait_for(lambda: min(rx("--pid", str(w.pid))[:3]) > 0, 20, "packets counted")
    s = rx("--pid", str(w.pid))[3]
    assert not any(k[0] == "hotplugd_operations_total" for k in s)
    assert not any(k[0] == "hotplugd_members" for k in s)
    info = [k for k in s if k[0] == "hotplugd_info"][0]
    assert ("role", "secondary") in info[1]
    # the primary sees the port's counters (shared by the driver), not
    # the worker's own
    tel = Telemetry(g.prefix)
    assert tel.get("/hotplugd/ports") == [0]
    wait_for(lambda: tel.get("/hotplugd/port_stats,0")["ipackets"] > 0, 10,
             "the port's counters in the primary")
    st = tel.get("/hotplugd/port_stats,0")
    assert st["name"] == "net_null0" and st["q_ipackets"][0] > 0 and st["datapath_rx"] == 0
    tel.close()


def test_telemetry_bad_parameters(group_factory):
    """A wrong parameter gets DPDK's null answer; nothing else changes."""
    g = group_factory(secondaries=0)
    g.primary.call("attach", {"devargs": "net_null0"})
    tel = Telemetry(g.prefix)
    for bad in ("/hotplugd/port_stats", "/hotplugd/port_stats,x", "/hotplugd/port_stats,0x",
                "/hotplugd/port_stats,-1", "/hotplugd/port_stats,7",
                "/hotplugd/port_stats," + "9" * 40):
        assert tel.get(bad) is None, bad
    assert tel.get("/hotplugd/latency,nosuch") == {"bounds_usec": tel.get(
        "/hotplugd/latency")["bounds_usec"]}
    assert tel.get("/hotplugd/port_stats,0")["name"] == "net_null0"
    assert ops(tel) == {"attach_ok": 1, "rollbacks": 0, "fences": 0}
    assert g.lists() and g.primary.ports() == {0: "net_null0"}
    tel.close()


def test_dpdk_telemetry_py_reads_the_endpoints(group_factory):
    g = group_factory(secondaries=0)
    g.primary.call("attach", {"devargs": "net_null0"})
    cmds = ["/hotplugd/operations", "/hotplugd/port_stats,0", "/"]
    r = subprocess.run(["dpdk-telemetry.py", "-f", g.prefix], input="\n".join(cmds) + "\n",
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    replies = [json.loads(line) for line in r.stdout.splitlines() if line.startswith("{")]
    assert replies[0] == {"/hotplugd/operations": {"attach_ok": 1, "rollbacks": 0,
                                                   "fences": 0}}
    assert replies[1]["/hotplugd/port_stats"]["name"] == "net_null0"
    listed = replies[2]["/"]
    for ep in ("info", "operations", "latency", "members", "ports", "port_stats", "events"):
        assert f"/hotplugd/{ep}" in listed


def test_scrapes_during_churn(group_factory):
    """Telemetry reads run on DPDK's thread while the loop replaces the
    snapshot: scrape both ways in a loop through attach/detach churn (the
    sanitizers stage runs this under ASan/UBSan; there each read holds the
    snapshot 2 ms, so that replacements land during reads)."""
    g = group_factory(secondaries=1, primary_env={"HOTPLUGD_TELEMETRY_PAUSE_US": "2000"})
    stop = threading.Event()
    errors, scrapes = [], [0]

    def scrape():
        try:
            tel = Telemetry(g.prefix)
            while not stop.is_set():
                for cmd in ("/hotplugd/operations", "/hotplugd/latency", "/hotplugd/members",
                            "/hotplugd/ports", "/hotplugd/port_stats,0", "/hotplugd/events"):
                    tel.get(cmd)
                scrapes[0] += 1
            tel.close()
        except Exception as e:  # noqa: BLE001
            errors.append(repr(e))

    def scrape_om():
        try:
            while not stop.is_set():
                openmetrics(g)
        except Exception as e:  # noqa: BLE001
            errors.append(repr(e))

    threads = [threading.Thread(target=scrape), threading.Thread(target=scrape_om)]
    for t in threads:
        t.start()
    n = 25
    try:
        for _ in range(n):
            g.primary.call("attach", {"devargs": "net_null0"})
            g.secondaries[0].call("detach", {"device": "net_null0"})
    finally:
        stop.set()
        for t in threads:
            t.join(30)
    assert not errors, errors
    assert scrapes[0] > 0
    tel = Telemetry(g.prefix)
    assert ops(tel) == {"attach_ok": n, "detach_ok": n, "rollbacks": 0, "fences": 0}
    tel.close()
    g.assert_consistent([])


# stderr is "the journal's stream" (JOURNAL_STREAM names it, as systemd
# sets it) but no journald socket is reachable, as in a mount namespace
# that hides /run: sd_journal_send() would drop every record without an
# error, so the audit lines must stay text on the stream.
JOURNAL_STREAM_WRAP = ("sh", "-c", 'JOURNAL_STREAM=$(stat -L -c %d:%i /proc/self/fd/2) exec "$@"',
                       "sh")


@pytest.mark.skipif(os.path.exists("/run/systemd/journal/socket"),
                    reason="a journald listens here: the records would reach it")
def test_audit_stays_text_when_the_journal_socket_is_missing(group_factory):
    g = group_factory(secondaries=0, primary_wrap=JOURNAL_STREAM_WRAP)
    g.primary.call("attach", {"devargs": "net_null0"})
    with pytest.raises(RpcError):
        g.primary.call("attach", {"devargs": "net_null0"})
    log = g.primary.logtext()
    assert "/run/systemd/journal/socket missing" in log, log
    audit = [l for l in log.splitlines() if "audit:" in l and "method=attach" in l]
    assert len(audit) == 2 and "outcome=ok" in audit[0], log
    assert "already attached" in audit[1], log
