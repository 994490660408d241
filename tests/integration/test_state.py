# SPDX-License-Identifier: BSD-3-Clause
"""Device state survives restarts: written atomically on every change,
restored at start-up per device, reported when the file is bad or cannot
be written; a declarative device list is attached the same way."""
import contextlib
import glob
import json
import os
import signal
import socket
import subprocess
import time

import pytest

from hpd import Proc, Subscriber, wait_for
from test_faults import record, refused_everywhere
from test_stuck import SilentPeer

DEVICES = ["net_null0", "net_null1,size=128", "net_ring0"]


def state(g):
    with open(os.path.join(g.tmp, "state.json")) as f:
        return json.load(f)


def restored(g, n):
    wait_for(lambda: len(g.primary.call("status")["state"]["restore"]) >= n, 20,
             "restore to finish")
    return g.primary.call("status")["state"]["restore"]


def test_sigkill_primary_then_restart_restores_devices(group_factory):
    g = group_factory(secondaries=1)
    for d in DEVICES:
        g.primary.call("attach", {"devargs": d})
    g.primary.call("start", {"device": "net_null1"})
    assert [d["devargs"] for d in state(g)["devices"]] == ["net_null0", "net_null1,size=128",
                                                          "net_ring0"]
    assert [d["started"] for d in state(g)["devices"]] == [False, True, False]
    g.primary.kill()
    g.secondaries[0].wait_exit(75)
    g.restart_primary()
    report = restored(g, 4)  # three attaches and one start
    assert all(r["outcome"] == "ok" for r in report), report
    ports = {p["name"]: p for p in g.primary.call("list")["ports"]}
    assert sorted(ports) == ["net_null0", "net_null1", "net_ring0"]
    assert ports["net_null1"]["state"] == "started"
    assert ports["net_null1"]["devargs"] == "net_null1,size=128"
    s = g.add_secondary()  # a new member re-syncs from the restored primary
    assert sorted(s.ports().values()) == sorted(ports)


def test_restore_goes_on_past_a_device_that_fails(group_factory):
    g = group_factory(secondaries=0)
    g.primary.terminate()
    with open(os.path.join(g.tmp, "state.json"), "w") as f:
        json.dump({"version": 1, "devices": [
            {"devargs": "net_null0", "started": False},
            {"devargs": "net_af_packet0,iface=hvgone0", "started": True},
            {"devargs": "net_null1", "started": True}]}, f)
    g.restart_primary()
    report = restored(g, 4)
    outcome = {(r["devargs"], r["step"]): r["outcome"] for r in report}
    assert outcome[("net_null0", "attach")] == "ok"
    assert outcome[("net_null1", "start")] == "ok"
    assert "SIOCGIFINDEX" in outcome[("net_af_packet0,iface=hvgone0", "attach")]
    assert sorted(g.primary.ports().values()) == ["net_null0", "net_null1"]
    # the file now records what really is (written once the restore ends)
    wait_for(lambda: [d["devargs"] for d in state(g)["devices"]] == ["net_null0", "net_null1"],
             10, "state file rewritten after the restore")


def bad_state_file(group_factory, content):
    g = group_factory(secondaries=0)
    g.primary.call("attach", {"devargs": "net_null0"})
    g.primary.kill()
    with open(os.path.join(g.tmp, "state.json"), "w") as f:
        f.write(content)
    g.restart_primary()
    report = restored(g, 1)
    assert report[0]["file"].endswith("state.json") and report[0]["outcome"]
    assert "corrupt" in g.primary.logtext()
    # kept, under a name that says what it is, and the log says where
    kept = glob.glob(os.path.join(g.tmp, "state.json.corrupt-*"))
    assert len(kept) == 1 and report[0]["kept_as"] == kept[0], (kept, report)
    with open(kept[0]) as f:
        assert f.read() == content
    assert f"kept as {kept[0]}" in g.primary.logtext()
    assert g.primary.ports() == {}  # started, with nothing restored
    g.primary.call("attach", {"devargs": "net_null1"})  # and works
    with open(kept[0]) as f:  # a new change did not touch it
        assert f.read() == content
    return g


def test_corrupt_state_file_is_kept_and_daemon_starts(group_factory):
    bad_state_file(group_factory, "{\"version\": 1, \"devices\": [{\"devargs\": }")


def test_truncated_state_file_is_kept_and_daemon_starts(group_factory):
    bad_state_file(group_factory, "{\"version\": 1, \"devices\": [{\"devargs\": \"net_nu")


@contextlib.contextmanager
def tmpfs(path, opts):
    """A tmpfs of the test's own at path, unmounted whatever happens."""
    os.makedirs(path, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", opts, "none", path], check=True)
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", path], check=True)


def closing(g):
    """Close the group before its mount goes (the finally of tmpfs())."""
    return contextlib.closing(g) if g is not None else contextlib.nullcontext()


def assert_not_persisted(res, ev, words):
    assert res["persisted"] is False and words in res["persist_error"], res
    assert ev["persisted"] is False and words in ev["persist_error"], ev


def test_state_write_failure_is_reported_and_memory_state_stays(group_factory, workdir):
    with tmpfs(os.path.join(workdir, "ro"), "ro,size=1m") as ro:
        g = group_factory(secondaries=1,
                          daemon_args=["--state-file", os.path.join(ro, "state.json")])
        with closing(g):
            sub = Subscriber(g.primary.sock_path)
            t = time.monotonic()
            res = g.primary.call("attach", {"devargs": "net_null0"})  # attached
            record("attach with a read-only state directory (persisted: false)",
                   (time.monotonic() - t) * 1000)
            ev = sub.wait_event(lambda e: e["event"] == "state.write_failed")
            assert ev["errno"] == "EROFS" and "Read-only" in ev["reason"], ev
            att = sub.wait_event(lambda e: e["event"] == "device.attached")
            assert_not_persisted(res, att, "Read-only file system")
            st = g.primary.call("status")["state"]
            assert st["write_error"] == "EROFS" and "Read-only" in st["write_reason"], st
            # a secondary's client gets the same answer, relayed
            res = g.secondaries[0].call("attach", {"devargs": "net_null1"})
            assert res["persisted"] is False
            g.assert_consistent(["net_null0", "net_null1"])
            assert "cannot write" in g.primary.logtext()
            sub.close()


def test_full_disk_answers_not_persisted_until_room_again(group_factory, workdir):
    with tmpfs(os.path.join(workdir, "full"), "size=16k") as full:
        g = group_factory(secondaries=1,
                          daemon_args=["--state-file", os.path.join(full, "state.json")])
        with closing(g):
            assert g.primary.call("attach", {"devargs": "net_null0"})["persisted"] is True
            filler = os.path.join(full, "filler")
            with open(filler, "wb", buffering=0) as f:
                with pytest.raises(OSError):  # ENOSPC: the filesystem is full
                    while True:
                        f.write(b"x" * 512)
            sub = Subscriber(g.primary.sock_path)
            t = time.monotonic()
            res = g.primary.call("attach", {"devargs": "net_null1,size=128"})
            record("attach with a full state filesystem (persisted: false)",
                   (time.monotonic() - t) * 1000)
            att = sub.wait_event(lambda e: e["event"] == "device.attached")
            assert_not_persisted(res, att, "No space left on device")
            # the old record is intact, not half-written
            assert [d["devargs"] for d in state_at(full)["devices"]] == ["net_null0"]
            os.unlink(filler)
            assert g.primary.call("detach", {"device": "net_null0"})["persisted"] is True
            assert [d["devargs"] for d in state_at(full)["devices"]] == ["net_null1,size=128"]
            sub.close()


def state_at(d):
    with open(os.path.join(d, "state.json")) as f:
        return json.load(f)


def test_require_state_refuses_unrecordable_change(group_factory, workdir):
    with tmpfs(os.path.join(workdir, "ro"), "ro,size=1m") as ro:
        g = group_factory(secondaries=1, daemon_args=[
            "--state-file", os.path.join(ro, "state.json"), "--require-state"])
        with closing(g):
            ms = refused_everywhere((g.primary, g.secondaries[0]), "net_null0", "EROFS",
                                    "--require-state")
            record("attach refused with --require-state, state directory read-only", ms)
            g.assert_consistent([])  # nothing changed anywhere
            assert os.listdir(ro) == []
            r = g.hpctl("attach", "net_null0")
            assert r.returncode == 1 and "Read-only" in r.stderr, r


def test_default_state_dir_unwritable_starts_without_persistence(group_factory, workdir):
    with tmpfs(os.path.join(workdir, "ro"), "ro,size=1m") as ro:
        g = group_factory(secondaries=1, state=False,
                          primary_env={"STATE_DIRECTORY": os.path.join(ro, "hotplugd")})
        with closing(g):
            log = g.primary.logtext()
            assert log.count("starting without persistence") == 1, log
            assert "--state-file" in log and "--no-state" in log
            st = g.primary.call("status")["state"]
            assert st["file"] is None and "Read-only file system" in st["unavailable"]
            res = g.primary.call("attach", {"devargs": "net_null0"})
            assert res["persisted"] is False and "state directory" in res["persist_error"]
            g.assert_consistent(["net_null0"])
            assert g.primary.logtext().count("starting without persistence") == 1


def test_declarative_device_list(group_factory, workdir):
    devices = os.path.join(workdir, "devices.json")
    with open(devices, "w") as f:
        json.dump([{"devargs": "net_null5", "start": True}, {"devargs": "net_ring1"}], f)
    g = group_factory(secondaries=1, daemon_args=["--no-state", "--devices", devices])
    restored(g, 3)
    ports = {p["name"]: p["state"] for p in g.primary.call("list")["ports"]}
    assert ports == {"net_null5": "started", "net_ring1": "stopped"}
    wait_for(lambda: sorted(g.secondaries[0].ports().values()) == ["net_null5", "net_ring1"],
             10, "secondary to have the devices")


def test_console_keeps_no_state_unless_asked(group_factory, workdir):
    """dpdk-hotplug_mp stands in for DPDK's example, which keeps nothing."""
    sd = os.path.join(workdir, "state")
    g = group_factory(secondaries=0, console=True, state=False,
                      primary_env={"STATE_DIRECTORY": sd})
    assert "attached device net_null0" in g.primary.cmd("attach net_null0")
    assert g.primary.call("status")["state"]["file"] is None
    assert not os.path.exists(sd), list(os.walk(sd))
    # asked for, it keeps one
    g2 = group_factory(secondaries=0, console=True)
    assert "attached device net_null0" in g2.primary.cmd("attach net_null0")
    assert [d["devargs"] for d in state(g2)["devices"]] == ["net_null0"]


def slow_restore_state(g, peer_path):
    """A state file whose last device's probe waits on a silent vhost-user
    peer until --call-timeout: a restore that lasts that long."""
    with open(os.path.join(g.tmp, "state.json"), "w") as f:
        json.dump({"version": 1, "devices": [
            {"devargs": "net_null0", "started": False},
            {"devargs": "net_null1,size=128", "started": False},
            {"devargs": f"net_virtio_user0,path={peer_path},queues=1", "started": False}]}, f)


def test_ready_and_answers_after_restore(group_factory):
    g = group_factory(secondaries=0)
    g.primary.terminate()
    peer = SilentPeer(os.path.join(g.tmp, "silent.sock"))
    slow_restore_state(g, os.path.join(g.tmp, "silent.sock"))
    nsock = os.path.join(g.tmp, "notify.sock")
    notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    notify.bind(nsock)
    notify.setblocking(False)
    g.primary_env = {"NOTIFY_SOCKET": nsock}
    t0 = time.monotonic()
    g.restart_primary(extra=["--call-timeout", "1500"])
    seen_restoring, ready_at = 0, None
    while ready_at is None:
        assert time.monotonic() - t0 < 20, "no READY=1"
        try:
            while True:
                if b"READY=1" in notify.recv(4096):
                    ready_at = time.monotonic()
        except BlockingIOError:
            pass
        if ready_at:
            break
        seen_restoring += g.primary.call("status")["restoring"] is True
        lst = g.primary.call("list")
        if not lst.get("restoring"):  # not marked: then it is the whole set (READY is on its way)
            assert sorted(p["name"] for p in lst["ports"]) == ["net_null0", "net_null1"], lst
    record("READY=1 after a restore that waited on a stuck probe (--call-timeout 1500)",
           (ready_at - t0) * 1000)
    assert seen_restoring > 0
    lst = g.primary.call("list")
    assert "restoring" not in lst and g.primary.call("status")["restoring"] is False
    assert [p["devargs"] for p in lst["ports"]] == ["net_null0", "net_null1,size=128"]
    assert len(g.primary.call("status")["state"]["restore"]) == 3
    peer.answer()
    wait_for(lambda: "stuck_call" not in g.primary.call("status"), 10, "stuck call over")
    notify.close()


def test_console_prompt_after_restore(group_factory):
    g = group_factory(secondaries=0, console=True)
    g.primary.p.stdin.close()  # the console quits on EOF
    g.primary.wait_exit(0)
    peer = SilentPeer(os.path.join(g.tmp, "silent.sock"))
    slow_restore_state(g, os.path.join(g.tmp, "silent.sock"))
    g.retired.append(g.procs[0])
    g.procs[0] = Proc(g, "primary", console=True, extra=["--call-timeout", "1500"])
    # the prompt is there: the restore is over, and list shows all of it
    assert g.primary.call("status")["restoring"] is False
    assert g.primary.cmd("list") == "list all etherdev\n0\tnet_null0\n1\tnet_null1\n"
    peer.answer()
    wait_for(lambda: "stuck_call" not in g.primary.call("status"), 10, "stuck call over")
