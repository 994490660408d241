# SPDX-License-Identifier: BSD-3-Clause
"""Device state survives restarts: written atomically on every change,
restored at start-up per device, reported when the file is bad or cannot
be written; a declarative device list is attached the same way."""
import json
import os
import signal
import subprocess

from hpd import Subscriber, wait_for

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
    assert g.primary.ports() == {}  # started, with nothing restored
    g.primary.call("attach", {"devargs": "net_null1"})  # and works
    return g


def test_corrupt_state_file_is_reported_and_daemon_starts(group_factory):
    bad_state_file(group_factory, "{\"version\": 1, \"devices\": [{\"devargs\": }")


def test_truncated_state_file_is_reported_and_daemon_starts(group_factory):
    bad_state_file(group_factory, "{\"version\": 1, \"devices\": [{\"devargs\": \"net_nu")


def test_state_write_failure_is_reported_and_memory_state_stays(group_factory, workdir):
    ro = os.path.join(workdir, "ro")
    os.mkdir(ro)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=1m", "none", ro], check=True)
    g = None
    try:
        g = group_factory(secondaries=1,
                          daemon_args=["--state-file", os.path.join(ro, "state.json")])
        sub = Subscriber(g.primary.sock_path)
        g.primary.call("attach", {"devargs": "net_null0"})  # the device is attached
        ev = sub.wait_event(lambda e: e["event"] == "state.write_failed")
        assert "Read-only" in ev["errno"]
        assert "Read-only" in g.primary.call("status")["state"]["write_error"]
        g.assert_consistent(["net_null0"])
        assert "cannot write" in g.primary.logtext()
        sub.close()
    finally:
        try:
            if g is not None:
                g.close()
        finally:  # the mount goes whatever happened above
            subprocess.run(["umount", ro], check=True)


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
