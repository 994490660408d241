# SPDX-License-Identifier: BSD-3-Clause
"""The command lines as their users know them from other tools: hotplugd
--version without "--", hpctl options anywhere, --json=pretty, suggestions
for a mistyped command, tables that fit their content, human durations."""
import json
import os
import re
import subprocess

from hpd import HOTPLUGD, HPCTL


def run(*cmd, timeout=30):
    return subprocess.run(list(cmd), capture_output=True, text=True, timeout=timeout)


def test_hotplugd_help_and_version_without_double_dash():
    prefix = f"hpt{os.getpid() % 100000}ver"
    for args in (["--version"], ["-V"], ["--no-pci", "--file-prefix", prefix, "--version"]):
        r = run(HOTPLUGD, *args)
        assert r.returncode == 0 and re.fullmatch(r"hotplugd \S+.*\n", r.stdout), (args, r)
        assert "EAL" not in r.stderr, (args, r)
    for args in (["--help"], ["-h"]):
        r = run(HOTPLUGD, *args)
        assert r.returncode == 0 and r.stdout.startswith("usage: "), (args, r)
        assert "--runtime-dir" in r.stdout and "EAL" not in r.stderr, (args, r)
    # the EAL never ran: no runtime directory of that prefix
    assert not os.path.exists(f"/var/run/dpdk/{prefix}")
    assert run(HOTPLUGD, "--", "--version").stdout == run(HOTPLUGD, "--version").stdout
