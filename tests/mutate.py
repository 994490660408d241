#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Mutation check: does the suite fail when the product is wrong?

Each mutation below is a deliberate bug: one literal piece of the source
replaced by another. For each, on a scratch copy of the work tree (never
the tree itself), the script applies it, builds (fault hooks on, no
sanitizers: fast), runs the tests that should catch it, and reports
`caught` (they failed) or `MISSED` (they passed: the suite cannot see that
bug). First it runs the same tests on the unmutated copy: they must pass,
or a "caught" would mean nothing. A mutation whose anchor is not in the
source exactly once, or that does not build, is reported `STALE` (the
list must follow the code) and fails the run too.

  tests/mutate.py [--list] [--keep] [NAME...]

Exit 0 when every mutation was caught; 1 otherwise. Runs real groups: root,
hugepages, one run at a time on the machine (flock /tmp/hpd-suite.lock).
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# (name, what the bug is, file, anchor, replacement, tests that must fail)
MUTATIONS = [
    ("no-duplicate-check", "a second attach of an attached device is not refused",
     "src/daemon/group/engine.c",
     "if (dev_port_by_name(op->res.name, &port) == 0) {",
     "if (0 && dev_port_by_name(op->res.name, &port) == 0) {",
     "test_negative.py -k attach-duplicate"),
    ("no-quiesce", "members do not wait for their readers before a stop or detach",
     "src/member/proto.c",
     "int rc = ports_quiesce(port, leaving, timeout_ms);",
     "int rc = 0; (void)ports_quiesce;",
     "test_datapath.py -k no_burst_outlives"),
    ("no-fence", "a frozen member is declared fenced but never killed",
     "src/daemon/group/members.c",
     "if (hpd_pidfd_kill(m->pidfd, SIGKILL) < 0 && errno != ESRCH)",
     "if (0 && hpd_pidfd_kill(m->pidfd, SIGKILL) < 0 && errno != ESRCH)",
     "test_faults.py -k frozen_member_is_fenced_quickly"),
    ("no-rollback-fence", "a member that failed its rollback is kept",
     "src/daemon/group/engine.c",
     'fence(op, op->acks[i].pid, "rollback failed in this member");',
     "(void)0;",
     "test_guarantees.py -k fails_its_rollback"),
    ("exit-0-without-primary", "a secondary whose primary died exits 0 (no restart)",
     "src/daemon/group/agent.c",
     "hpd_shutdown(HPD_EXIT_PRIMARY_GONE);",
     "hpd_shutdown(0);",
     "test_faults.py -k secondaries_exit_when_primary_dies"),
    ("member-lies", "members acknowledge an attach without doing it",
     "src/member/proto.c",
     'if (lie("attach", name))',
     "if (1)",
     "test_virtual.py -k repeat_attach_detach_json"),
    ("no-roster", "library members publish nothing: check cannot compare them",
     "src/member/roster.c",
     "\tif (roster == NULL || (mine == NULL && (mine = claim()) == NULL))\n\t\treturn;",
     "\tif (roster || !roster)\n\t\treturn;",
     "test_datapath.py -k 'forwarding_survives and example'"),
    ("no-member-round", "the primary attaches without telling the members",
     "src/daemon/group/engine.c",
     'round_begin(op, HPD_MP_ATTACH, op->arg, hpd.opt.op_timeout_ms, "attach",\n'
     '\t\t    attach_fanned_out);',
     "attach_fanned_out(op);",
     "test_virtual.py -k cross_attach_detach"),
    ("ignore-member-failure", "a member's failed ack counts as success",
     "src/daemon/group/engine.c",
     "a->st = m->h.rc ? ACK_FAIL : ACK_OK;",
     "a->st = ACK_OK;",
     "test_faults.py -k failing_member_rolls_back_everywhere"),
    ("no-policy-on-restore", "devices from the state file skip the devargs policy",
     "src/daemon/group/engine.c",
     "rc = policy_check_spec(&hpd.devargs_policy, &spec, route_list, op->res.reason,",
     "rc = op->origin.pid == hpd.pid ? 0 :"
     " policy_check_spec(&hpd.devargs_policy, &spec, route_list, op->res.reason,",
     "test_guarantees.py -k policy_applies_to_restore"),
    ("canonical-parse-bypass", "the policy judges the project's own parse, not DPDK's",
     "src/daemon/group/engine.c",
     "rc = devspec_parse(op->arg, &spec, op->res.reason, sizeof(op->res.reason));",
     "rc = devspec_parse(op->arg, &spec, op->res.reason, sizeof(op->res.reason));"
     " if (rc == -EPERM) rc = 0;",
     "test_security.py -k dpdk_grammar_refused"),
    ("no-backpressure", "a client that does not read is read on",
     "src/daemon/front/control.c",
     "c->read_paused = true;\n\t\t\treturn;",
     "(void)0;",
     "test_guarantees.py -k backpressure"),
    ("no-admin-check", "readers may change devices",
     "src/daemon/api/api.c",
     "if (uid == 0 || uid == geteuid() || in_group(gid, groups, ngroups, admin_gid))",
     "if (1)",
     "test_access.py -k reader_lists_but_cannot_attach"),
]


def sh(cmd, **kw):
    return subprocess.run(cmd, shell=isinstance(cmd, str), **kw)


def copy_tree(dst):
    """The work tree as it is (tracked and untracked, not ignored files)."""
    files = sh(["git", "-C", TOP, "ls-files", "-co", "--exclude-standard", "-z"],
               capture_output=True, check=True).stdout.split(b"\0")
    for f in filter(None, files):
        src = os.path.join(TOP, f.decode())
        if not os.path.isfile(src):
            continue
        out = os.path.join(dst, f.decode())
        os.makedirs(os.path.dirname(out), exist_ok=True)
        shutil.copy2(src, out)


def find_file(tree, rel, anchor):
    """The file that holds anchor: rel, or wherever the code moved."""
    cand = os.path.join(tree, rel)
    if os.path.isfile(cand) and open(cand).read().count(anchor) == 1:
        return cand
    hits = []
    for root, _, names in os.walk(os.path.join(tree, "src")):
        for n in names:
            if n.endswith((".c", ".h")):
                p = os.path.join(root, n)
                c = open(p).read().count(anchor)
                if c:
                    hits.append((p, c))
    return hits[0][0] if len(hits) == 1 and hits[0][1] == 1 else None


def run_tests(tree, build, sel):
    env = dict(os.environ, HOTPLUGD_BUILDDIR=build)
    env.pop("CI", None)
    file_, _, rest = sel.partition(" ")
    cmd = (f"/usr/bin/python3 -m pytest -p no:cacheprovider -q -x --timeout 120 "
           f"tests/integration/{file_} {rest}")
    t = time.monotonic()
    r = sh(cmd, cwd=tree, env=env, capture_output=True, text=True)
    lines = r.stdout.strip().splitlines() or [""]
    # what caught it: the first assertion the failure printed
    why = next((x.strip() for x in lines if x.startswith("E ")), "")[:140]
    return r.returncode, lines[-1] + (f" | {why}" if why else ""), time.monotonic() - t


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--list", action="store_true")
    ap.add_argument("--keep", action="store_true", help="keep the scratch tree")
    ap.add_argument("names", nargs="*")
    a = ap.parse_args()
    muts = [m for m in MUTATIONS if not a.names or m[0] in a.names]
    if a.list:
        for m in muts:
            print(f"{m[0]:24} {m[1]}  [{m[5]}]")
        return 0
    tree = tempfile.mkdtemp(prefix="hpd-mutate-", dir="/var/tmp")
    build = os.path.join(tree, "build")
    try:
        copy_tree(tree)
        sh(["meson", "setup", build, tree, "-Dfault_hooks=true"], check=True,
           capture_output=True)
        if sh(["ninja", "-C", build], capture_output=True).returncode:
            print("mutate: the unmutated tree does not build")
            return 1
        print("control run (unmutated): the selected tests must pass")
        for m in muts:
            rc, tail, secs = run_tests(tree, build, m[5])
            if rc:
                print(f"  {m[5]}: FAILS unmutated ({tail}); fix that first")
                return 1
        results = []
        for name, what, rel, anchor, repl, sel in muts:
            path = find_file(tree, rel, anchor)
            if path is None:
                results.append((name, "STALE", "anchor not found exactly once"))
                print(f"  {name:24} STALE   anchor not found exactly once", flush=True)
                continue
            orig = open(path).read()
            with open(path, "w") as f:
                f.write(orig.replace(anchor, repl))
            try:
                b = sh(["ninja", "-C", build], capture_output=True, text=True)
                if b.returncode:
                    results.append((name, "STALE", "does not build"))
                    print(f"  {name:24} STALE   does not build", flush=True)
                    continue
                rc, tail, secs = run_tests(tree, build, sel)
                results.append((name, "caught" if rc else "MISSED",
                                f"{sel}: {tail} ({secs:.0f} s)"))
            finally:
                with open(path, "w") as f:
                    f.write(orig)
                os.utime(path)  # ninja rebuilds it next time
            print(f"  {results[-1][0]:24} {results[-1][1]:7} {results[-1][2]}", flush=True)
        sh(["ninja", "-C", build], capture_output=True)
        caught = sum(r[1] == "caught" for r in results)
        print(f"mutations: {caught} caught, {len(results) - caught} not")
        return 0 if caught == len(results) else 1
    finally:
        if a.keep:
            print(f"scratch tree kept: {tree}")
        else:
            shutil.rmtree(tree, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
