# SPDX-License-Identifier: BSD-3-Clause
"""Who may do what: real users and groups made for the test. A user outside
the groups cannot even connect; a read-group member can list but gets EPERM
naming the missing right for attach (at the primary and at a secondary); an
admin can attach, and the audit line names them."""
import os
import subprocess

import pytest

from hpd import Group


@pytest.fixture(scope="module")
def grp(users):
    g = Group(secondaries=1, daemon_args=["--read-group", users["groups"][0],
                                          "--admin-group", users["groups"][1]])
    # let other users reach the sockets (mkdtemp makes 0700 directories)
    os.chmod(g.tmp, 0o711)
    yield g
    g.close_and_check()


def as_user(grp, user, *args):
    return grp.hpctl_as(user, *args)


def test_socket_is_0660_group_read(grp, users):
    st = os.stat(grp.primary.sock_path)
    assert oct(st.st_mode & 0o777) == "0o660"
    assert st.st_gid == int(subprocess.run(["getent", "group", users["groups"][0]],
                                           capture_output=True, text=True).stdout.split(":")[2])


def test_outsider_cannot_connect(grp, users):
    r = as_user(grp, users["users"]["nobody"], "list")
    assert r.returncode == 3 and "Permission denied" in r.stderr


@pytest.mark.parametrize("target", ["primary", "secondary"])
def test_reader_lists_but_cannot_attach(grp, users, target):
    pid = [] if target == "primary" else ["--pid", str(grp.secondaries[0].pid)]
    reader = users["users"]["reader"]
    assert as_user(grp, reader, *pid, "list").returncode == 0
    assert as_user(grp, reader, *pid, "status").returncode == 0
    assert as_user(grp, reader, *pid, "metrics").stdout.endswith("# EOF\n")
    r = as_user(grp, reader, *pid, "attach", "net_null0")
    assert r.returncode == 1
    assert "EPERM" in r.stderr and "admin right" in r.stderr and users["groups"][1] in r.stderr
    assert grp.assert_consistent([]) == {}


def test_admin_attaches_and_is_audited(grp, users):
    admin = users["users"]["admin"]
    r = as_user(grp, admin, "--pid", str(grp.secondaries[0].pid), "attach", "net_null0")
    assert r.returncode == 0, r.stderr
    grp.assert_consistent(["net_null0"])
    uid = int(subprocess.run(["id", "-u", admin], capture_output=True, text=True).stdout)
    audit = [l for l in grp.primary.logtext().splitlines() if "audit:" in l and
             f"uid={uid}" in l]
    assert audit and "method=attach" in audit[-1] and "outcome=ok" in audit[-1]
    assert f"via={grp.secondaries[0].pid}" in audit[-1] and "comm=hpctl" in audit[-1]
    assert as_user(grp, admin, "detach", "net_null0").returncode == 0
