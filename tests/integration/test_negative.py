# SPDX-License-Identifier: BSD-3-Clause
"""Bad input: each row sends one hostile or mistaken request, to the primary
and to a secondary, and checks the exact error and that no process's device
list changed."""
import json
import os
import shutil
import tempfile

import pytest

from hpd import Client, Group, RpcError

LONG = "net_null9," + ",".join(f"k{i}=v" for i in range(40))  # > 127 bytes


def host_nic():
    """The host's own NIC, for checking it is refused (never probed)."""
    try:
        dev = os.path.realpath("/sys/class/net/eth0/device")
        # a virtio NIC's device is virtioN under the PCI function
        return os.path.basename(os.path.dirname(dev) if "virtio" in dev else dev)
    except OSError:
        return None


def call(method, params):
    return ("call", method, params)


def raw(data):
    return ("raw", data)


# (id, request, expected JSON-RPC code, expected errno name or None)
ROWS = [
    ("parse-error", raw(b'{"jsonrpc":\n'), -32700, None),
    ("not-object", raw(b'[1,2,3]\n'), -32600, None),
    ("string-request", raw(b'"attach"\n'), -32600, None),
    ("no-jsonrpc", raw(b'{"id":1,"method":"list"}\n'), -32600, None),
    ("wrong-version", raw(b'{"jsonrpc":"1.0","id":1,"method":"list"}\n'), -32600, None),
    ("method-not-string", raw(b'{"jsonrpc":"2.0","id":1,"method":7}\n'), -32600, None),
    ("empty-method", raw(b'{"jsonrpc":"2.0","id":1,"method":""}\n'), -32600, None),
    ("id-object", raw(b'{"jsonrpc":"2.0","id":{},"method":"list"}\n'), -32600, None),
    ("unknown-method", call("frobnicate", {}), -32601, None),
    ("params-array", raw(b'{"jsonrpc":"2.0","id":1,"method":"attach","params":["x"]}\n'),
     -32602, None),
    ("params-string", raw(b'{"jsonrpc":"2.0","id":1,"method":"list","params":"x"}\n'),
     -32602, None),
    ("attach-no-devargs", call("attach", {}), -32602, None),
    ("attach-devargs-int", call("attach", {"devargs": 5}), -32602, None),
    ("attach-devargs-null", call("attach", {"devargs": None}), -32602, None),
    ("attach-unknown-key", call("attach", {"devargs": "net_null1", "force": True}), -32602, None),
    ("list-unknown-key", call("list", {"verbose": 1}), -32602, None),
    ("attach-empty", call("attach", {"devargs": ""}), -32602, "EINVAL"),
    ("attach-too-long", call("attach", {"devargs": LONG}), -32004, "ENAMETOOLONG"),
    ("attach-unknown-driver", call("attach", {"devargs": "net_nosuchdriver0"}), -32602, "EINVAL"),
    ("attach-empty-arg", call("attach", {"devargs": "net_null1,,size=64"}), -32602, "EINVAL"),
    ("attach-empty-key", call("attach", {"devargs": "net_null1,=5"}), -32602, "EINVAL"),
    ("attach-space", call("attach", {"devargs": "net_null1 ,size=64"}), -32602, "EINVAL"),
    ("attach-newline-inside", call("attach", {"devargs": "net_null1\nx"}), -32602, "EINVAL"),
    ("attach-control-char", call("attach", {"devargs": "net_null1\u0001"}), -32602, "EINVAL"),
    ("attach-non-ascii", call("attach", {"devargs": "net_null\u00e9"}), -32602, "EINVAL"),
    ("attach-no-name", call("attach", {"devargs": ",size=64"}), -32602, "EINVAL"),
    ("attach-driver-fails", call("attach", {"devargs": "net_af_packet1,iface=hvnosuch0"}),
     -32000, "EIO"),
    ("attach-duplicate", call("attach", {"devargs": "net_null0"}), -32003, "EEXIST"),
    ("attach-duplicate-args", call("attach", {"devargs": "net_null0,size=128"}), -32003, "EEXIST"),
    ("attach-pci-absent", call("attach", {"devargs": "0000:7f:1f.7"}), -32002, "ENODEV"),
    ("detach-absent", call("detach", {"device": "net_null5"}), -32002, "ENOENT"),
    ("detach-absent-port", call("detach", {"device": "99"}), -32002, "ENOENT"),
    ("detach-port-range", call("detach", {"device": "99999999"}), -32602, "EINVAL"),
    ("detach-no-device", call("detach", {}), -32602, None),
    ("detach-device-array", call("detach", {"device": ["net_null0"]}), -32602, None),
    ("start-absent", call("start", {"device": "net_null5"}), -32002, "ENOENT"),
    ("stop-stopped", call("stop", {"device": "net_null0"}), -32000, "EALREADY"),
    ("invalid-utf8", raw(b'{"jsonrpc":"2.0","id":1,"method":"li\xffst"}\n'), -32700, None),
    ("duplicate-keys", raw(b'{"jsonrpc":"2.0","id":1,"method":"attach",'
                           b'"params":{"devargs":"net_null1","devargs":"net_null2"}}\n'),
     -32700, None),
    ("deep-nesting", raw(b'{"jsonrpc":"2.0","id":1,"method":"list","params":{"a":'
                         + b"[" * 5000 + b"]" * 5000 + b"}}\n"), -32700, None),
    ("huge-integer", raw(b'{"jsonrpc":"2.0","id":123456789012345678901234567890,'
                         b'"method":"list"}\n'), -32700, None),
    ("huge-real", raw(b'{"jsonrpc":"2.0","id":1e999,"method":"list"}\n'), -32700, None),
    ("nul-byte", raw(b'{"jsonrpc":"2.0","id":1,"method":"list\x00"}\n'), -32700, None),
    ("origin-spoof", raw(b'{"jsonrpc":"2.0","id":1,"method":"attach","params":'
                         b'{"devargs":"net_null3"},"origin":{"pid":1,"uid":0}}\n'), -32600, None),
]
# The words each errno row's reason must hold: the rule, limit or driver
# message that explains it (a bare "failed" or a wrong reason fails).
REASONS = {
    "attach-empty": "devargs is empty",
    "attach-too-long": "limit is 127",
    "attach-unknown-driver": "net_nosuchdriver0",
    "attach-empty-arg": "malformed argument list",
    "attach-empty-key": "malformed argument list",
    "attach-space": "printable ASCII without spaces",
    "attach-newline-inside": "printable ASCII without spaces",
    "attach-control-char": "printable ASCII without spaces",
    "attach-non-ascii": "printable ASCII without spaces",
    "attach-no-name": "no device name",
    "attach-driver-fails": "SIOCGIFINDEX",  # the driver's own words
    "attach-duplicate": "already attached (port 0)",
    "attach-duplicate-args": "already attached (port 0)",
    "attach-pci-absent": "no PCI device 0000:7f:1f.7",
    "detach-absent": "no device net_null5 is attached",
    "detach-absent-port": "no device 99 is attached",
    "detach-port-range": "out of range",
    "start-absent": "no device net_null5 is attached",
    "stop-stopped": "already stopped",
    "attach-host-nic": "bound to kernel driver",
}

# Devargs policy: each refused with EPERM naming the rule (the group's policy
# allows sockets and files only in its tmp dir, interfaces hv* and ens*).
POLICY_ROWS = [
    ("pcap-read-shadow", "net_pcap1,rx_pcap=/etc/shadow", "outside the allowed"),
    # a decoy for /etc/passwd: a broken build (tests/mutate.py) must not be
    # able to overwrite the real one
    ("pcap-write-outside", "net_pcap1,rx_pcap={tmp}/in.pcap,tx_pcap={decoy}/passwd",
     "outside the allowed"),
    ("pcap-dotdot", "net_pcap1,rx_pcap={tmp}/../../etc/shadow", "\"..\""),
    ("af-packet-host-iface", "net_af_packet1,iface=eth0", "matches no allowed pattern"),
    ("vhost-socket-anywhere", "net_vhost1,iface=/etc/evil.sock", "outside the allowed"),
    ("vhost-socket-dotdot", "net_vhost1,iface={tmp}/../evil.sock", "\"..\""),
    ("virtio-user-symlink", "net_virtio_user1,path={tmp}/link/x.sock", "outside the allowed"),
    ("virtio-user-symlink-file", "net_virtio_user1,path={tmp}/sock-link", "symbolic link"),
    ("memif-socket-outside", "net_memif1,socket=/tmp/outside.sock", "outside the allowed"),
    ("tap-remote-iface", "net_tap1,iface=hvtap0,remote=eth0", "matches no allowed pattern"),
    ("driver-not-allowed", "crypto_null1", "is not allowed"),
    ("eth-alias-checked-too", "eth_af_packet1,iface=lo", "matches no allowed pattern"),
]
for name, devargs, why in POLICY_ROWS:
    ROWS.append((f"policy-{name}", ("policy", devargs, why), -32001, "EPERM"))

if host_nic():
    ROWS.append(("attach-host-nic", call("attach", {"devargs": host_nic()}), -32000, "EBUSY"))


@pytest.fixture(scope="module")
def grp():
    g = Group(secondaries=2)
    g.primary.call("attach", {"devargs": "net_null0"})
    # symlink games: a directory and a socket path pointing out of bounds
    os.symlink("/etc", os.path.join(g.tmp, "link"))
    os.symlink("/etc/passwd", os.path.join(g.tmp, "sock-link"))
    g.decoy = tempfile.mkdtemp(prefix="hpt-decoy-")  # outside every allowed directory
    with open(os.path.join(g.decoy, "passwd"), "w") as f:
        f.write("root:x:0:0\n")
    yield g
    try:
        with open(os.path.join(g.decoy, "passwd")) as f:
            assert f.read() == "root:x:0:0\n", "a refused attach wrote a file"
    finally:
        shutil.rmtree(g.decoy, ignore_errors=True)
    g.close_and_check()


def send(proc, req):
    c = Client(proc.sock_path, timeout=10)
    try:
        if req[0] == "policy":
            return c.call_raw("attach", {"devargs": req[1].format(tmp=proc.group.tmp, decoy=proc.group.decoy)})
        if req[0] == "call":
            return c.call_raw(req[1], req[2])
        c.send_raw(req[1])
        return c.read_msg()
    finally:
        c.close()


@pytest.mark.parametrize("target", ["primary", "secondary"])
@pytest.mark.parametrize("row", ROWS, ids=[r[0] for r in ROWS])
def test_bad_input(grp, row, target):
    name, req, code, errno = row
    proc = grp.primary if target == "primary" else grp.secondaries[0]
    before = grp.lists()
    resp = send(proc, req)
    assert "error" in resp, resp
    assert resp["error"]["code"] == code, resp
    if errno:
        assert resp["error"]["data"]["errno"] == errno, resp
        if req[0] != "policy":
            assert name in REASONS, f"row {name}: say which words its reason must hold"
            assert REASONS[name] in resp["error"]["data"]["reason"], resp
    if req[0] == "policy":
        assert resp["error"]["data"]["reason"].startswith("policy: "), resp
        assert req[2] in resp["error"]["data"]["reason"], resp
    assert grp.lists() == before
    assert before[0] == {0: "net_null0"}


@pytest.mark.parametrize("target", ["primary", "secondary"])
def test_oversized_request_closes_connection(grp, target):
    proc = grp.primary if target == "primary" else grp.secondaries[0]
    c = Client(proc.sock_path, timeout=10)
    c.send_raw(b'{"jsonrpc":"2.0","id":1,"method":"list","params":{"x":"' + b"a" * 70000)
    resp = c.read_msg()
    assert resp["error"]["code"] == -32004
    with pytest.raises((ConnectionResetError, BrokenPipeError)):
        c.read_msg()
    c.close()
    assert grp.lists()[0] == {0: "net_null0"}


def test_notification_gets_no_answer(grp):
    c = Client(grp.primary.sock_path, timeout=10)
    c.send_raw(b'{"jsonrpc":"2.0","method":"frobnicate"}\n')
    assert c.call("status")["role"] == "primary"  # the next answer is the call's
    c.close()


def test_partial_line_then_rest(grp):
    c = Client(grp.secondaries[1].sock_path, timeout=10)
    c.send_raw(b'{"jsonrpc":"2.0","id":9,')
    c.send_raw(b'"method":"list"}\n')
    assert c.read_msg()["id"] == 9
    c.close()


def test_pipelined_requests_answered_in_order(grp):
    c = Client(grp.primary.sock_path, timeout=10)
    c.send_raw(b"".join(json.dumps({"jsonrpc": "2.0", "id": i, "method": "list"}).encode()
                        + b"\n" for i in range(200)))
    assert [c.read_msg()["id"] for _ in range(200)] == list(range(200))
    c.close()


@pytest.mark.parametrize("target", ["primary", "secondary"])
def test_devargs_at_the_limit(grp, target):
    """127 bytes is DPDK's hotplug limit (128 with the NUL): exactly that is
    accepted whole, in every process; one more is refused and changes nothing."""
    proc = grp.primary if target == "primary" else grp.secondaries[0]
    head = "net_null7,size="
    at = head + "0" * (127 - len(head) - 2) + "64"
    assert len(at) == 127
    proc.call("attach", {"devargs": at})
    try:
        for p in grp.procs:
            got = {q["name"]: q["devargs"] for q in p.call("list")["ports"]}
            assert got.get("net_null7") == at, (p.role, got)
    finally:
        proc.call("detach", {"device": "net_null7"})
    before = grp.lists()
    with pytest.raises(RpcError) as e:
        proc.call("attach", {"devargs": at + "0"})
    assert e.value.errno == "ENAMETOOLONG", e.value.error
    assert "127" in e.value.error["data"]["reason"], e.value.error
    assert grp.lists() == before
