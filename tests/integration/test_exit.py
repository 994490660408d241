# SPDX-License-Identifier: BSD-3-Clause
"""A primary's exit on every DPDK: status 0 and clean logs (the sanitizer
stage checks them for ASan reports) after it used a vhost port, which on
some releases has DPDK's vhost event thread read DPDK memory after
rte_eal_cleanup() unmapped it (src/daemon/dpdk/eal_exit.h). On those
releases, and only there, the primary leaves the EAL's memory to the exit
and says so."""
import pytest

from devices import vhost

NOTICE = "leaving DPDK's memory to the exit"


def vhost_bug(version):
    """The releases with that bug, as DPDK's git history has them: from
    24.07 (fdset in DPDK memory) to 24.11.4 and 25.11.0; fixed in 24.11.5,
    25.11.1 and 26.03."""
    year, month, minor = (int(x) for x in version.split()[1].split("-")[0].split(".")[:3])
    v = (year, month)
    if v < (24, 7) or v >= (26, 3):
        return False
    if v == (24, 11):
        return minor < 5
    if v == (25, 11):
        return minor < 1
    return True


@pytest.mark.parametrize("end", ["detached", "started", "none"])
def test_primary_exit_after_vhost(group_factory, end):
    """end: the vhost port was detached before the exit, is still attached
    and started at the exit (the EAL's clean-up removes it), or no vhost
    port was ever used (the clean-up always runs)."""
    g = group_factory(secondaries=1)
    version = g.primary.call("status")["dpdk_version"]
    if end != "none":
        devargs, name = vhost(g)
        g.primary.call("attach", {"devargs": devargs})
        g.primary.call("start", {"device": name})  # configure starts vhost's thread
        g.assert_consistent([name])
        if end == "detached":
            g.primary.call("stop", {"device": name})
            g.primary.call("detach", {"device": name})
            g.assert_consistent([])
    else:
        # both answer: their loops run, with their SIGTERM handlers (a
        # SIGTERM before that ends a process by the default action)
        g.assert_consistent([])
    g.secondaries[0].terminate()
    g.primary.terminate()
    said = NOTICE in g.primary.logtext()
    assert said == (end != "none" and vhost_bug(version)), \
        f"{version}: notice {'given' if said else 'missing'}:\n{g.primary.log_tail()}"
    g.close_and_check()
