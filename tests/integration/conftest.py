# SPDX-License-Identifier: BSD-3-Clause
import os
import shutil
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
