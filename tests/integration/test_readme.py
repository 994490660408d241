# SPDX-License-Identifier: BSD-3-Clause
"""The README's tour and console example, run as written.

The code blocks after a `<!-- readme-test: NAME -->` marker are taken from
README.md and run in a network namespace and a working directory of the
test's own, with a deadline. Only what isolates them from the machine is
changed: the build directory (this stage's), the file prefix (an hpt one,
so that the suite's leftover check knows it) and TMPDIR (the test's). The
output the README shows must appear, in its order, in what the block
prints; numbers, times and MAC addresses may differ."""
import glob
import os
import re
import shutil
import signal
import subprocess

import pytest

from hpd import BUILD, SANITIZER_ENV, TOP

README = os.path.join(TOP, "README.md")
DEADLINE = 120  # seconds for a whole block: two EAL start-ups on a loaded machine


def block(name):
    """The fenced code block that follows the marker NAME, as lines."""
    text = open(README).read()
    m = re.search(r"<!-- readme-test: %s -->\s*```\w*\n(.*?)```" % re.escape(name), text, re.S)
    assert m, f"README.md has no block marked readme-test: {name}"
    return m.group(1).splitlines()


def normal(line):
    """A line with what varies from run to run made equal."""
    line = re.sub(r"\b[0-9A-F]{2}(:[0-9A-F]{2}){5}\b", "MAC", line)
    line = re.sub(r"\d+(\.\d+)?", "N", line)
    return " ".join(line.split())


def in_order(shown, printed):
    """The shown lines that do not appear, in order, among the printed ones."""
    want = [normal(x) for x in shown if x.strip()]
    got = iter(normal(x) for x in printed)
    return [w for w in want if not any(g == w for g in got)]


def isolate(lines, prefix, build):
    out = []
    for line in lines:
        line = re.sub(r"--file-prefix (tour|console)\b", f"--file-prefix {prefix}", line)
        line = line.replace("B=build/src", f"B={build}/src")
        line = re.sub(r"^build/src/", f"{build}/src/", line)
        out.append(line)
    return out


def run(netns, script, cwd, stdin=None):
    env = dict(SANITIZER_ENV, **os.environ, TMPDIR=cwd, HOTPLUGD_RUNTIME_DIR=f"{cwd}/run")
    p = subprocess.Popen(["ip", "netns", "exec", netns.name, "bash", "-e", "-c", script],
                         cwd=cwd, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        out, err = p.communicate(stdin, timeout=DEADLINE)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        out, err = p.communicate()
        pytest.fail(f"the README block did not end within {DEADLINE} s: {err[-2000:]}")
    for bad in ("ERROR: AddressSanitizer", "runtime error:", "ERROR: LeakSanitizer"):
        assert bad not in err, err[-4000:]
    return p.returncode, out, err


def prefix_of(netns, what):
    return f"{netns.name}{what}"


@pytest.fixture
def dpdk_files():
    """What DPDK leaves of a group after its processes end (its runtime
    directory, hugepage files), removed for the prefixes the test names:
    a user's tour leaves them too, a test run must not."""
    prefixes = []
    yield prefixes
    for p in prefixes:
        shutil.rmtree(f"/var/run/dpdk/{p}", ignore_errors=True)
        for f in glob.glob(f"/dev/hugepages/{p}map_*"):
            os.unlink(f)


def test_tour_runs_as_written(netns, workdir, dpdk_files):
    """The five-minute tour: a primary and a secondary in a runtime
    directory of their own, attach from the secondary, list on both, check,
    detach, stop; its output is what the README shows."""
    lines = block("tour")
    assert any("--no-state" in x for x in lines), "the tour must not write /var/lib/hotplugd"
    assert not any("pgrep" in x for x in lines), "the tour must use the pid it started"
    dpdk_files.append(prefix_of(netns, "t"))
    script = "\n".join(isolate(lines, prefix_of(netns, "t"), BUILD))
    rc, out, err = run(netns, script, workdir)
    assert rc == 0, f"status {rc}\nstdout:\n{out}\nstderr:\n{err[-3000:]}"
    missing = in_order(block("tour-output"), out.splitlines())
    assert not missing, f"not printed (in order): {missing}\nstdout:\n{out}"
    # --no-state and the tour's own runtime directory: nothing else written
    assert os.listdir(workdir) == [], os.listdir(workdir)
    assert not os.path.exists(f"/var/lib/hotplugd/{prefix_of(netns, 't')}")


def test_console_example_runs_as_written(netns, workdir, dpdk_files):
    """The test plan's console example: the shell lines run before and
    after, the `example> ` lines are typed into the console, and the
    console answers what the README shows."""
    dpdk_files.append(prefix_of(netns, "c"))
    lines = isolate(block("console"), prefix_of(netns, "c"), BUILD)
    start = next(i for i, x in enumerate(lines) if "dpdk-hotplug_mp" in x)
    end = max(i for i, x in enumerate(lines) if x.startswith("example> ")) + 1
    typed = [x[len("example> "):] for x in lines[start:end] if x.startswith("example> ")]
    shown = [x for x in lines[start + 1:end] if not x.startswith("example> ")]
    script = "\n".join(lines[:start] + [lines[start]] + lines[end:])
    rc, out, err = run(netns, script, workdir, stdin="".join(t + "\n" for t in typed))
    assert rc == 0, f"status {rc}\nstdout:\n{out}\nstderr:\n{err[-3000:]}"
    printed = [x for x in out.replace("example> ", "\n").splitlines() if x.strip()]
    assert [normal(x) for x in printed] == [normal(x) for x in shown], out
    assert not os.path.exists(f"/var/lib/hotplugd/{prefix_of(netns, 'c')}")
