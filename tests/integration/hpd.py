# SPDX-License-Identifier: BSD-3-Clause
"""Test harness: start real hotplugd groups (primary + secondaries) with real
devices, each isolated in its own network namespace, DPDK file-prefix,
runtime directory and sockets. Every wait has a deadline; everything a test
starts is stopped by pid and removed afterwards."""
import glob
import itertools
import json
import os
import selectors
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.path.abspath(os.environ.get("HOTPLUGD_BUILDDIR", os.path.join(TOP, "build")))
HOTPLUGD = os.path.join(BUILD, "src/daemon/hotplugd")
CONSOLE = os.path.join(BUILD, "src/daemon/dpdk-hotplug_mp")
HPCTL = os.path.join(BUILD, "src/ctl/hpctl")
HPD_FWD = os.path.join(BUILD, "examples/hpd_fwd")
_seq = itertools.count()
# sanitizer builds: DPDK's own leaks are suppressed (tests/lsan.supp)
SANITIZER_ENV = {"LSAN_OPTIONS": f"suppressions={TOP}/tests/lsan.supp:print_suppressions=0",
                 "UBSAN_OPTIONS": "print_stacktrace=1"}


def wait_for(cond, timeout=10.0, what="condition", interval=0.01):
    """Poll cond() until it returns a true value or the deadline passes."""
    deadline = time.monotonic() + timeout
    while True:
        v = cond()
        if v:
            return v
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


# The client is the installed one's source (python/hotplugd): the suite is
# its first user. Every answer and every event any test reads goes through
# check_schema: one that does not match openrpc.json fails the test, so the
# document cannot drift from the daemon.
sys.path.insert(0, os.path.join(TOP, "python"))
import hotplugd  # noqa: E402
from hotplugd import RpcError  # noqa: E402,F401  (the tests' name for it)
from hotplugd.schema import SchemaError, Validator, document  # noqa: E402,F401

SCHEMA = Validator(document(os.path.join(TOP, "src/daemon/api/openrpc.json")))
checked = {"answers": 0, "notifications": 0}


_valid = set()  # messages already checked, without their id (floods repeat one answer)


def check_schema(msg, method):
    key = (method, json.dumps({k: v for k, v in msg.items() if k != "id"}, sort_keys=True)
           if isinstance(msg, dict) else repr(msg))
    if key not in _valid:
        SCHEMA.check(msg, method)
        if len(_valid) < 100000:
            _valid.add(key)
    checked["notifications" if "id" not in msg else "answers"] += 1


class Client(hotplugd.Client):
    """hotplugd.Client on one socket, every message read checked against
    the schema."""

    check = staticmethod(check_schema)

    def __init__(self, path, timeout=30.0):
        super().__init__(path, timeout=timeout, observer=check_schema)


class Subscriber(Client):
    """A connection subscribed to a process's events (every one it reads
    is kept in self.events)."""

    def __init__(self, path, since=None, epoch=None):
        super().__init__(path)
        self.subscription = self.subscribe(since, epoch)
        self.events = []
        self.notifications = []  # every notification, events.overflow too

    def wait_event(self, pred, timeout=10.0, what="event"):
        deadline = time.monotonic() + timeout
        for e in self.events:
            if pred(e):
                return e
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no {what} in {timeout}s; saw {self.events}")
            try:
                msg = self.next_notification(left)
            except socket.timeout:
                continue
            self.notifications.append(msg)
            if msg.get("method") == "event":
                self.events.append(msg["params"])
                if pred(msg["params"]):
                    return msg["params"]


def fault_hooks():
    out = subprocess.run([HOTPLUGD, "--", "-V"], capture_output=True, text=True).stdout
    return "fault hooks" in out


class Netns:
    """A network namespace of the test's own, with veth pairs on demand."""

    def __init__(self):
        self.name = f"hpt{os.getpid() % 100000}n{next(_seq)}"
        subprocess.run(["ip", "netns", "add", self.name], check=True)
        self.run("ip", "link", "set", "lo", "up")
        self.nveth = 0

    def run(self, *cmd):
        return subprocess.run(["ip", "netns", "exec", self.name, *cmd], check=True,
                              capture_output=True, text=True)

    def veth(self, name=None):
        a, b = name or f"hv{self.nveth}a", f"hv{self.nveth}b"
        self.nveth += 1
        self.run("ip", "link", "add", a, "type", "veth", "peer", "name", b)
        self.run("ip", "link", "set", a, "up")
        self.run("ip", "link", "set", b, "up")
        return a

    def delete(self):
        subprocess.run(["ip", "netns", "del", self.name], capture_output=True)


def describe_status(rc):
    """A Popen returncode in words: "status 75", "signal 11 (SIGSEGV)"."""
    if rc is None:
        return "running"
    if rc < 0:
        try:
            return f"signal {-rc} ({signal.Signals(-rc).name})"
        except ValueError:
            return f"signal {-rc}"
    return f"status {rc}"


class Spawned:
    """A process a test started: its log, and how it is stopped (by pid).

    A process must live until the harness stops it (SIGTERM, then status 0),
    unless the test declared how it ends (expect_exit, kill, wait_exit):
    every other end, a crash, a fence or an exit the test did not announce,
    fails the helper that notices it first (lists, assert_consistent) and in
    any case the group's close."""

    expected = None  # statuses the test announced (set), or None: live until stopped
    stop_problem = None

    def expect_exit(self, *statuses):
        """The test (or the group's protocol) ends this process; one of
        these Popen statuses (negative: a signal) is then not a failure."""
        self.expected = set(statuses)

    def expect_fenced(self):
        """The primary is expected to fence (SIGKILL) this member."""
        self.expect_exit(-signal.SIGKILL)

    def kill(self, sig=signal.SIGKILL, timeout=10):
        """End it deliberately with sig and wait for it."""
        self.expect_exit(-sig)
        self.p.send_signal(sig)
        return self.wait_exit(-sig, timeout)

    def terminate(self, timeout=10):
        """SIGTERM: a clean stop, status 0."""
        self.expect_exit(0)
        self.p.send_signal(signal.SIGTERM)
        return self.wait_exit(0, timeout)

    def wait_exit(self, status, timeout=10):
        """Announce that it ends with status, wait for that, and check it."""
        if self.expected is None or status not in self.expected:
            self.expect_exit(status)
        try:
            rc = self.p.wait(timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"{self.role} pid {self.pid} still runs {timeout} s after "
                                 f"it was expected to end with {describe_status(status)}")
        assert rc == status, (f"{self.role} pid {self.pid} ended with {describe_status(rc)}, "
                              f"expected {describe_status(status)}:\n{self.log_tail()}")
        return rc

    def unexpected_end(self):
        """Why this process's end is a failure, or None (alive, or as announced)."""
        rc = self.p.poll()
        if rc is None or (self.expected is not None and rc in self.expected):
            return None
        return (f"{self.role} pid {self.pid} ended with {describe_status(rc)}, which the test "
                f"did not expect:\n{self.log_tail()}")

    def alive(self):
        return self.p.poll() is None

    def logtext(self):
        if not self.log.closed:
            self.log.flush()
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace")

    def log_tail(self, n=15):
        return "\n".join("    " + line for line in self.logtext().splitlines()[-n:])

    def stop(self, sig=signal.SIGTERM, timeout=10):
        """Stop it (if it still runs) and judge how it ended: a process
        still running must leave with status 0 on SIGTERM, in time; one
        that had already ended must have ended as the test announced."""
        if getattr(self, "stopped", False):
            return self.stop_problem
        self.stopped = True
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGCONT)  # a frozen member must hear it
            self.p.send_signal(sig)
            try:
                rc = self.p.wait(timeout)
                if rc != 0 and (self.expected is None or rc not in self.expected):
                    self.stop_problem = (f"{self.role} pid {self.pid} ended with "
                                         f"{describe_status(rc)} on {signal.Signals(sig).name}"
                                         f":\n{self.log_tail()}")
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait(5)
                self.stop_problem = (f"{self.role} pid {self.pid} did not exit within "
                                     f"{timeout} s of {signal.Signals(sig).name}:\n"
                                     f"{self.log_tail()}")
        else:
            self.stop_problem = self.unexpected_end()
        if not self.log.closed:
            self.log.close()
        return self.stop_problem


class App(Spawned):
    """A third-party secondary built on libhotplugd-member (examples/): the
    forwarder hpd_fwd, writing its counters to a JSON file."""

    def __init__(self, group, lcores, args=(), env=None):
        self.group = group
        self.role = "app"
        self.log_path = os.path.join(group.tmp, f"app-{next(_seq)}.log")
        self.stats_path = os.path.join(group.tmp, f"app-{next(_seq)}.json")
        self.log = open(self.log_path, "wb")
        cmd = ["ip", "netns", "exec", group.netns.name, HPD_FWD, "--lcores", lcores,
               "--no-pci", "--file-prefix", group.prefix, "--proc-type=secondary",
               "--", "--stats", self.stats_path, *args]
        self.p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=self.log,
                                  stderr=self.log,
                                  env=dict(SANITIZER_ENV, **os.environ, **(env or {})))
        self.pid = self.p.pid

    def stats(self):
        """The counters it last wrote ({} before the first write)."""
        try:
            with open(self.stats_path) as f:
                return json.load(f)
        except FileNotFoundError:
            return {}


class Proc(Spawned):
    """One member of a group: a hotplugd (or console) process."""

    def __init__(self, group, role, console=False, extra=(), env=None, wrap=(), cwd=None,
                 lcores=None):
        self.group = group
        self.role = role
        self.console = console
        self.lcore = 0 if role == "primary" else 1
        exe = CONSOLE if console else HOTPLUGD
        self.log_path = os.path.join(group.tmp, f"{role}-{next(_seq)}.log")
        self.log = open(self.log_path, "wb")
        # wrap: a command that ends by exec'ing its arguments (e.g. to run a
        # member in a mount namespace of its own)
        # A fixed base for the primary's memory, far from the mmap area, so
        # that secondaries (which must map it at the same address) never
        # find it taken, even in sanitizer builds whose allocator reserves
        # large regions; DPDK's own advice for "Cannot reserve ... at".
        base = ["--base-virtaddr=0x200000000000", *group.primary_eal] if role == "primary" else []
        cores = ["--lcores", lcores] if lcores else ["-l", str(self.lcore)]
        cmd = ["ip", "netns", "exec", group.netns.name, *wrap, exe, *cores,
               *base, "--no-pci", "--file-prefix", group.prefix, "--proc-type=auto",
               "--", "-r", group.rundir, *group.daemon_args, *extra]
        self.p = subprocess.Popen(cmd, stdin=subprocess.PIPE if console else subprocess.DEVNULL,
                                  stdout=subprocess.PIPE if console else self.log,
                                  stderr=self.log,
                                  env=dict(SANITIZER_ENV, **os.environ, **(env or {})), cwd=cwd)
        self.pid = self.p.pid  # ip netns exec execs: same pid
        self.out = b""
        try:
            if console:
                os.set_blocking(self.p.stdout.fileno(), False)
                self.expect_prompt(timeout=30)
            wait_for(lambda: self.accepting() or self.p.poll() is not None,
                     30, f"{role} control socket")
        except BaseException:
            self.stop()  # a set-up that failed still stops what it started
            raise
        if self.p.poll() is not None:
            self.log.close()
            raise RuntimeError(f"{role} exited with {self.p.returncode}: {self.logtext()}")

    def accepting(self):
        """The socket answers (a file left by a dead process does not)."""
        try:
            c = Client(self.sock_path, timeout=5)
        except OSError:
            return False
        c.close()
        return True

    @property
    def sock_path(self):
        if self.is_primary():
            return os.path.join(self.group.rundir, self.group.prefix, "control.sock")
        return os.path.join(self.group.rundir, self.group.prefix, f"member.{self.pid}.sock")

    def is_primary(self):
        return self.role == "primary"

    def freeze(self):
        """SIGSTOP, and wait until every thread is really stopped: kill()
        returns before, and a ping answered meanwhile would race the test."""
        os.kill(self.pid, signal.SIGSTOP)

        def stopped():
            for tid in os.listdir(f"/proc/{self.pid}/task"):
                with open(f"/proc/{self.pid}/task/{tid}/stat") as f:
                    if f.read().rsplit(")", 1)[1].split()[0] not in ("T", "t"):
                        return False
            return True
        wait_for(stopped, 5, f"pid {self.pid} stopped")

    def client(self):
        return Client(self.sock_path)

    def call(self, method, params=None):
        c = self.client()
        try:
            return c.call(method, params)
        finally:
            c.close()

    def ports(self):
        """{port id: name} from this process's own list."""
        return {p["port"]: p["name"] for p in self.call("list")["ports"]}

    # -- console -----------------------------------------------------------
    def _read(self, timeout):
        sel = selectors.DefaultSelector()
        sel.register(self.p.stdout, selectors.EVENT_READ)
        if sel.select(timeout):
            data = self.p.stdout.read()
            if data:
                self.out += data
            elif data == b"" and self.p.poll() is not None:
                raise EOFError("console exited")
        sel.close()

    def expect_prompt(self, timeout=30):
        deadline = time.monotonic() + timeout
        while b"example> " not in self.out:
            if time.monotonic() > deadline:
                raise TimeoutError(f"no prompt; output so far: {self.out!r}")
            self._read(max(0.0, deadline - time.monotonic()))
        before, self.out = self.out.split(b"example> ", 1)
        return before.decode()

    def cmd(self, line, timeout=30):
        """Type a line at the console; return what it printed before the
        next prompt."""
        self.p.stdin.write((line + "\n").encode())
        self.p.stdin.flush()
        return self.expect_prompt(timeout)


class Group:
    """A primary and its secondaries, isolated from every other test."""

    def __init__(self, secondaries=2, console=False, daemon_args=(), netns=None,
                 policy=True, cwd=None, primary_wrap=(), primary_eal=(), primary_lcores=None,
                 state=True, primary_env=None):
        self.tmp = tempfile.mkdtemp(prefix="hpt-")
        self.prefix = f"hpt{os.getpid() % 100000}g{next(_seq)}"
        self.rundir = os.path.join(self.tmp, "run")
        self.daemon_args = list(daemon_args)
        self.primary_eal = list(primary_eal)
        self.cwd = cwd
        self.primary_env = primary_env
        # the state file stays in the test's own directory (state=False:
        # the daemon's own default, for the tests of that default)
        if state and "--no-state" not in self.daemon_args and \
                "--state-file" not in self.daemon_args:
            self.daemon_args += ["--state-file", os.path.join(self.tmp, "state.json")]
        if policy is True:
            # the built-in policy's socket directory is under the runtime
            # directory; tests also make sockets and files in their tmp
            # dir and name veths as the test plan does (ens803f1)
            policy = {"socket_dirs": [self.tmp], "file_dirs": [self.tmp],
                      "interfaces": ["hv*", "ens*"]}
        if policy:
            path = os.path.join(self.tmp, "policy.json")
            with open(path, "w") as f:
                json.dump(policy, f)
            self.daemon_args += ["--policy", path]
        self.own_netns = netns is None
        self.netns = netns or Netns()
        self.procs = []
        self.apps = []
        self.retired = []  # primaries that were replaced: their logs and ends still count
        try:
            self.procs.append(Proc(self, "primary", console, cwd=cwd, wrap=primary_wrap,
                                   lcores=primary_lcores, env=primary_env))
            for _ in range(secondaries):
                self.add_secondary(console)
        except BaseException:
            self.close()
            raise

    def add_secondary(self, console=False, extra=(), env=None, wrap=(), lcores=None):
        p = Proc(self, "secondary", console, extra, env, wrap, cwd=self.cwd, lcores=lcores)
        self.procs.append(p)
        # joined means the primary lists it in ps
        wait_for(lambda: any(m["pid"] == p.pid for m in self.primary.call("ps")["members"]),
                 10, "secondary to join")
        return p

    def add_app(self, lcores="0@0,1@1", args=(), env=None):
        """Start the example forwarder as a member; wait until it joined."""
        a = App(self, lcores, args, env)
        self.apps.append(a)
        wait_for(lambda: any(m["pid"] == a.pid for m in self.primary.call("ps")["members"])
                 or a.p.poll() is not None, 20, "the example to join")
        if a.p.poll() is not None:
            raise RuntimeError(f"hpd_fwd exited with {a.p.returncode}: {a.logtext()}")
        return a

    def restart_primary(self, extra=()):
        """Start a new primary for this group (the old one must have ended
        as the test announced; it stays in the record for close)."""
        old = self.procs[0]
        assert not old.alive(), f"restart_primary: primary pid {old.pid} still runs"
        problem = old.unexpected_end()
        assert problem is None, problem
        self.retired.append(old)
        self.procs[0] = Proc(self, "primary", cwd=self.cwd, extra=extra, env=self.primary_env)
        return self.procs[0]

    @property
    def primary(self):
        return self.procs[0]

    @property
    def secondaries(self):
        return self.procs[1:]

    def everyone(self):
        return self.retired + self.procs + self.apps

    def assert_none_died(self):
        """Fail if any process ended in a way the test did not announce: a
        crashed or fenced member must never just drop out of a comparison."""
        problems = [p for p in (q.unexpected_end() for q in self.everyone()) if p]
        assert not problems, "\n".join(problems)

    def lists(self):
        """Every live process's list; a process that died unannounced fails it."""
        self.assert_none_died()
        return [p.ports() for p in self.procs if p.alive()]

    def assert_members(self):
        """The primary's ps names exactly the live members this test started."""
        ps = {m["pid"] for m in self.primary.call("ps")["members"]}
        ours = {p.pid for p in self.secondaries + self.apps if p.alive()}
        assert ps - {self.primary.pid} == ours, (
            f"ps lists members {sorted(ps)}, the live members are {sorted(ours)}")

    def assert_consistent(self, expected=None):
        """Every process the test did not deliberately end is alive, is a
        member, and lists the same ports (and, if given, these)."""
        lists = self.lists()
        for i, l in enumerate(lists):
            assert l == lists[0], f"process {i} lists {l}, primary lists {lists[0]}"
        if expected is not None:
            assert sorted(lists[0].values()) == sorted(expected), lists[0]
        if self.primary.alive():
            wait_for(lambda: self._members_match(), 10, "ps to list exactly the live members")
        return lists[0]

    def _members_match(self):
        try:
            self.assert_members()
            return True
        except AssertionError:
            return False

    def hpctl(self, *args, check=False):
        return subprocess.run([HPCTL, "-r", self.rundir, "--file-prefix", self.prefix, *args],
                              capture_output=True, text=True, timeout=60, check=check)

    def hpctl_as(self, user, *args, groups=None):
        """hpctl as another user: with its /etc/group groups, or exactly
        the supplementary groups given (as systemd or a container would)."""
        gid = subprocess.run(["id", "-g", user], capture_output=True, text=True).stdout.strip()
        grp_args = ["--init-groups"] if groups is None else [f"--groups={','.join(groups)}"]
        return subprocess.run(["setpriv", f"--reuid={user}", f"--regid={gid}", *grp_args,
                               HPCTL, "-r", self.rundir, "--file-prefix", self.prefix, *args],
                              capture_output=True, text=True, timeout=30)

    def sanitizer_reports(self):
        """Findings of ASan/UBSan/LSan in any process's log (sanitizer builds)."""
        found = []
        for p in self.everyone():
            text = p.logtext()
            for marker in ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:"):
                if marker in text:
                    i = text.index(marker)
                    found.append(f"{p.role} {p.pid}: {text[max(0, i - 200):i + 1500]}")
        return found

    def close(self):
        """Stop everything, remove what the group made; return its problems
        (sanitizer reports, processes that crashed, hung or ended
        unannounced), which the fixtures turn into a failure."""
        if getattr(self, "closed", False):
            return self.problems
        self.closed = True
        self.stop_problems, self.reports = [], []
        try:
            # members first, the primary last (a secondary whose primary
            # went first would rightly exit 75)
            for p in reversed(self.everyone()):
                try:  # one that fails to stop must not leave the others running
                    e = p.stop()
                except Exception as x:  # noqa: BLE001
                    p.p.kill()
                    e = f"pid {p.pid}: stopping it raised {x!r}"
                if e:
                    self.stop_problems.append(e)
            self.reports = self.sanitizer_reports()
        finally:  # whatever failed above, what the group made goes
            shutil.rmtree(f"/var/run/dpdk/{self.prefix}", ignore_errors=True)
            # DPDK leaves the group's hugepage files behind when its last
            # process ends: they are the group's, so they go with it
            for f in glob.glob(f"/dev/hugepages/{self.prefix}map_*"):
                try:
                    os.unlink(f)
                except FileNotFoundError:  # its process was still removing it
                    pass
            if self.own_netns:
                self.netns.delete()
            if os.environ.get("HPT_KEEP_LOGS") is None:
                shutil.rmtree(self.tmp, ignore_errors=True)
        self.problems = ([f"sanitizer: {r}" for r in self.reports]
                         + [f"process: {e}" for e in self.stop_problems])
        return self.problems

    def close_and_check(self):
        problems = self.close()
        assert not problems, "group problems:\n" + "\n".join(problems)
