# SPDX-License-Identifier: BSD-3-Clause
"""The primary's own driver call that never returns: a virtio-user probe
whose vhost-user peer accepts the connection and never answers (a plain
socket server, or a net_vhost in another group that is frozen). The stuck
request is answered at its deadline, later changes are refused at once,
reads stay fast, status/ps/events show the call; when it returns the
group converges and changes work again."""
import os
import signal
import socket
import threading
import time

from hpd import Subscriber, wait_for
from test_faults import check_clean, record, refused_everywhere

CALL_MS = 1500


class SilentPeer:
    """A vhost-user 'backend' that accepts and never answers."""

    def __init__(self, path):
        self.srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.srv.bind(path)
        self.srv.listen(4)
        self.conns = []
        self.accepted = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        try:
            while True:
                c, _ = self.srv.accept()
                self.conns.append(c)
                self.accepted.set()
        except OSError:
            return

    def answer(self):
        """Hang up: the driver's recv() returns and its probe fails."""
        for c in self.conns:
            c.shutdown(socket.SHUT_RDWR)
            c.close()
        self.srv.close()


def virtio_devargs(path):
    return f"net_virtio_user0,mac=00:01:02:03:04:05,path={path},queues=1"


def latencies_while(proc, stop, out):
    """list latency (s) on proc until stop is set."""
    while not stop.is_set():
        t = time.monotonic()
        proc.call("list")
        out.append(time.monotonic() - t)


def p99(xs):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(len(xs) * 0.99))]


def stuck_group(group_factory, peer):
    """A group whose primary is stuck in the probe of net_virtio_user0, the
    attach sent from a secondary; returns (group, the attach's answer, ms,
    list latencies measured meanwhile, subscriber)."""
    g = group_factory(secondaries=1, daemon_args=["--call-timeout", str(CALL_MS)])
    sub = Subscriber(g.primary.sock_path)
    path = peer(g)
    stop, lat, out = threading.Event(), [], {}
    readers = [threading.Thread(target=latencies_while, args=(p, stop, lat), daemon=True)
               for p in (g.primary, g.secondaries[0])]
    for r in readers:
        r.start()
    t = time.monotonic()
    out["msg"] = g.secondaries[0].client().call_raw("attach", {"devargs": virtio_devargs(path)})
    ms = (time.monotonic() - t) * 1000
    # go on reading a while after the answer too: the call is still stuck
    time.sleep(0.5)
    stop.set()
    for r in readers:
        r.join(10)
    return g, out["msg"], ms, lat, sub


def assert_stuck_then_refused(g, msg, ms, lat, sub, what):
    err = msg.get("error")
    assert err and err["data"]["errno"] == "ETIMEDOUT", msg
    assert f"probe of net_virtio_user0 has not returned after {CALL_MS / 1000:.1f} s" \
        in err["data"]["reason"], err
    assert CALL_MS * 0.9 <= ms < CALL_MS + 1000, ms
    record(f"attach stuck in the driver ({what}), answered ETIMEDOUT "
           f"(--call-timeout {CALL_MS})", ms)
    assert len(lat) > 20 and p99(lat) < 0.050, (len(lat), p99(lat))
    record(f"list p99 latency while a driver call is stuck ({what})", p99(lat) * 1000)
    ev = sub.wait_event(lambda e: e["event"] == "device.call_stuck", 5)
    assert ev["call"] == "probe" and ev["device"] == "net_virtio_user0"
    # later changes, from any process: refused at once, naming what is stuck
    refused = refused_everywhere((g.primary, g.secondaries[0]), "net_null0", "EBUSY",
                                 "probe of net_virtio_user0")
    assert refused < 200, refused
    record(f"change refused while a driver call is stuck ({what})", refused)
    st = g.primary.call("status")["stuck_call"]
    assert st["call"] == "probe" and st["device"] == "net_virtio_user0"
    assert st["operation"] == "attach" and st["for_s"] >= CALL_MS / 1000
    me = [m for m in g.primary.call("ps")["members"] if m["role"] == "primary"][0]
    assert me["state"] == "stuck" and me["stuck_call"]["device"] == "net_virtio_user0"
    r = g.hpctl("ps")
    assert "stuck" in r.stdout
    assert g.secondaries[0].ports() == {}


def assert_recovered(g, sub, outcome):
    ev = sub.wait_event(lambda e: e["event"] == "device.call_returned", 30)
    assert outcome in ev["outcome"], ev
    wait_for(lambda: "stuck_call" not in g.primary.call("status"), 10, "call no longer stuck")
    wait_for(lambda: g.primary.call("status")["queued_operations"] == 0, 10, "queue empty")
    g.assert_consistent([])
    check_clean(g)
    g.primary.call("attach", {"devargs": "net_null0"})  # changes work again
    g.assert_consistent(["net_null0"])
    check_clean(g)


def test_stuck_probe_silent_peer(group_factory):
    peers = []

    def peer(g):
        path = os.path.join(g.tmp, "silent.sock")
        peers.append(SilentPeer(path))
        return path
    g, msg, ms, lat, sub = stuck_group(group_factory, peer)
    assert peers[0].accepted.is_set()
    assert_stuck_then_refused(g, msg, ms, lat, sub, "silent peer")
    t = time.monotonic()
    peers[0].answer()
    assert_recovered(g, sub, "nothing to undo")
    record("group takes changes again after the stuck call fails", (time.monotonic() - t) * 1000)
    sub.close()


def test_stuck_probe_frozen_vhost_peer_rolled_back(group_factory):
    """The peer is a net_vhost of another group, frozen: when it thaws the
    probe succeeds late, and is rolled back (its client was told ETIMEDOUT)."""
    backends = []

    def peer(g):
        b = group_factory(secondaries=0, netns=g.netns, policy={"socket_dirs": [g.tmp]})
        path = os.path.join(g.tmp, "vhost-net")
        b.primary.call("attach", {"devargs": f"net_vhost0,iface={path},queues=1,client=0"})
        b.primary.call("start", {"device": "net_vhost0"})
        b.primary.freeze()
        backends.append(b)
        return path
    g, msg, ms, lat, sub = stuck_group(group_factory, peer)
    assert_stuck_then_refused(g, msg, ms, lat, sub, "frozen net_vhost peer")
    os.kill(backends[0].primary.pid, signal.SIGCONT)
    assert_recovered(g, sub, "rolling it back")
    rb = sub.wait_event(lambda e: e["event"] == "device.rolled_back", 10)
    assert rb["device"] == "net_virtio_user0"
    sub.close()
