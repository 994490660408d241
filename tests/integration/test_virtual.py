# SPDX-License-Identifier: BSD-3-Clause
"""The virtual-device cases of the test plan (hotplug_mp_test_plan.rst) with
one primary and two secondaries, through the JSON API, hpctl and the
test-plan console: attach/detach from the primary and from a secondary,
duplicates refused everywhere, repeated twice, and the cross variants."""
import json

import pytest

from devices import KINDS
from hpd import RpcError

ORIGINS = ["primary", "secondary"]


def origin_proc(group, origin):
    return group.primary if origin == "primary" else group.secondaries[0]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("origin", ORIGINS)
def test_repeat_attach_detach_json(group, group_factory, kind, origin):
    devargs, name = KINDS[kind](group, factory=group_factory)
    proc = origin_proc(group, origin)
    group.assert_consistent([])
    for _ in range(2):
        res = proc.call("attach", {"devargs": devargs})
        assert res["name"] == name and res["port"] == 0
        group.assert_consistent([name])
        # the same device again: refused in whichever process, nothing changes
        for p in group.procs:
            with pytest.raises(RpcError) as e:
                p.call("attach", {"devargs": devargs})
            assert e.value.errno == "EEXIST", e.value.error
        assert group.assert_consistent([name]) == {0: name}
        proc.call("detach", {"device": name})
        group.assert_consistent([])
        for p in group.procs:
            with pytest.raises(RpcError) as e:
                p.call("detach", {"device": name})
            assert e.value.errno == "ENOENT", e.value.error
        group.assert_consistent([])


@pytest.mark.parametrize("kind", KINDS)
def test_cross_attach_detach(group, group_factory, kind):
    """Attach in one process, detach in another, every pairing direction."""
    devargs, name = KINDS[kind](group, factory=group_factory)
    p, s1, s2 = group.procs
    for attacher, detacher in [(p, s2), (s1, p), (s1, s2)]:
        attacher.call("attach", {"devargs": devargs})
        group.assert_consistent([name])
        detacher.call("detach", {"device": name})
        group.assert_consistent([])


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("origin", ORIGINS)
def test_repeat_attach_detach_hpctl(group, group_factory, kind, origin):
    devargs, name = KINDS[kind](group, factory=group_factory)
    pid = str(origin_proc(group, origin).pid)
    for _ in range(2):
        r = group.hpctl("--pid", pid, "attach", devargs)
        assert r.returncode == 0, r.stderr
        assert f"attached {name} (port 0)" in r.stdout
        for p in group.procs:
            r = group.hpctl("--pid", str(p.pid), "--json", "list")
            assert r.returncode == 0, r.stderr
            assert [x["name"] for x in json.loads(r.stdout)["ports"]] == [name]
        r = group.hpctl("--pid", pid, "attach", devargs)
        assert r.returncode == 1 and "EEXIST" in r.stderr, r.stderr
        assert group.hpctl("check").returncode == 0
        r = group.hpctl("--pid", pid, "detach", name)
        assert r.returncode == 0, r.stderr
        r = group.hpctl("--pid", pid, "detach", name)
        assert r.returncode == 1 and "ENOENT" in r.stderr, r.stderr
        group.assert_consistent([])


def console_list(proc):
    return proc.cmd("list")


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("origin", ORIGINS)
def test_plan_verbatim_console(group_factory, workdir, kind, origin):
    """The plan's console sessions, word for word, in three consoles run
    with their built-in policy from a directory of their own (the plan's
    relative vhost socket "vhost-net" lands there)."""
    g = group_factory(secondaries=2, console=True, policy=None, cwd=workdir)
    devargs, name = KINDS[kind](g, factory=group_factory)
    assert "Auto-detected process type: PRIMARY" in g.primary.logtext()
    for s in g.secondaries:
        assert "Auto-detected process type: SECONDARY" in s.logtext()
    proc = origin_proc(g, origin)
    empty = "list all etherdev\n"
    for p in g.procs:
        assert console_list(p) == empty
    for _ in range(2):
        assert proc.cmd(f"attach {devargs}") == f"attached device {name}\n"
        for p in g.procs:
            assert console_list(p) == f"list all etherdev\n0\t{name}\n"
        out = proc.cmd(f"attach {devargs}")
        assert out.startswith(f"failed to attach device {name}: "), out
        assert "already attached" in out
        for p in g.procs:
            assert console_list(p) == f"list all etherdev\n0\t{name}\n"
        assert proc.cmd(f"detach {name}") == f"detached device {name}\n"
        for p in g.procs:
            assert console_list(p) == empty
        out = proc.cmd(f"detach {name}")
        assert out.startswith(f"failed to detach device {name}: "), out
        for p in g.procs:
            assert console_list(p) == empty
    for p in g.procs[::-1]:
        p.p.stdin.write(b"quit\n")
        p.p.stdin.flush()
        p.wait_exit(0)
