#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Helpers of test_units.sh (python3 standard library only).

  unitlib.py rpc SOCKET METHOD [PARAMS-JSON] [--deadline S] [--no-wait]
      One JSON-RPC call; prints the answer line. Waits (up to the deadline)
      for the socket to appear unless --no-wait. Exit 0 with an answer,
      1 otherwise.

  unitlib.py readiness --hotplugd BIN --run DIR --prefix P --tmp DIR
                       [--watchdog auto|yes|no] [--no-state]
      The sd_notify contract of a primary and a secondary, against
      NOTIFY_SOCKET listeners of our own. Prints "ok - ...", "FAIL - ..."
      and "skip - ..." lines.

Every wait has a deadline; nothing sleeps for a fixed time to let
something happen.
"""
import argparse
import json
import os
import signal
import socket
import struct
import subprocess
import sys
import time

START_DEADLINE = 60.0  # EAL initialisation on a loaded machine
STEP_DEADLINE = 15.0


def rpc(path, method, params=None, deadline=30.0, wait=True):
    """One call; returns the decoded answer. Raises on failure."""
    end = time.monotonic() + deadline
    while True:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.connect(path)
            break
        except (FileNotFoundError, ConnectionRefusedError):
            s.close()
            if not wait or time.monotonic() >= end:
                raise
            time.sleep(0.02)  # polling for the socket, bounded by `end`
    try:
        req = {"jsonrpc": "2.0", "id": 1, "method": method}
        if params is not None:
            req["params"] = params
        s.sendall((json.dumps(req) + "\n").encode())
        buf = b""
        while b"\n" not in buf:
            left = end - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"{method}: no answer within {deadline} s")
            s.settimeout(left)
            chunk = s.recv(65536)
            if not chunk:
                raise ConnectionError(f"{method}: connection closed")
            buf += chunk
        return json.loads(buf.split(b"\n", 1)[0])
    finally:
        s.close()


class Notify:
    """A NOTIFY_SOCKET listener: datagrams with the sender's credentials."""

    def __init__(self, path):
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(path)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
        self.seen = []  # (pid, "KEY=value") in arrival order

    def wait_for(self, pred, deadline, proc=None):
        """Receive until a line satisfies pred; returns (pid, line) or None
        on timeout or when proc exits first."""
        for item in self.seen:
            if pred(item[1]):
                return item
        end = time.monotonic() + deadline
        while True:
            left = end - time.monotonic()
            if left <= 0:
                return None
            self.sock.settimeout(min(left, 0.2))
            try:
                data, anc, _, _ = self.sock.recvmsg(4096, socket.CMSG_SPACE(12))
            except socket.timeout:
                if proc is not None and proc.poll() is not None:
                    return None
                continue
            pid = 0
            for level, kind, cdata in anc:
                if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
                    pid = struct.unpack("iII", cdata[:12])[0]
            found = None
            for line in data.decode(errors="replace").splitlines():
                self.seen.append((pid, line))
                if found is None and pred(line):
                    found = (pid, line)
            if found:
                return found

    def close(self):
        self.sock.close()


class Results:
    def __init__(self):
        self.failed = 0

    def check(self, cond, name, why=""):
        if cond:
            print(f"ok - {name}", flush=True)
        else:
            self.failed += 1
            print(f"FAIL - {name}{': ' + why if why else ''}", flush=True)
        return cond

    @staticmethod
    def skip(name, why):
        print(f"skip - {name}: {why}", flush=True)


def tail(path, n=15):
    try:
        with open(path, errors="replace") as f:
            return " | ".join(f.read().splitlines()[-n:])
    except OSError:
        return ""


def stop(proc, deadline=STEP_DEADLINE, signalled=False):
    """SIGTERM (once: like systemd, never a second one), then SIGKILL after
    the deadline; returns the exit status."""
    if proc.poll() is None:
        if not signalled:
            proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(deadline)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return proc.returncode


def readiness(a):
    r = Results()
    run, prefix = a.run, a.prefix
    group = os.path.join(run, prefix)
    primary_sock = os.path.join(group, "control.sock")
    base_env = dict(os.environ, RUNTIME_DIRECTORY=run)
    base_env.pop("HOTPLUGD_RUNTIME_DIR", None)
    for k in ("LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES", "WATCHDOG_PID"):
        base_env.pop(k, None)
    eal = ["-l", "0", "--no-pci", "--file-prefix", prefix]
    nostate = ["--no-state"] if a.no_state else []
    n1 = Notify(os.path.join(a.tmp, "notify-primary.sock"))
    n2 = Notify(os.path.join(a.tmp, "notify-secondary.sock"))
    plog = os.path.join(a.tmp, "readiness-primary.log")
    slog = os.path.join(a.tmp, "readiness-secondary.log")
    watchdog_usec = 1000000
    procs = []

    def launch(proc_type, notify, logpath):
        """A daemon of the group with a notify socket and a log of its own."""
        env = dict(base_env, NOTIFY_SOCKET=notify.path, WATCHDOG_USEC=str(watchdog_usec))
        with open(logpath, "wb") as log:
            proc = subprocess.Popen([a.hotplugd, *eal, f"--proc-type={proc_type}", "--",
                                     "-r", run, "-n", f"units-{proc_type}", *nostate],
                                    env=env, stdin=subprocess.DEVNULL, stdout=log,
                                    stderr=subprocess.STDOUT)
        procs.append(proc)
        return proc

    try:
        p = launch("primary", n1, plog)

        got = n1.wait_for(lambda l: l == "READY=1", START_DEADLINE, p)
        if not r.check(got is not None, "primary: READY=1 arrives",
                       f"exit {p.poll()}; log: {tail(plog)}"):
            return r.failed
        # Readiness means the control socket answers now, without retrying.
        try:
            st = rpc(primary_sock, "status", deadline=STEP_DEADLINE, wait=False)
            ok = st.get("result", {}).get("role") == "primary"
            why = json.dumps(st)
        except Exception as e:  # noqa: BLE001 - any failure is the finding
            ok, why = False, repr(e)
        r.check(ok, "primary: the control socket answers as soon as READY=1 arrives", why)
        r.check(got[0] == p.pid, "primary: notifications come from the main pid "
                "(NotifyAccess=main)", f"sender {got[0]}, main pid {p.pid}")
        i_ready = n1.seen.index(got)
        st = n1.wait_for(lambda l: l.startswith("STATUS="), STEP_DEADLINE, p)
        r.check(st is not None and n1.seen.index(st) > i_ready,
                "primary: READY=1 then STATUS=", f"received {n1.seen}")
        if st:
            print(f"#   primary {st[1]}")

        # Watchdog: with WATCHDOG_USEC set, WATCHDOG=1 within the interval.
        wd = n1.wait_for(lambda l: l == "WATCHDOG=1", 3 * watchdog_usec / 1e6, p)
        if wd is not None or a.watchdog == "yes":
            r.check(wd is not None, "primary: WATCHDOG=1 while WATCHDOG_USEC is set",
                    f"none within {3 * watchdog_usec / 1e6} s")
        else:
            Results.skip("primary: WATCHDOG=1 while WATCHDOG_USEC is set",
                         "this hotplugd does not send watchdog pings yet")

        # A secondary: ready only once it has joined.
        s = launch("secondary", n2, slog)
        got = n2.wait_for(lambda l: l == "READY=1", START_DEADLINE, s)
        if r.check(got is not None, "secondary: READY=1 arrives",
                   f"exit {s.poll()}; log: {tail(slog)}"):
            try:
                ps = rpc(primary_sock, "ps", deadline=STEP_DEADLINE)
                pids = [m.get("pid") for m in ps["result"]["members"]]
                ok, why = s.pid in pids, f"ps: {pids}"
            except Exception as e:  # noqa: BLE001
                ok, why = False, repr(e)
            r.check(ok, "secondary: READY=1 only once it has joined (the primary lists it)",
                    why)
            try:
                mine = rpc(os.path.join(group, f"member.{s.pid}.sock"), "status",
                           deadline=STEP_DEADLINE, wait=False)
                ok = mine["result"]["role"] == "secondary"
                why = json.dumps(mine)
            except Exception as e:  # noqa: BLE001
                ok, why = False, repr(e)
            r.check(ok, "secondary: its control socket answers as soon as READY=1 arrives",
                    why)
            st = n2.wait_for(lambda l: l.startswith("STATUS="), STEP_DEADLINE, s)
            r.check(st is not None and str(p.pid) in st[1],
                    "secondary: STATUS= names its primary", f"received {n2.seen}")
            wd = n2.wait_for(lambda l: l == "WATCHDOG=1", 3 * watchdog_usec / 1e6, s)
            if wd is not None or a.watchdog == "yes":
                r.check(wd is not None, "secondary: WATCHDOG=1 while WATCHDOG_USEC is set",
                        f"none within {3 * watchdog_usec / 1e6} s")
            else:
                Results.skip("secondary: WATCHDOG=1 while WATCHDOG_USEC is set",
                             "this hotplugd does not send watchdog pings yet")

        # Stop the primary: STOPPING=1, exit 0; the secondary follows with 75.
        p.send_signal(signal.SIGTERM)
        got = n1.wait_for(lambda l: l == "STOPPING=1", STEP_DEADLINE)
        r.check(got is not None and got[0] == p.pid, "primary: SIGTERM -> STOPPING=1",
                f"received {n1.seen[-5:]}")
        rc = stop(p, signalled=True)
        r.check(rc == 0, "primary: exits 0 after SIGTERM", f"status {rc}; {tail(plog)}")
        if s.poll() is None:
            try:
                s.wait(STEP_DEADLINE)
            except subprocess.TimeoutExpired:
                pass
        rc = s.poll()
        r.check(rc == 75, "secondary: exits 75 when its primary dies "
                "(RestartForceExitStatus=75)", f"status {rc}; {tail(slog)}")
        got = n2.wait_for(lambda l: l == "STOPPING=1", 1.0)
        r.check(got is not None, "secondary: STOPPING=1 before it exits",
                f"received {n2.seen[-5:]}")
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        n1.close()
        n2.close()
    return r.failed


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("rpc")
    c.add_argument("socket")
    c.add_argument("method")
    c.add_argument("params", nargs="?")
    c.add_argument("--deadline", type=float, default=30.0)
    c.add_argument("--no-wait", action="store_true")
    c = sub.add_parser("readiness")
    c.add_argument("--hotplugd", required=True)
    c.add_argument("--run", required=True)
    c.add_argument("--prefix", required=True)
    c.add_argument("--tmp", required=True)
    c.add_argument("--watchdog", choices=["auto", "yes", "no"], default="auto")
    c.add_argument("--no-state", action="store_true",
                   help="pass --no-state (a hotplugd that keeps a state file)")
    a = ap.parse_args()
    if a.cmd == "rpc":
        try:
            ans = rpc(a.socket, a.method, json.loads(a.params) if a.params else None,
                      a.deadline, not a.no_wait)
        except Exception as e:  # noqa: BLE001
            print(f"rpc {a.method}: {e!r}", file=sys.stderr)
            return 1
        print(json.dumps(ans))
        return 0
    return 1 if readiness(a) else 0


if __name__ == "__main__":
    sys.exit(main())
