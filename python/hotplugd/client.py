# SPDX-License-Identifier: BSD-3-Clause
"""A connection to one hotplugd process, and the event stream of a group."""
import itertools
import json
import os
import socket
import struct
import time

from . import paths
from .errors import NotTrusted, OperationFailed, error_from

# methods a secondary hands to the primary; the rest each process answers
# for itself (docs/protocol.md)
METHODS = ("list", "attach", "detach", "start", "stop", "configure", "claim", "release",
           "queues", "stats", "ps", "status", "metrics", "subscribe", "methods",
           "rpc.discover")


def resolve(socket_path=None, file_prefix=None, runtime_dir=None, pid=None, timeout=30.0):
    """The socket to talk to: the one given; a member's, by pid (its
    member.<pid>.sock, else whatever the primary's ps names for that pid,
    as hpctl --pid does); else the group's primary."""
    if socket_path:
        return socket_path
    primary = paths.primary_socket(file_prefix, runtime_dir)
    if pid is None:
        return primary
    member = paths.member_socket(pid, file_prefix, runtime_dir)
    if os.path.exists(member):
        return member
    with Client(primary, timeout=timeout) as c:
        for m in c.ps()["members"]:
            if m["pid"] == int(pid) and m.get("socket"):
                return m["socket"]
    raise LookupError(f"pid {pid} is not a member of group {paths.group_dir(file_prefix, runtime_dir)}")


class Client:
    """Newline-delimited JSON-RPC 2.0 over one process's UNIX socket.

    Client(socket_path) or Client(file_prefix=..., runtime_dir=..., pid=...)
    (found as hpctl finds it). Each method of the protocol is a method here;
    an error answer raises the RpcError subclass of its code. Notifications
    (events) read while waiting for an answer are kept, in order, for
    next_notification(). observer(msg, method), if given, sees every
    message read (method: the request's, None for a notification), before
    anything else: the test suite checks them against the schema there.
    Only a socket owned by root or by us is trusted (as hpctl)."""

    def __init__(self, socket_path=None, *, file_prefix=None, runtime_dir=None, pid=None,
                 timeout=30.0, observer=None, check_owner=True):
        self.path = resolve(socket_path, file_prefix, runtime_dir, pid, timeout)
        self.observer = observer
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM | socket.SOCK_CLOEXEC)
        self.sock.settimeout(timeout)
        self.timeout = timeout
        try:
            self.sock.connect(self.path)
            if check_owner:
                _, uid, _ = struct.unpack("3i", self.sock.getsockopt(
                    socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i")))
                if uid not in (0, os.geteuid()):
                    raise NotTrusted(f"{self.path} is served by uid {uid}, neither root nor us")
        except BaseException:
            self.sock.close()
            raise
        self.buf = b""
        self.ids = itertools.count(1)
        self.pending = []      # notifications read while waiting for an answer
        self._methods = {}     # request id -> method, for the observer

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        self.sock.close()

    def fileno(self):
        return self.sock.fileno()

    # -- wire --------------------------------------------------------------
    def send_raw(self, data: bytes):
        """Send bytes as they are (tests send broken requests)."""
        for line in data.split(b"\n"):
            try:
                req = json.loads(line)
                if isinstance(req, dict) and "id" in req and isinstance(req.get("method"), str):
                    self._methods[json.dumps(req["id"])] = req["method"]
            except (ValueError, RecursionError):
                pass  # not JSON (or too deep for Python): its answer has no method
        self.sock.sendall(data)

    def read_msg(self, timeout=None):
        """The next message of any kind (socket.timeout past timeout;
        ConnectionResetError when the daemon closed the connection)."""
        if timeout is not None:
            self.sock.settimeout(timeout)
        try:
            while b"\n" not in self.buf:
                chunk = self.sock.recv(65536)
                if not chunk:
                    raise ConnectionResetError("daemon closed the connection")
                self.buf += chunk
        finally:
            if timeout is not None:
                self.sock.settimeout(self.timeout)
        line, self.buf = self.buf.split(b"\n", 1)
        msg = json.loads(line)
        if self.observer:
            method = None
            if isinstance(msg, dict) and "method" not in msg:
                method = self._methods.pop(json.dumps(msg.get("id")), None)
            self.observer(msg, method)
        return msg

    def call_raw(self, method, params=None, **extra):
        """Send a request; return the whole answer (result or error)."""
        rid = next(self.ids)
        req = {"jsonrpc": "2.0", "id": rid, "method": method, **extra}
        if params is not None:
            req["params"] = params
        self._methods[json.dumps(rid)] = method
        self.sock.sendall((json.dumps(req) + "\n").encode())
        while True:
            msg = self.read_msg()
            if "method" in msg:
                self.pending.append(msg)
            elif msg.get("id") == rid:
                return msg

    def call(self, method, params=None):
        """The result, or the answer's error raised (an RpcError)."""
        msg = self.call_raw(method, params)
        if "error" in msg:
            raise error_from(msg["error"])
        return msg["result"]

    def next_notification(self, timeout=None):
        """The next notification ({"method", "params"}), kept or read;
        socket.timeout when none comes within timeout."""
        if self.pending:
            return self.pending.pop(0)
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            if left == 0.0:
                raise socket.timeout(f"no notification within {timeout} s")
            msg = self.read_msg(left)
            if "method" in msg:
                return msg

    # -- the protocol, one call per method (checked against openrpc.json
    # by tests/unit/test_python_client.py) ---------------------------------
    def list(self):
        """This process's ports: {ports: [...], pid, role[, restoring]}."""
        return self.call("list")

    def attach(self, devargs):
        """Attach in every process of the group; the operation's outcome."""
        return self.call("attach", {"devargs": devargs})

    def detach(self, device):
        """Detach (a name, devargs or port id) from every process."""
        return self.call("detach", {"device": device})

    def start(self, device, config=None):
        """Configure and start a port (the primary does it); config (the
        keys to change: rxq, txq, rxd, txd, mtu, promisc, rss, pool) is
        merged onto the port's configuration first."""
        params = {"device": device}
        if config is not None:
            params["config"] = config
        return self.call("start", params)

    def stop(self, device):
        """Stop a port."""
        return self.call("stop", {"device": device})

    def configure(self, device, config):
        """Change a port's configuration (a started port is quiesced,
        reconfigured and started again; its old one back on failure)."""
        return self.call("configure", {"device": device, "config": config})

    def claim(self, rule, member=None):
        """Lease queues by rule to a member (the caller unless member, a
        pid): {claim, member, queues}. EBUSY names the holder."""
        params = {"rule": rule}
        if member is not None:
            params["member"] = member
        return self.call("claim", params)

    def release(self, claim=None, member=None):
        """Release the caller's own claim (all of them without claim)."""
        params = {}
        if claim is not None:
            params["claim"] = claim
        if member is not None:
            params["member"] = member
        return self.call("release", params or None)

    def queues(self):
        """The lease table: {claims, queues, violations}."""
        return self.call("queues")

    def metrics(self):
        """This process's counters, latency histograms and gauges."""
        return self.call("metrics")

    def stats(self):
        """This process's data-path counters."""
        return self.call("stats")

    def ps(self):
        """The group as the primary sees it: {members: [...]}."""
        return self.call("ps")

    def status(self):
        """About this process (version, protocol, role, events, ...)."""
        return self.call("status")

    def subscribe(self, since=None, epoch=None, retry_for=5.0):
        """Receive events on this connection from now on, after the answer:
        with since (the last seq seen, and its epoch), first those the
        history still holds. A secondary not yet following the primary's
        stream answers EAGAIN: retried for retry_for seconds."""
        params = {}
        if since is not None:
            params["since"] = since
        if epoch is not None:
            params["epoch"] = epoch
        deadline = time.monotonic() + retry_for
        while True:
            try:
                return self.call("subscribe", params or None)
            except OperationFailed as e:
                if e.errno != "EAGAIN" or time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def methods(self):
        """The method table in short: {protocol, methods: [{name, summary,
        right, relayed}]}."""
        return self.call("methods")

    def discover(self):
        """The protocol's OpenRPC document (rpc.discover)."""
        return self.call("rpc.discover")


class EventStream:
    """The group's events, in order, surviving reconnections.

    Iterating yields each event's params ({"event", "seq", "epoch", ...}).
    When the connection is lost it reconnects (for up to retry_for seconds)
    and resubscribes with since = the last seq it yielded, so the events
    missed meanwhile arrive once, in order. What it cannot give is said in
    the same stream: {"event": "events.overflow", "dropped", "first",
    "last"} (the daemon's history moved past them) and {"event":
    "events.restarted", "epoch", "previous_epoch"} (a new primary: its
    seq starts again; resynchronise from list/ps). Any process of the
    group serves the stream (a secondary mirrors the primary's)."""

    def __init__(self, socket_path=None, *, file_prefix=None, runtime_dir=None, pid=None,
                 since=None, epoch=None, reconnect=True, retry_for=30.0, timeout=30.0,
                 observer=None):
        self._where = dict(socket_path=socket_path, file_prefix=file_prefix,
                           runtime_dir=runtime_dir, pid=pid)
        self.last_seq, self.epoch = since, epoch
        self.reconnect, self.retry_for, self.timeout = reconnect, retry_for, timeout
        self.observer = observer
        self.client = None
        self.subscription = None
        self._markers = []
        self._connect()

    def _connect(self):
        c = Client(**self._where, timeout=self.timeout, observer=self.observer)
        try:
            res = c.subscribe(self.last_seq, self.epoch if self.last_seq is not None else None)
        except BaseException:
            c.close()
            raise
        if res.get("restarted"):
            self._markers.append({"event": "events.restarted", "epoch": res["epoch"],
                                  "previous_epoch": self.epoch})
        if self.last_seq is None or res.get("restarted"):
            # from the answer on; a restart replays the new epoch from 0
            self.last_seq = res["seq"] if self.last_seq is None else 0
        self.epoch = res["epoch"]
        self.client, self.subscription = c, res

    def close(self):
        if self.client:
            self.client.close()
            self.client = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __iter__(self):
        return self

    def __next__(self):
        return self.next()

    def _reconnect(self):
        self.close()
        deadline = time.monotonic() + self.retry_for
        delay = 0.05
        while True:
            try:
                self._connect()
                return
            except (OSError, ValueError, LookupError):
                if time.monotonic() > deadline:
                    raise
                time.sleep(delay)
                delay = min(delay * 2, 1.0)

    def next(self, timeout=None):
        """The next event (socket.timeout when none within timeout)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            if self._markers:
                return self._markers.pop(0)
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            if left == 0.0:
                raise socket.timeout(f"no event within {timeout} s")
            try:
                msg = self.client.next_notification(left)
            except socket.timeout:
                if deadline is None:
                    continue  # no deadline: a quiet group is no failure
                raise
            except OSError:
                if not self.reconnect:
                    raise
                self._reconnect()
                continue
            p = msg.get("params") or {}
            if msg.get("method") == "events.overflow":
                self.last_seq = max(self.last_seq or 0, p.get("last", 0))
                return {"event": "events.overflow", **p}
            if msg.get("method") != "event":
                continue
            if p.get("epoch") == self.epoch and self.last_seq is not None and \
                    p.get("seq", 0) <= self.last_seq:
                continue  # had it before the reconnection
            self.last_seq, self.epoch = p.get("seq"), p.get("epoch")
            return p

    def wait(self, pred, timeout=10.0, what="event"):
        """The first event from now on for which pred(event) is true;
        TimeoutError past timeout. Events passed over are in self.passed."""
        deadline = time.monotonic() + timeout
        self.passed = []
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no {what} within {timeout} s; saw {self.passed}")
            try:
                e = self.next(left)
            except socket.timeout:
                continue
            if pred(e):
                return e
            self.passed.append(e)


def wait_for_event(pred, timeout=10.0, **where):
    """Subscribe (where: socket_path, file_prefix, runtime_dir, pid) and
    return the first event from now on for which pred is true."""
    with EventStream(**where) as s:
        return s.wait(pred, timeout)
