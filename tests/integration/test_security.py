# SPDX-License-Identifier: BSD-3-Clause
"""A hostile local user against a running group (issue 13): each request
uses DPDK's own grammar or the daemon's own resources. Every one gets a
clear error and changes nothing: no process dies, every process lists the
same ports, the state file and the files around it are as they were."""
import hashlib
import json
import os
import socket
import stat
import subprocess
import time

import pytest

from hpd import HPCTL, Client, Group, wait_for


def files_under(d):
    """Every path under d with its kind, size and content hash (process
    logs left out: they grow by themselves)."""
    out = {}
    for root, dirs, names in os.walk(d):
        for n in dirs + names:
            p = os.path.join(root, n)
            if n.endswith(".log"):
                continue
            st = os.lstat(p)
            h = None
            if os.path.isfile(p) and not os.path.islink(p):
                with open(p, "rb") as f:
                    h = hashlib.sha256(f.read()).hexdigest()
            out[os.path.relpath(p, d)] = (st.st_mode, h)
    return out


def snapshot(g):
    """What a refused request must leave as it was."""
    alive = [p.pid for p in g.procs if p.p.poll() is None]
    members = sorted(m["pid"] for m in g.primary.call("ps")["members"])
    return {"alive": alive, "members": members, "lists": g.lists(), "files": files_under(g.tmp),
            "etc": {f: os.stat(f).st_mtime_ns for f in ("/etc/passwd", "/etc/shadow")}}


def assert_unchanged(g, before):
    assert [p.pid for p in g.procs if p.p.poll() is None] == before["alive"], \
        "a process died: " + "; ".join(f"{p.role} {p.pid} rc={p.p.poll()}" for p in g.procs)
    after = snapshot(g)
    assert after == before


@pytest.fixture(scope="module")
def grp():
    g = Group(secondaries=1)
    g.primary.call("attach", {"devargs": "net_null0"})
    yield g
    g.close()
    assert not g.reports, "sanitizer findings:\n" + "\n".join(g.reports)


def target_proc(g, target):
    return g.primary if target == "primary" else g.secondaries[0]


def attach_refused(g, target, devargs, code=-32001, errno="EPERM"):
    before = snapshot(g)
    c = Client(target_proc(g, target).sock_path, timeout=20)
    try:
        resp = c.call_raw("attach", {"devargs": devargs})
    finally:
        c.close()
    assert "error" in resp, resp
    assert resp["error"]["code"] == code, resp
    assert resp["error"]["data"]["errno"] == errno, resp
    assert_unchanged(g, before)
    return resp["error"]["data"]["reason"]


def policy_refused(g, target, row):
    """A (name, devargs, why) row: refused by the policy naming why."""
    _, devargs, why = row
    reason = attach_refused(g, target, devargs.format(tmp=g.tmp))
    assert reason.startswith("policy: ") and why in reason, reason


# Finding 1: DPDK's layered syntax and aliases. (devargs, what the refusal
# names); {tmp} is the group's directory, where the policy allows files.
LAYERED = [
    ("class-only", "net_null0/class=eth", "layered"),
    ("bus-layer-other-driver", "net_null9=x/bus=vdev,name=crypto_null0", "layered"),
    ("bus-layer-first", "bus=vdev,name=crypto_null0", "layered"),
    ("failsafe-exec", "net_null9/bus=vdev,name=net_failsafe0,"
     "exec(/usr/bin/touch${{IFS}}{tmp}/pwned)", "layered"),
    ("pcap-file", "net_null8/bus=vdev,name=net_pcap8/driver=x,rx_pcap=/etc/shadow", "layered"),
    ("driver-layer", "net_null7/driver=rx_pcap=/etc/shadow", "layered"),
    # found by the differential fuzzer: DPDK looks up a bus named NULL
    ("bare-bus-key", "bus", "layered"),
    ("bare-class-key", "class,x=1", "layered"),
    ("equals-bus-key", "=bus", "layered"),
    ("virtio-user-alias", "virtio_user9,path=/etc/evil.sock", "outside the allowed"),
    ("tap-alias", "eth_tap9,iface=eth0", "matches no allowed pattern"),
    ("failsafe-plain", "net_failsafe0,exec(/usr/bin/touch${{IFS}}{tmp}/pwned)", "not allowed"),
]


@pytest.mark.parametrize("target", ["primary", "secondary"])
@pytest.mark.parametrize("row", LAYERED, ids=[r[0] for r in LAYERED])
def test_dpdk_grammar_refused(grp, row, target):
    policy_refused(grp, target, row)
    assert not os.path.exists(os.path.join(grp.tmp, "pwned"))
    # nothing leaked: the same name attaches (or is refused) the same way again
    assert grp.primary.ports() == {0: "net_null0"}


# Finding 9: a device reference is never cut to fit. "0"*127+"1" is port 1;
# cut to 127 bytes it was port 0.
@pytest.mark.parametrize("target", ["primary", "secondary"])
@pytest.mark.parametrize("method", ["detach", "start", "stop"])
def test_long_device_refused_whole(grp, method, target):
    proc = target_proc(grp, target)
    before = snapshot(grp)
    c = Client(proc.sock_path, timeout=20)
    try:
        over = c.call_raw(method, {"device": "0" * 127 + "1"})
        at = c.call_raw(method, {"device": "0" * 126 + "9"})  # port 9: none
    finally:
        c.close()
    assert over["error"]["code"] == -32004 and over["error"]["data"]["errno"] == "ENAMETOOLONG"
    assert "127" in over["error"]["data"]["reason"]
    assert at["error"]["data"]["errno"] == "ENOENT", at
    assert_unchanged(grp, before)


def line_of(n_total, method="attach", rid=1):
    """A request line of exactly n_total bytes (newline excluded)."""
    def make(k):
        return json.dumps({"jsonrpc": "2.0", "id": rid, "method": method,
                           "params": {"devargs": "a" * k}}, separators=(",", ":")).encode()
    k = n_total - len(make(0))
    line = make(k)
    assert len(line) == n_total
    return line


# Finding 4: a line legal at a secondary grows when relayed; refused there,
# for that request only, and the relay shared by every client goes on.
def test_relayed_line_over_limit_refused_at_secondary(grp):
    sec = grp.secondaries[0]
    before = snapshot(grp)
    c = Client(sec.sock_path, timeout=20)
    try:
        c.send_raw(line_of(65536) + b"\n" +
                   json.dumps({"jsonrpc": "2.0", "id": 2, "method": "ps"}).encode() + b"\n")
        first, second = c.read_msg(), c.read_msg()
    finally:
        c.close()
    assert first["id"] == 1 and first["error"]["code"] == -32004, first
    assert first["error"]["data"]["errno"] == "E2BIG" and "relayed" in \
        first["error"]["data"]["reason"], first
    assert second["id"] == 2 and "result" in second, second
    assert_unchanged(grp, before)
    assert f"member {sec.pid} sent a line" not in grp.primary.logtext()


def state_devargs(g):
    with open(os.path.join(g.tmp, "state.json")) as f:
        return sorted(d["devargs"] for d in json.load(f)["devices"])


# Finding 2: a bond's slave is not detached or stopped under it, and the
# state file keeps every attached device.
@pytest.mark.parametrize("target", ["primary", "secondary"])
def test_bond_slave_not_removed_under_its_bond(grp, target):
    p = grp.primary
    # DPDK 23.11 renamed the bonding PMD's "slave" argument "member"
    year = int(p.call("status")["dpdk_version"].split()[1].split(".")[0])
    bond = f"net_bonding0,mode=0,{'slave' if year < 23 else 'member'}=net_null1"
    p.call("attach", {"devargs": "net_null1"})
    p.call("attach", {"devargs": bond})
    try:
        p.call("start", {"device": "net_bonding0"})
        wait_for(lambda: state_devargs(grp) == [bond,
                                                "net_null0", "net_null1"], 10,
                 "the state file to list the bond and its slave")
        before = snapshot(grp)
        for method in ("detach", "stop"):
            c = Client(target_proc(grp, target).sock_path, timeout=20)
            try:
                r = c.call_raw(method, {"device": "net_null1"})
            finally:
                c.close()
            assert r["error"]["data"]["errno"] == "EBUSY", r
            assert "net_bonding0" in r["error"]["data"]["reason"], r
            assert_unchanged(grp, before)
    finally:
        for d in ("net_bonding0", "net_null1"):
            p.call("detach", {"device": d})
    assert p.ports() == {0: "net_null0"}
    assert all(x.p.poll() is None for x in grp.procs)


# A reader holding connections, run as that user: opens n connections to
# path, subscribes each, prints what each got, then holds them until its
# stdin closes.
HOG = r"""
import json, socket, sys
path, n = sys.argv[1], int(sys.argv[2])
held, got = [], []
for i in range(n):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    try:
        s.connect(path)
        try:
            s.sendall(b'{"jsonrpc":"2.0","id":1,"method":"subscribe"}\n')
        except OSError:
            pass  # refused at once: its answer is already waiting
        buf = b""
        while b"\n" not in buf:
            try:
                chunk = s.recv(4096)
            except ConnectionResetError:
                chunk = b""
            if not chunk:
                break
            buf += chunk
        msg = json.loads(buf.split(b"\n")[0]) if buf else {"error": {"message": "closed"}}
        got.append("ok" if "result" in msg else msg["error"]["message"])
        held.append(s)
    except OSError as e:
        got.append(repr(e))
print(json.dumps(got), flush=True)
sys.stdin.read()
"""


def run_as(user, *args, **kw):
    gid = subprocess.run(["id", "-g", user], capture_output=True, text=True).stdout.strip()
    return subprocess.Popen(["setpriv", f"--reuid={user}", f"--regid={gid}", "--init-groups",
                             "/usr/bin/python3", *args], **kw)


@pytest.fixture(scope="module")
def limited(users):
    g = Group(secondaries=1, daemon_args=["--read-group", users["groups"][0],
                                          "--admin-group", users["groups"][1],
                                          "--max-clients", "16", "--idle-timeout", "2000"])
    os.chmod(g.tmp, 0o711)
    yield g
    g.close()
    assert not g.reports, "sanitizer findings:\n" + "\n".join(g.reports)


# Finding 3: a reader cannot lock out root, admins or members.
def test_reader_cannot_lock_out_root_or_members(limited):
    g = limited
    users_ = g.daemon_args[g.daemon_args.index("--read-group") + 1]
    reader = [u for u in subprocess.run(["getent", "group", users_], capture_output=True,
                                        text=True).stdout.strip().split(":")[3].split(",")
              if u.startswith("hpu1")][0]
    before = snapshot(g)
    hog = run_as(reader, "-c", HOG, g.primary.sock_path, "40", stdin=subprocess.PIPE,
                 stdout=subprocess.PIPE, text=True)
    try:
        got = json.loads(hog.stdout.readline())
        # 16 clients: an eighth per reader (2), however many it asks for
        assert got[:2] == ["ok", "ok"], got
        assert all("EMFILE" in m and "per user" in m for m in got[2:]), got
        # root, and a secondary relaying for its own clients, still get in
        assert g.primary.call("status")["role"] == "primary"
        assert g.secondaries[0].call("ps")["members"]
        r = g.hpctl("status")
        assert r.returncode == 0, r.stderr
    finally:
        hog.stdin.close()
        hog.wait(10)
    assert_unchanged(g, before)


# Finding 3: a line sent a byte at a time still has a deadline.
@pytest.mark.parametrize("target", ["primary", "secondary"])
def test_slow_request_line_is_cut_off(limited, target):
    g = limited
    before = snapshot(g)
    c = Client(target_proc(g, target).sock_path, timeout=10)
    t0 = time.monotonic()
    line = b'{"jsonrpc":"2.0","id":1,"method":"list"}'
    closed = None
    try:
        for b in line * 10:
            c.send_raw(bytes([b]))
            time.sleep(0.25)
            if time.monotonic() - t0 > 8:
                break
    except (BrokenPipeError, ConnectionResetError):
        closed = time.monotonic() - t0
    if closed is None:
        try:
            msg = c.read_msg()
            assert "ETIMEDOUT" in msg["error"]["message"], msg
        except ConnectionResetError:
            pass
        closed = time.monotonic() - t0
    c.close()
    assert closed < 6, f"closed after {closed:.1f}s"  # deadline 2 s from the first byte
    assert_unchanged(g, before)


# Findings 5 (memif abstract sockets), 6 (every default route) and 7
# (socket directories others may write to).
@pytest.fixture(scope="module")
def routed():
    """A group whose namespace has two IPv4 default routes and an
    IPv6-only one, and a socket directory anyone may write to."""
    g = Group(secondaries=1)
    ns = g.netns
    for i in range(3):
        ns.veth()  # hv0a, hv1a, hv2a
    ns.run("ip", "addr", "add", "10.99.0.1/24", "dev", "hv0a")
    ns.run("ip", "addr", "add", "10.99.1.1/24", "dev", "hv1a")
    ns.run("ip", "route", "add", "default", "via", "10.99.0.2", "dev", "hv0a", "metric", "10")
    ns.run("ip", "route", "add", "default", "via", "10.99.1.2", "dev", "hv1a", "metric", "20")
    ns.run("sysctl", "-qw", "net.ipv6.conf.hv2a.disable_ipv6=0")
    ns.run("ip", "-6", "addr", "add", "fd00:99::1/64", "dev", "hv2a", "nodad")
    ns.run("ip", "-6", "route", "add", "default", "via", "fd00:99::2", "dev", "hv2a")
    os.mkdir(os.path.join(g.tmp, "open"))
    os.chmod(os.path.join(g.tmp, "open"), 0o777)
    yield g
    g.close()
    assert not g.reports, "sanitizer findings:\n" + "\n".join(g.reports)


HOST_ROWS = [
    ("memif-abstract-default", "net_memif9,role=server,socket={tmp}/m9.sock",
     "socket-abstract=no"),
    ("memif-abstract-yes", "net_memif9,role=server,socket={tmp}/m9.sock,socket-abstract=yes",
     "socket-abstract=no"),
    ("memif-no-socket", "net_memif9,role=server,socket-abstract=no", "socket-abstract=no"),
    ("first-default-route", "net_af_packet9,iface=hv0a", "default route"),
    ("second-default-route", "net_af_packet9,iface=hv1a", "default route"),
    ("ipv6-default-route", "net_af_packet9,iface=hv2a", "default route"),
    ("tap-remote-second-route", "net_tap9,iface=hvtap9,remote=hv1a", "default route"),
    ("socket-dir-writable-by-others", "net_vhost9,iface={tmp}/open/v.sock",
     "written by others"),
    ("memif-dir-writable-by-others",
     "net_memif9,role=server,socket={tmp}/open/m.sock,socket-abstract=no", "written by others"),
]


@pytest.mark.parametrize("target", ["primary", "secondary"])
@pytest.mark.parametrize("row", HOST_ROWS, ids=[r[0] for r in HOST_ROWS])
def test_host_resources_refused(routed, row, target):
    policy_refused(routed, target, row)


def test_memif_filesystem_socket_allowed(routed):
    """The allowed form really works: a filesystem socket, in the directory."""
    p = routed.primary
    sock = os.path.join(routed.tmp, "m8.sock")
    p.call("attach", {"devargs": f"net_memif8,role=server,socket={sock},socket-abstract=no"})
    try:
        p.call("start", {"device": "net_memif8"})
        wait_for(lambda: os.path.exists(sock), 10, "the memif socket file")
        assert stat.S_ISSOCK(os.lstat(sock).st_mode)
    finally:
        p.call("detach", {"device": "net_memif8"})
    assert p.ports() == {}


# Finding 7: a socket path where something else already is gets refused:
# the vhost driver, failing to bind, would unlink it (DPDK's own clean-up).
@pytest.mark.parametrize("target", ["primary", "secondary"])
def test_socket_path_over_a_file_refused(routed, target):
    path = os.path.join(routed.tmp, "v7.sock")
    with open(path, "w") as f:
        f.write("precious")
    try:
        reason = attach_refused(routed, target, f"net_vhost7,iface={path}")
        assert "not a socket" in reason, reason
        with open(path) as f:
            assert f.read() == "precious"
    finally:
        os.unlink(path)


# Finding 8: trust. Rights are the primary's decision from the origin's
# real groups; the state file's temporary and the runtime directory cannot
# be planted.
def gid_of(group):
    return subprocess.run(["getent", "group", group], capture_output=True,
                          text=True).stdout.split(":")[2]


@pytest.fixture(scope="module")
def trust(users):
    read_g, admin_g = users["groups"]
    g = Group(secondaries=0, daemon_args=["--read-group", read_g, "--admin-group", admin_g])
    os.chmod(g.tmp, 0o711)
    # a secondary configured to make the read group admins
    g.add_secondary(extra=["--admin-group", read_g])
    yield g
    g.close()
    assert not g.reports, "sanitizer findings:\n" + "\n".join(g.reports)


def test_relaying_secondary_config_grants_nothing(trust, users):
    g = trust
    before = snapshot(g)
    r = g.hpctl_as(users["users"]["reader"], "--pid", str(g.secondaries[0].pid),
                   "attach", "net_null9")
    assert r.returncode == 1 and "EPERM" in r.stderr and "admin right" in r.stderr, r
    assert_unchanged(g, before)


def test_rights_follow_the_peers_real_groups(trust, users):
    g = trust
    read_gid, admin_gid = gid_of(users["groups"][0]), gid_of(users["groups"][1])
    before = snapshot(g)
    # the admin, started with the read group only (its /etc/group entry
    # says admin): only reads
    for target in ([], ["--pid", str(g.secondaries[0].pid)]):
        r = g.hpctl_as(users["users"]["admin"], *target, "attach", "net_null9",
                       groups=[read_gid])
        assert r.returncode == 1 and "EPERM" in r.stderr, r
        assert_unchanged(g, before)
    # a user in no group in /etc/group, given both as supplementary groups
    r = g.hpctl_as(users["users"]["nobody"], "attach", "net_null9",
                   groups=[read_gid, admin_gid])
    assert r.returncode == 0, r.stderr
    assert g.primary.ports() == {0: "net_null9"}
    g.primary.call("detach", {"device": "net_null9"})


def test_state_temporary_is_never_followed(trust):
    g = trust
    victim = os.path.join(g.tmp, "victim")
    with open(victim, "w") as f:
        f.write("precious")
    os.symlink(victim, os.path.join(g.tmp, "state.json.tmp"))
    g.primary.call("attach", {"devargs": "net_null8"})
    try:
        wait_for(lambda: state_devargs(g) == ["net_null8"], 10, "the state file written")
        with open(victim) as f:
            assert f.read() == "precious"
        assert not os.path.lexists(os.path.join(g.tmp, "state.json.tmp"))
    finally:
        g.primary.call("detach", {"device": "net_null8"})


def test_planted_runtime_directory_refused(group_factory):
    g = group_factory(secondaries=0)
    d = os.path.join(g.rundir, g.prefix)
    g.primary.terminate()
    os.chmod(d, 0o777)
    with pytest.raises(RuntimeError, match="no one else may write"):
        g.restart_primary()


def test_hpctl_refuses_a_socket_served_by_another_user(users, workdir):
    """root's hpctl talks only to root's daemon: a user who got to plant
    control.sock cannot feed it answers."""
    prefix = "planted"
    d = os.path.join(workdir, prefix)
    os.makedirs(d)
    os.chmod(workdir, 0o755)
    os.chmod(d, 0o777)
    sock = os.path.join(d, "control.sock")
    fake = r"""
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1]); s.listen(4)
print("ready", flush=True)
while True:
    c, _ = s.accept()
    c.recv(4096)
    c.sendall(b'{"jsonrpc":"2.0","id":1,"result":{"role":"primary","fake":true}}\n')
    c.close()
"""
    p = run_as(users["users"]["nobody"], "-c", fake, sock, stdout=subprocess.PIPE, text=True)
    try:
        assert p.stdout.readline().strip() == "ready"
        r = subprocess.run([HPCTL, "-r", workdir, "--file-prefix", prefix, "status"],
                           capture_output=True, text=True, timeout=30)
        assert r.returncode == 3 and "another user" in r.stderr, (r.stdout, r.stderr)
        assert "fake" not in r.stdout
    finally:
        p.kill()
        p.wait(5)
