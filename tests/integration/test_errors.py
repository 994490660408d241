# SPDX-License-Identifier: BSD-3-Clause
"""Error paths a new user hits: each answered with what went wrong, in
words that lead to the fix, and changing nothing."""
import os
import signal
import shutil
import subprocess
import tempfile

from hpd import HOTPLUGD, HPCTL, wait_for


def test_secondary_without_primary_says_why(netns):
    prefix = f"hpt{os.getpid() % 100000}nop"
    rundir = tempfile.mkdtemp(prefix="hpt-")
    try:
        r = subprocess.run(["ip", "netns", "exec", netns.name, HOTPLUGD, "-l", "0", "--no-pci",
                            "--file-prefix", prefix, "--proc-type=secondary", "--", "-r", rundir],
                           capture_output=True, text=True, timeout=60)
    finally:
        shutil.rmtree(rundir, ignore_errors=True)
        shutil.rmtree(f"/var/run/dpdk/{prefix}", ignore_errors=True)
    assert r.returncode == 1
    assert "Success" not in r.stderr, r.stderr
    # the EAL's own words (22.11 says "Cannot open ...", 24.11 "Cannot init config")
    assert "EAL initialisation failed: EAL: Cannot " in r.stderr, r.stderr
    assert f"needs a running primary with the same --file-prefix ({prefix})" in r.stderr


def test_startup_line_names_prefix_runtime_dir_and_role(group_factory):
    g = group_factory(secondaries=1)
    line = [l for l in g.primary.logtext().splitlines() if " ready: " in l][0]
    assert f"file-prefix {g.prefix}" in line and f"/var/run/dpdk/{g.prefix}" in line, line
    assert " primary " in line, line
    assert "no primary had this file-prefix, so this is a new group" in line, line
    sline = [l for l in g.secondaries[0].logtext().splitlines() if " ready: " in l][0]
    assert "secondary" in sline and "joined the primary of this file-prefix" in sline, sline


def hpctl(g, *args, timeout=10):
    return subprocess.run([HPCTL, "-r", g.rundir, "--file-prefix", g.prefix, *args],
                          capture_output=True, text=True, timeout=timeout)


def test_hpctl_parses_numbers_strictly(group_factory):
    g = group_factory(secondaries=0)
    for args, what in [(["--pid", "abc", "list"], "--pid"), (["--pid", "12x", "list"], "--pid"),
                       (["--pid", "-3", "list"], "--pid"), (["-t", "5s", "list"], "--timeout"),
                       (["watch", "abc"], "watch COUNT"), (["watch", "0"], "watch COUNT")]:
        r = hpctl(g, *args)
        assert r.returncode == 2 and f"{what} must be a number" in r.stderr, (args, r)
    r = hpctl(g, "list", "extra")
    assert r.returncode == 2 and "usage: hpctl list" in r.stderr, r
    assert g.primary.ports() == {}


def test_attach_that_fenced_says_which_member(group_factory):
    g = group_factory(secondaries=2)
    frozen = g.secondaries[1]
    frozen.freeze()
    r = hpctl(g, "attach", "net_null0", timeout=30)
    assert r.returncode == 0, r
    assert f"fenced member {frozen.pid} (" in r.stdout and "no answer to ping" in r.stdout, r
    frozen.wait_exit(-signal.SIGKILL)  # fenced
    res = g.primary.call("attach", {"devargs": "net_null1"})
    assert "fenced_members" not in res
    g.secondaries[0].freeze()
    g.secondaries[0].expect_fenced()
    res = g.primary.call("attach", {"devargs": "net_null2"})
    assert res["fenced"] == 1 and res["fenced_members"][0]["pid"] == g.secondaries[0].pid
    assert res["fenced_members"][0]["name"].startswith("secondary-")


def test_attach_names_the_argument_the_driver_refused(group_factory):
    g = group_factory(secondaries=1)
    for p in (g.primary, g.secondaries[0]):
        msg = p.client().call_raw("attach", {"devargs": "net_null2,size=64,foo=bar"})
        data = msg["error"]["data"]
        assert data["errno"] == "EINVAL", data
        assert 'driver net_null does not take the argument "foo"' in data["reason"], data
        assert "size, copy, no-rx" in data["reason"], data
    r = hpctl(g, "attach", "net_null2,foo=bar")
    assert r.returncode == 1 and '"foo"' in r.stderr, r
    g.assert_consistent([])  # nothing changed anywhere
    # arguments the driver does take still work
    g.primary.call("attach", {"devargs": "net_null2,size=64"})
    g.assert_consistent(["net_null2"])


def test_secondary_with_another_runtime_dir_is_flagged(group_factory):
    g = group_factory(secondaries=0)
    other = os.path.join(g.tmp, "other-run")
    log = open(os.path.join(g.tmp, "stray.log"), "wb")
    p = subprocess.Popen(["ip", "netns", "exec", g.netns.name, HOTPLUGD, "-l", "1", "--no-pci",
                          "--file-prefix", g.prefix, "--proc-type=auto", "--", "-r", other],
                         stdin=subprocess.DEVNULL, stdout=log, stderr=log)
    try:
        wait_for(lambda: any(m["pid"] == p.pid and m.get("socket_found") is False
                             for m in g.primary.call("ps")["members"])
                 and os.path.exists(os.path.join(other, g.prefix, f"member.{p.pid}.sock")),
                 20, "the stray secondary to join and make its socket")
        with open(log.name) as f:
            text = f.read()
        assert "runs with another --runtime-dir" in text, text
        r = hpctl(g, "ps")
        assert "missing: another --runtime-dir?" in r.stdout, r.stdout
        r = hpctl(g, "check")
        assert r.returncode == 1 and "another --runtime-dir" in r.stdout, r
        # a member started as it should is not flagged
        s = g.add_secondary()
        wait_for(lambda: [m for m in g.primary.call("ps")["members"]
                          if m["pid"] == s.pid][0]["socket_found"], 10, "its socket")
    finally:
        p.terminate()
        p.wait(10)
        log.close()
