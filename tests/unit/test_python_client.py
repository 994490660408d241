# SPDX-License-Identifier: BSD-3-Clause
"""The Python client (python/hotplugd) against a scripted fake daemon: no
DPDK. Socket discovery, typed errors, notifications read while waiting for
an answer, the event stream's reconnection, and its calls checked against
openrpc.json."""
import inspect
import json
import os
import pydoc
import socket
import sys
import tempfile
import threading

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(TOP, "python"))
import hotplugd  # noqa: E402
from hotplugd import paths, schema  # noqa: E402

EPOCH = "ab" * 16


class FakeDaemon:
    """A UNIX socket; each connection runs script(n, conn) (n: 0, 1, ...)."""

    def __init__(self, script):
        self.dir = tempfile.mkdtemp(prefix="hpd-pyclient-")
        self.path = os.path.join(self.dir, "control.sock")
        self.srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.srv.bind(self.path)
        self.srv.listen(4)
        self.script, self.requests = script, []
        self.t = threading.Thread(target=self.serve, daemon=True)
        self.t.start()

    def serve(self):
        n = 0
        while True:
            try:
                conn, _ = self.srv.accept()
            except OSError:
                return
            f = conn.makefile("rwb")
            try:
                self.script(n, Conn(self, f))
            except (OSError, ValueError):
                pass
            finally:
                try:
                    f.close()
                except OSError:
                    pass
                conn.close()
            n += 1

    def close(self):
        self.srv.close()
        os.unlink(self.path)
        os.rmdir(self.dir)


class Conn:
    def __init__(self, d, f):
        self.d, self.f = d, f

    def request(self):
        line = self.f.readline()
        if not line:
            raise ValueError("client hung up")
        r = json.loads(line)
        self.d.requests.append(r)
        return r

    def send(self, msg):
        self.f.write((json.dumps(dict(jsonrpc="2.0", **msg)) + "\n").encode())
        self.f.flush()

    def event(self, seq, name="device.attached", epoch=EPOCH):
        self.send({"method": "event", "params": {"event": name, "seq": seq, "epoch": epoch,
                                                  "time": 1.0, "publisher": 1,
                                                  "device": "net_null0",
                                                  "origin": {"pid": 1, "uid": 0, "comm": "t"}}})


@pytest.fixture
def fake():
    made = []

    def make(script):
        made.append(FakeDaemon(script))
        return made[-1]
    yield make
    for d in made:
        d.close()


def test_paths_as_hpctl(monkeypatch):
    for var in ("HOTPLUGD_RUNTIME_DIR", "RUNTIME_DIRECTORY", "XDG_RUNTIME_DIR"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("RUNTIME_DIRECTORY", "/run/a:/run/b")
    assert paths.default_runtime_dir() == "/run/a"
    monkeypatch.setenv("HOTPLUGD_RUNTIME_DIR", "/tmp/x")
    assert hotplugd.primary_socket() == "/tmp/x/rte/control.sock"
    assert hotplugd.member_socket(42, "g1", "/r") == "/r/g1/member.42.sock"
    with pytest.raises(ValueError):
        hotplugd.primary_socket("../etc")
    with pytest.raises(ValueError):
        hotplugd.primary_socket("p", "/" + "x" * 120)


def test_errors_are_typed():
    e = hotplugd.error_from({"code": -32005, "message": "EHOSTDOWN: member 7 ...",
                             "data": {"errno": "EHOSTDOWN", "reason": "member 7 ...",
                                      "device": "net_null0", "rolled_back": True,
                                      "member": {"pid": 7, "name": "s"}}})
    assert isinstance(e, hotplugd.MemberFailed) and isinstance(e, hotplugd.RpcError)
    assert (e.code, e.errno, e.reason, e.rolled_back, e.device, e.member["pid"]) == \
        (-32005, "EHOSTDOWN", "member 7 ...", True, "net_null0", 7)
    assert type(hotplugd.error_from({"code": -32602, "message": "m"})) is hotplugd.InvalidParams
    assert type(hotplugd.error_from({"code": -1, "message": "m"})) is hotplugd.RpcError


def test_call_result_error_and_notifications_kept(fake):
    def script(n, c):
        r = c.request()
        c.event(5)  # an event before the answer: kept for later
        c.send({"id": r["id"], "result": {"name": r["params"]["devargs"], "members": 1,
                                          "duration_ms": 1.0}})
        r = c.request()
        c.send({"id": r["id"], "error": {"code": -32003, "message": "EEXIST: x",
                                         "data": {"errno": "EEXIST", "reason": "x",
                                                  "device": "net_null0",
                                                  "rolled_back": False}}})
        c.request()
    d = fake(script)
    with hotplugd.Client(d.path) as c:
        assert c.attach("net_null0")["name"] == "net_null0"
        with pytest.raises(hotplugd.Exists) as e:
            c.attach("net_null0")
        assert e.value.errno == "EEXIST" and e.value.rolled_back is False
        assert c.next_notification(1)["params"]["seq"] == 5
        with pytest.raises(socket.timeout):
            c.next_notification(0.1)
    assert d.requests[0] == {"jsonrpc": "2.0", "id": 1, "method": "attach",
                             "params": {"devargs": "net_null0"}}


def test_subscribe_retries_eagain(fake):
    def script(n, c):
        r = c.request()
        c.send({"id": r["id"], "error": {"code": -32000, "message": "EAGAIN: not yet",
                                         "data": {"errno": "EAGAIN", "reason": "not yet"}}})
        r = c.request()
        c.send({"id": r["id"], "result": {"subscribed": True, "epoch": EPOCH, "seq": 0}})
        c.request()
    d = fake(script)
    with hotplugd.Client(d.path) as c:
        assert c.subscribe()["subscribed"]


def test_event_stream_resumes_from_its_last_seq(fake):
    def script(n, c):
        r = c.request()
        if n == 0:
            c.send({"id": r["id"], "result": {"subscribed": True, "epoch": EPOCH, "seq": 0}})
            c.event(1)
            c.event(2)
            return  # the connection is lost
        assert r["params"] == {"since": 2, "epoch": EPOCH}, r
        c.send({"id": r["id"], "result": {"subscribed": True, "epoch": EPOCH, "seq": 3,
                                          "replayed": 1, "lost": 0, "restarted": False}})
        c.event(2)  # a duplicate is never yielded twice
        c.event(3)
        c.request()
    d = fake(script)
    with hotplugd.EventStream(d.path, retry_for=5) as s:
        assert [s.next(5)["seq"] for _ in range(3)] == [1, 2, 3]


def test_event_stream_says_when_the_primary_restarted(fake):
    def script(n, c):
        r = c.request()
        c.send({"id": r["id"], "result": {"subscribed": True, "epoch": "cd" * 16, "seq": 1,
                                          "replayed": 1, "lost": 0, "restarted": True}})
        c.event(1, epoch="cd" * 16)
        c.request()
    d = fake(script)
    with hotplugd.EventStream(d.path, since=9, epoch=EPOCH) as s:
        m = s.next(5)
        assert m == {"event": "events.restarted", "epoch": "cd" * 16, "previous_epoch": EPOCH}
        assert s.next(5)["seq"] == 1


def test_one_call_per_method_of_the_document():
    doc = schema.document(os.path.join(TOP, "src/daemon/api/openrpc.json"))
    names = {m["name"] for m in doc["methods"]}
    assert names == set(hotplugd.METHODS)
    for m in doc["methods"]:
        fn = getattr(hotplugd.Client, "discover" if m["name"] == "rpc.discover" else m["name"])
        params = [p for p in inspect.signature(fn).parameters if p != "self"]
        assert params[:len(m["params"])] == [p["name"] for p in m["params"]], m["name"]


def test_validator_is_strict():
    pytest.importorskip("jsonschema")
    v = schema.Validator(schema.document(os.path.join(TOP, "src/daemon/api/openrpc.json")))
    ev = {"jsonrpc": "2.0", "method": "event", "params": {
        "event": "state.write_failed", "seq": 1, "epoch": EPOCH, "time": 1.0, "publisher": 1,
        "file": "/x", "errno": "EROFS", "reason": "Read-only file system"}}
    v.check(ev)
    for bad in ({"errno": "Read-only file system"}, {"extra": 1}, {"seq": 0}):
        with pytest.raises(schema.SchemaError):
            v.check(dict(ev, params=dict(ev["params"], **bad)))
    ok = {"jsonrpc": "2.0", "id": 1, "result": {"subscribed": True, "epoch": EPOCH, "seq": 0}}
    v.check(ok, "subscribe")
    with pytest.raises(schema.SchemaError):
        v.check(dict(ok, result=dict(ok["result"], surprise=1)), "subscribe")
    with pytest.raises(schema.SchemaError):  # a code the method does not list
        v.check({"jsonrpc": "2.0", "id": 1, "error": {"code": -32003, "message": "m"}}, "list")


def test_module_documents_itself():
    text = pydoc.render_doc(hotplugd, renderer=pydoc.plaintext)
    assert "attach" in text and "EventStream" in text and "wait_for_event" in text
