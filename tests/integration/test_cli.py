# SPDX-License-Identifier: BSD-3-Clause
"""The command lines as their users know them from other tools: hotplugd
--version without "--", hpctl options anywhere, --json=pretty, suggestions
for a mistyped command, tables that fit their content, human durations."""
import json
import os
import re
import subprocess

from hpd import HOTPLUGD, HPCTL


def run(*cmd, timeout=30):
    return subprocess.run(list(cmd), capture_output=True, text=True, timeout=timeout)


def test_hotplugd_help_and_version_without_double_dash():
    prefix = f"hpt{os.getpid() % 100000}ver"
    for args in (["--version"], ["-V"], ["--no-pci", "--file-prefix", prefix, "--version"]):
        r = run(HOTPLUGD, *args)
        assert r.returncode == 0 and re.fullmatch(r"hotplugd \S+.*\n", r.stdout), (args, r)
        assert "EAL" not in r.stderr, (args, r)
    for args in (["--help"], ["-h"]):
        r = run(HOTPLUGD, *args)
        assert r.returncode == 0 and r.stdout.startswith("usage: "), (args, r)
        assert "--runtime-dir" in r.stdout and "EAL" not in r.stderr, (args, r)
    # the EAL never ran: no runtime directory of that prefix
    assert not os.path.exists(f"/var/run/dpdk/{prefix}")
    assert run(HOTPLUGD, "--", "--version").stdout == run(HOTPLUGD, "--version").stdout


def test_hpctl_mistyped_command_suggests_and_changes_nothing(group_factory):
    g = group_factory(secondaries=0)
    r = g.hpctl("lsit")
    assert r.returncode == 2 and "did you mean 'list'?" in r.stderr, r
    r = g.hpctl("atach", "net_null0")
    assert r.returncode == 2 and "did you mean 'attach'?" in r.stderr, r
    # as near to start, stats and status: no guess, still a usage error
    r = g.hpctl("sta")
    assert r.returncode == 2 and "did you mean" not in r.stderr and "'sta'" in r.stderr, r
    r = g.hpctl("list", "--json=ugly")
    assert r.returncode == 2 and "=pretty" in r.stderr and r.stdout == "", r
    assert g.primary.ports() == {}


def test_hpctl_options_after_the_command_and_pretty_json(group_factory):
    g = group_factory(secondaries=1)
    assert g.hpctl("attach", "net_null0", "--json").returncode == 0
    before, after = g.hpctl("--json", "list"), g.hpctl("list", "--json")
    assert before.returncode == after.returncode == 0, (before, after)
    assert json.loads(before.stdout) == json.loads(after.stdout)
    assert len(after.stdout.splitlines()) == 1
    pretty = g.hpctl("list", "--json=pretty")
    assert pretty.returncode == 0 and json.loads(pretty.stdout) == json.loads(after.stdout)
    assert pretty.stdout.startswith("{\n  \""), pretty.stdout
    # an option after the command's argument, and the --pid option too
    sec = g.secondaries[0]
    r = g.hpctl("status", "--pid", str(sec.pid), "--json")
    assert r.returncode == 0 and json.loads(r.stdout)["pid"] == sec.pid, r
    g.assert_consistent()


def test_hpctl_tables_fit_long_names_and_no_legend(group_factory):
    g = group_factory(secondaries=1)
    long = "net_null_with_a_rather_long_device_name0"
    for dev in ("net_null0", long):
        assert g.hpctl("attach", dev).returncode == 0
    # the column after the (long) name starts at its heading on every row
    for cmd, after, idx in (("list", "DRIVER", 2), ("stats", "POLLED", 2), ("ps", "STATE", 3)):
        r = g.hpctl(cmd)
        assert r.returncode == 0, r
        lines = [l for l in r.stdout.splitlines() if not l.startswith("data path:")]
        head = lines[0]
        assert len(lines) == 3, lines
        for line in lines[1:]:
            cells = list(re.finditer(r"\S+", line))
            assert cells[idx].start() == head.index(" " + after) + 1, (cmd, line, head)
        legendless = g.hpctl(cmd, "--no-legend").stdout.splitlines()
        # the same rows (ps's LAST CONTACT moves on), no headings
        assert [l.split()[:3] for l in legendless] == [l.split()[:3] for l in lines[1:]], \
            (cmd, legendless)
    assert long in g.hpctl("list").stdout


def test_hpctl_status_rounds_for_people(group_factory):
    g = group_factory(secondaries=0)
    r = g.hpctl("status")
    assert r.returncode == 0, r
    fields = dict(l.split(None, 1) for l in r.stdout.splitlines())
    assert re.fullmatch(r"\d+ms|\d+\.\ds|\d+min \d+s", fields["uptime"]), fields
    assert not re.search(r"\d\.\d{4,}", r.stdout), r.stdout  # no raw floats
    assert not re.search(r"[{}\[\]]", r.stdout), r.stdout  # no JSON fragments
    assert fields["state.file"].endswith("state.json") and fields["restoring"] == "no"


def test_hpctl_watch_since_replays_what_was_missed(group_factory):
    """watch --since SEQ prints the events after SEQ the history holds
    first (from the primary or a secondary, same seqs); --epoch goes with
    it; bad forms are refused before or by the daemon."""
    g = group_factory(secondaries=1)
    g.primary.call("attach", {"devargs": "net_null0"})
    g.primary.call("detach", {"device": "net_null0"})
    sec = ["--pid", str(g.secondaries[0].pid)]

    def watch(*args):
        return subprocess.run([HPCTL, "-r", g.rundir, "--file-prefix", g.prefix, "--json",
                               "watch", *args], capture_output=True, text=True, timeout=20)
    r = watch("--since", "0", "5")  # the secondary's join, then the two operations
    assert r.returncode == 0, r.stderr
    evs = [json.loads(line) for line in r.stdout.splitlines()]
    assert [e["seq"] for e in evs] == [1, 2, 3, 4, 5], evs
    assert [e["event"] for e in evs] == ["member.joined", "device.attached",
                                         "operation.finished", "device.detached",
                                         "operation.finished"], evs
    epoch = evs[0]["epoch"]
    for who in ([], sec):  # options anywhere on the line, on any process
        r = watch(*who, "1", "--since", "2", "--epoch", epoch)
        assert r.returncode == 0, r.stderr
        assert [json.loads(line)["seq"] for line in r.stdout.splitlines()] == [3], r.stdout
    # another epoch (a restarted primary's): this epoch from its start
    r = watch("--since", "3", "--epoch", "0" * 32, "1")
    assert r.returncode == 0 and json.loads(r.stdout)["seq"] == 1, (r.stdout, r.stderr)
    r = watch("--epoch", epoch)
    assert r.returncode == 2 and "--epoch goes with --since" in r.stderr, r
    r = watch("--since", "-1")
    assert r.returncode == 2 and "--since must be a number" in r.stderr, r
    r = watch("--since", "1", "--epoch", "xyz")
    assert r.returncode == 1 and "32 hex digits" in r.stderr, r


def test_hpctl_watch_one_human_form(group_factory):
    g = group_factory(secondaries=1)
    # each change: its event, then operation.finished
    cmd = [HPCTL, "-r", g.rundir, "--file-prefix", g.prefix, "watch", "4"]
    w = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        # subscribed once the primary counts the watcher as a client
        from hpd import wait_for
        wait_for(lambda: g.primary.call("status")["clients"] >= 2, what="watch subscribed")
        assert g.hpctl("attach", "net_null0").returncode == 0
        assert g.hpctl("start", "net_null0").returncode == 0
        out, err = w.communicate(timeout=20)
    finally:
        if w.poll() is None:
            w.kill()
    lines = out.splitlines()
    assert w.returncode == 0 and len(lines) == 4, (out, err)
    for line, event in zip(lines, ("device.attached", "operation.finished", "port.started",
                                   "operation.finished")):
        assert re.fullmatch(r"\d\d:\d\d:\d\d\.\d{3} " + re.escape(event) +
                            r'( [a-z_.]+=("[^"]*"|\S+))+', line), line
        assert "device=net_null0" in line and "origin.comm=hpctl" in line, line
        assert not re.search(r"[{}\[\]]", line), line
