# SPDX-License-Identifier: BSD-3-Clause
"""Physical hotplug on the host: the removal path driven by uevents a test
build reads from its injection socket (the kernel's message format, a
vdev's name as PCI_SLOT_NAME), since this machine's PCI devices are never
touched. The real signals (vfio request, uevent remove/unbind, device_del)
are exercised in the QEMU guest (tests/qemu/pci-physical.sh). Each case
ends with hpctl check clean and no member dead that was not fenced."""
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time

import pytest

from hpd import RpcError, Subscriber, fault_hooks, wait_for
from test_faults import check_clean, record

needs_hooks = pytest.mark.skipif(not fault_hooks(), reason="needs a -Dfault_hooks=true build")


def inject(g, action, name, **keys):
    """One uevent, as the kernel words it, to the primary's test socket."""
    path = os.path.join(g.rundir, g.prefix, "uevent-inject.sock")
    fields = [f"{action}@/devices/test/{name}", f"ACTION={action}", "SUBSYSTEM=pci",
              f"PCI_SLOT_NAME={name}"] + [f"{k}={v}" for k, v in keys.items()]
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    try:
        s.sendto("\0".join(fields).encode() + b"\0", path)
    finally:
        s.close()


def state_of(g):
    with open(os.path.join(g.tmp, "state.json")) as f:
        return json.load(f)


def attached_started(g, name="net_null0"):
    g.primary.call("attach", {"devargs": name})
    g.primary.call("start", {"device": name})


@needs_hooks
def test_removal_detaches_everywhere_and_is_remembered(group_factory):
    g = group_factory(secondaries=1)
    attached_started(g)
    w = g.add_secondary(lcores="0@0,1@1", extra=["--worker", "rxonly"])
    wait_for(lambda: w.call("stats")["ports"][0]["polled"], 10, "the worker to poll net_null0")
    sub = Subscriber(g.primary.sock_path)
    t = time.monotonic()
    inject(g, "remove", "net_null0")
    ev = sub.wait_event(lambda e: e["event"] == "device.removed", what="device.removed")
    record("removal of a started, polled vdev (injected uevent)", (time.monotonic() - t) * 1000)
    assert ev["device"] == "net_null0" and ev["signal"] == "uevent-remove", ev
    assert ev["origin"]["comm"] == "kernel" and ev["ms"] > 0, ev
    # where the time went: the rounds and the primary's calls, in order
    assert [(s["step"], s["by"]) for s in ev["steps"]] == [
        ("ping", "members"), ("quiesce", "members"), ("stop", "primary"),
        ("detach", "members"), ("remove", "primary")], ev
    assert 0 < sum(s["ms"] for s in ev["steps"]) <= ev["ms"], ev
    g.assert_consistent([])
    check_clean(g)
    g.assert_none_died()
    st = state_of(g)
    assert st["devices"] == [], st
    assert [(r["devargs"], r["started"], r["signal"]) for r in st["removed"]] == \
        [("net_null0", True, "uevent-remove")], st
    # a restart does not bring it back, and still remembers it
    g.primary.kill()
    for s in g.secondaries:
        s.wait_exit(75)
    g.restart_primary()
    assert g.primary.ports() == {}
    assert [r["devargs"] for r in state_of(g)["removed"]] == ["net_null0"]
    # attached again by hand: no longer "removed"
    g.primary.call("attach", {"devargs": "net_null0"})
    assert state_of(g)["removed"] == []
    sub.close()


FORGE = r"""
import socket, sys
s = socket.socket(socket.AF_NETLINK, socket.SOCK_DGRAM, 15)  # NETLINK_KOBJECT_UEVENT
s.bind((0, 0))
msg = sys.stdin.buffer.read()
for _ in range(int(sys.argv[1])):
    s.sendto(msg, (0, 1))  # the kernel's multicast group
"""


def forge(g, msg, times=1):
    """Multicast msg on the uevent group from a process of the group's
    network namespace (its own port id, not the kernel's)."""
    subprocess.run(["ip", "netns", "exec", g.netns.name, sys.executable, "-c", FORGE,
                    str(times)], input=msg, check=True, timeout=30)


REMOVE0 = b"\0".join([b"remove@/devices/test/net_null0", b"ACTION=remove", b"SUBSYSTEM=pci",
                      b"PCI_SLOT_NAME=net_null0"]) + b"\0"


@needs_hooks
def test_a_uevent_not_from_the_kernel_is_ignored(group_factory):
    """Another process of the primary's network namespace with
    CAP_NET_ADMIN can multicast on the kernel's uevent group: its forged
    "remove" comes from its own port id and changes nothing anywhere. The
    same bytes through the test build's injection socket do remove the
    device, so the forged message would have been acted on."""
    g = group_factory(secondaries=1)
    attached_started(g)
    sub = Subscriber(g.primary.sock_path)
    before = state_of(g)
    files = sorted(os.listdir(os.path.join(g.rundir, g.prefix)))
    forge(g, REMOVE0)
    wait_for(lambda: any(t in g.primary.logtext() for t in ("not from the kernel ignored",
                                                           "is going away")), 10,
             "the primary to read the forged uevent")
    assert "is going away" not in g.primary.logtext(), "a forged uevent started a removal"
    g.assert_consistent(["net_null0"])
    assert [(p["name"], p["state"]) for p in g.primary.call("list")["ports"]] == \
        [("net_null0", "started")]
    assert state_of(g) == before
    assert sorted(os.listdir(os.path.join(g.rundir, g.prefix))) == files
    assert not [e for e in sub.events if e["event"] == "device.removed"], sub.events
    check_clean(g)
    # the control: the very same message, from where the kernel's would come
    inject(g, "remove", "net_null0")
    ev = sub.wait_event(lambda e: e["event"] == "device.removed", what="device.removed")
    assert ev["device"] == "net_null0", ev
    g.assert_consistent([])
    sub.close()


def test_forged_uevents_are_one_log_line(group_factory):
    """500 forged uevents are said once (with their count), not 500 times:
    whoever may multicast on the group must not fill the journal."""
    g = group_factory(secondaries=0)
    g.primary.call("attach", {"devargs": "net_null0"})
    forge(g, REMOVE0, 500)
    wait_for(lambda: "not from the kernel ignored" in g.primary.logtext(), 10, "the warning")
    # the loop has read them all once a call made after the flood is answered
    g.primary.call("status")
    said = g.primary.logtext().count("not from the kernel ignored")
    assert said == 1, g.primary.log_tail(30)
    assert g.primary.ports() == {0: "net_null0"}


@needs_hooks
def test_a_uevent_flood_does_not_starve_the_control_socket(group_factory):
    """The uevent reader takes a bounded batch per wake-up: a flood that
    keeps its socket readable (here the test socket, the same reader,
    with each message made slow) leaves the control socket answered while
    the flood is still going."""
    g = group_factory(secondaries=0, primary_env={"HOTPLUGD_UEVENT_READ_US": "300"})
    g.primary.call("attach", {"devargs": "net_null0"})
    path = os.path.join(g.rundir, g.prefix, "uevent-inject.sock")
    msg = b"\0".join([b"add@/devices/test/x", b"ACTION=add", b"SUBSYSTEM=pci",
                      b"PCI_SLOT_NAME=net_null9"]) + b"\0"
    stop = threading.Event()
    sent = []

    def flood():
        s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        s.settimeout(5)
        try:  # blocks when the reader's queue is full: it never empties
            while not stop.is_set():
                s.sendto(msg, path)
                sent.append(1)
        finally:
            s.close()
    th = threading.Thread(target=flood)
    th.start()
    try:
        wait_for(lambda: len(sent) > 2000, 20, "the flood to fill the reader's queue")
        # the flood ends only after this answer: without the bound the
        # reader never returns to the loop and the call times out
        g.primary.call("status")
        assert th.is_alive(), "the flood stopped by itself"
    finally:
        stop.set()
        th.join(30)
    assert g.primary.ports() == {0: "net_null0"}
    check_clean(g)


@needs_hooks
def test_second_signal_and_unknown_device_change_nothing(group_factory):
    g = group_factory(secondaries=1)
    attached_started(g)
    g.primary.call("attach", {"devargs": "net_null1"})
    sub = Subscriber(g.primary.sock_path)
    inject(g, "remove", "net_null7")         # not the group's
    inject(g, "remove", "net_null0")
    inject(g, "remove", "net_null0")         # the same removal, signalled twice
    sub.wait_event(lambda e: e["event"] == "device.removed")
    check_clean(g)
    g.assert_consistent(["net_null1"])
    time.sleep(0.3)  # nothing else may follow; the events seen so far:
    removed = [e for e in sub.events if e["event"] == "device.removed"]
    assert len(removed) == 1, sub.events
    sub.close()


@needs_hooks
def test_removal_while_user_detach_in_flight(group_factory):
    """The user's detach is between its ping and its quiesce when the
    kernel's removal signal arrives: the removal waits its turn and finds
    nothing; the user's detach is answered as a detach."""
    g = group_factory(secondaries=2, primary_env={"HOTPLUGD_PRIMARY_PAUSE": "detach:ping:1500"})
    attached_started(g)
    sub = Subscriber(g.primary.sock_path)
    out = {}
    th = threading.Thread(target=lambda: out.update(
        res=g.secondaries[0].call("detach", {"device": "net_null0"})))
    th.start()
    wait_for(lambda: "fault injection: pause" in g.primary.logtext(), 10, "the pause")
    inject(g, "remove", "net_null0")
    th.join(30)
    assert out["res"]["name"] == "net_null0", out
    sub.wait_event(lambda e: e["event"] == "device.detached")
    wait_for(lambda: "not attached any more" in g.primary.logtext(), 10, "the removal's turn")
    assert not [e for e in sub.events if e["event"] == "device.removed"], sub.events
    g.assert_consistent([])
    check_clean(g)
    assert state_of(g)["removed"] == []  # the user's detach, not a disappearance
    sub.close()


@needs_hooks
def test_user_detach_while_removal_in_flight(group_factory):
    g = group_factory(secondaries=2, primary_env={"HOTPLUGD_PRIMARY_PAUSE": "removal:ping:1500"})
    attached_started(g)
    sub = Subscriber(g.primary.sock_path)
    inject(g, "remove", "net_null0")
    wait_for(lambda: "fault injection: pause" in g.primary.logtext(), 10, "the pause")
    with pytest.raises(RpcError) as e:
        g.secondaries[1].call("detach", {"device": "net_null0"})
    assert e.value.errno == "ENOENT", e.value.error
    ev = sub.wait_event(lambda e: e["event"] == "device.removed")
    assert ev["signal"] == "uevent-remove"
    g.assert_consistent([])
    check_clean(g)
    sub.close()


@needs_hooks
def test_removal_with_a_frozen_member_fences_it(group_factory):
    g = group_factory(secondaries=2)
    attached_started(g)
    frozen = g.secondaries[1]
    frozen.expect_fenced()
    sub = Subscriber(g.primary.sock_path)
    frozen.freeze()
    inject(g, "remove", "net_null0")
    ev = sub.wait_event(lambda e: e["event"] == "device.removed", timeout=20)
    fenced = sub.wait_event(lambda e: e["event"] == "member.fenced")
    assert fenced["pid"] == frozen.pid
    frozen.wait_exit(-signal.SIGKILL)
    assert ev["device"] == "net_null0"
    g.assert_consistent([])
    check_clean(g)
    sub.close()


@needs_hooks
def test_removal_with_refuse_policy_waits_for_the_member(group_factory):
    """--unresponsive refuse: no change while a member is frozen, a removal
    neither; the kernel signals again (vfio re-sends its request), and
    once the member is back the removal goes through."""
    g = group_factory(secondaries=1, daemon_args=["--unresponsive", "refuse"])
    attached_started(g)
    frozen = g.secondaries[0]
    sub = Subscriber(g.primary.sock_path)
    frozen.freeze()
    inject(g, "remove", "net_null0")
    wait_for(lambda: "removal of net_null0 failed" in g.primary.logtext(), 20, "the refusal")
    assert g.primary.ports() == {0: "net_null0"}
    os.kill(frozen.pid, signal.SIGCONT)
    sub.wait_event(lambda e: e["event"] == "member.healthy", what="member.healthy")
    inject(g, "remove", "net_null0")
    sub.wait_event(lambda e: e["event"] == "device.removed", timeout=20)
    g.assert_consistent([])
    check_clean(g)
    sub.close()


def test_arrival_rules_in_the_devices_file(group_factory, tmp_path):
    """Rules are checked at start-up: a kernel driver is refused with the
    reason; a PCI device that is not bound to its rule's driver waits for
    its arrival instead of failing the restore."""
    devs = tmp_path / "devices.json"
    devs.write_text(json.dumps([
        {"match": "8086:100e", "bound_to": "e1000"},
        {"match": "not-an-id", "bound_to": "vfio-pci"},
        {"devargs": "0000:7f:1f.7", "bound_to": "vfio-pci", "start": True},
        {"devargs": "net_null0"}]))
    g = group_factory(secondaries=1, daemon_args=["--devices", str(devs)])
    wait_for(lambda: g.primary.ports() == {0: "net_null0"}, 20, "the restore")
    log = g.primary.logtext()
    assert 'bound_to "e1000" is not a userspace driver' in log, log
    assert "neither a PCI address nor a vendor:device id" in log, log
    assert "0000:7f:1f.7 waits for its arrival on vfio-pci" in log, log
    check_clean(g)
