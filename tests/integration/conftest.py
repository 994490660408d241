# SPDX-License-Identifier: BSD-3-Clause
import os
import shutil
import subprocess
import tempfile

import pytest

from hpd import Group, Netns, HOTPLUGD


# Skips that say which build a test needs: the release stage skips the
# fault-hook tests, the test-build stage runs them. Any other skip means a
# tool or a resource was missing, and with CI=true that is a failure: CI
# must not be green by not running a test.
BUILD_VARIANT_SKIPS = ("needs a -Dfault_hooks=true build",)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    if rep.skipped and os.environ.get("CI") == "true" and \
            not any(why in str(rep.longrepr) for why in BUILD_VARIANT_SKIPS):
        rep.outcome = "failed"
        rep.longrepr = f"CI=true: a skip is a failure here: {rep.longrepr}"


def pytest_sessionstart(session):
    if not os.path.exists(HOTPLUGD):
        raise pytest.UsageError(f"{HOTPLUGD} is not built: run scripts/setup.sh")


@pytest.fixture
def workdir():
    """A working directory of the test's own, removed afterwards."""
    d = tempfile.mkdtemp(prefix="hpt-cwd-")
    yield d
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def netns():
    ns = Netns()
    yield ns
    ns.delete()


@pytest.fixture
def group_factory():
    groups = []

    def make(*args, **kw):
        g = Group(*args, **kw)
        groups.append(g)
        return g

    yield make
    problems, errors = [], []
    for g in reversed(groups):
        try:  # every group is closed, whatever happens to one of them
            problems += g.close()
        except Exception as e:  # noqa: BLE001
            errors.append(repr(e))
    assert not errors, f"closing groups failed: {errors}"
    assert not problems, "group problems:\n" + "\n".join(problems)


@pytest.fixture
def group(group_factory):
    """One primary and two secondaries, as the DPDK test suite runs it."""
    return group_factory(secondaries=2)


TAG = f"{os.getpid() % 100000}"


@pytest.fixture(scope="module")
def users():
    """Real users and groups made for the test: an outsider, a read-group
    member and an admin (in both groups)."""
    made = {"groups": [f"hpr{TAG}", f"hpa{TAG}"],
            "users": {"nobody": f"hpu0{TAG}", "reader": f"hpu1{TAG}", "admin": f"hpu2{TAG}"}}
    for g in made["groups"]:
        subprocess.run(["groupadd", g], check=True)
    u = made["users"]
    subprocess.run(["useradd", "-M", "-N", "-s", "/usr/sbin/nologin", u["nobody"]], check=True)
    subprocess.run(["useradd", "-M", "-N", "-s", "/usr/sbin/nologin", "-G",
                    made["groups"][0], u["reader"]], check=True)
    # the socket belongs to the read group, so an admin is in both
    subprocess.run(["useradd", "-M", "-N", "-s", "/usr/sbin/nologin", "-G",
                    ",".join(made["groups"]), u["admin"]], check=True)
    yield made
    for user in u.values():
        subprocess.run(["userdel", user], capture_output=True)
    for g in made["groups"]:
        subprocess.run(["groupdel", g], capture_output=True)
