# SPDX-License-Identifier: BSD-3-Clause
import os
import shutil
import tempfile

import pytest

from hpd import Group, Netns, HOTPLUGD


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
    reports, errors = [], []
    for g in reversed(groups):
        try:  # every group is closed, whatever happens to one of them
            g.close()
            reports += g.reports
        except Exception as e:  # noqa: BLE001
            errors.append(repr(e))
    assert not errors, f"closing groups failed: {errors}"
    assert not reports, "sanitizer findings:\n" + "\n".join(reports)


@pytest.fixture
def group(group_factory):
    """One primary and two secondaries, as the DPDK test suite runs it."""
    return group_factory(secondaries=2)
