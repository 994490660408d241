# SPDX-License-Identifier: BSD-3-Clause
"""A member that joins while an operation is in progress ends with the
same devices as everyone else: the primary pauses between two steps of an
attach or a detach (fault hook), a secondary starts and joins there, and
then every process's list is compared."""
import threading
import time

import pytest

from hpd import fault_hooks, wait_for
from test_faults import check_clean, record

needs_hooks = pytest.mark.skipif(not fault_hooks(), reason="needs a -Dfault_hooks=true build")
PAUSE_MS = 3000


@needs_hooks
@pytest.mark.parametrize("op,step", [
    ("attach", "ping"), ("attach", "probe"), ("attach", "attach"),
    ("detach", "ping"), ("detach", "quiesce"), ("detach", "stop"),
    ("detach", "detach"), ("detach", "remove")])
def test_join_at_every_step(group_factory, op, step):
    g = group_factory(secondaries=1,
                      primary_env={"HOTPLUGD_PRIMARY_PAUSE": f"{op}:{step}:{PAUSE_MS}"})
    if op == "detach":
        g.primary.call("attach", {"devargs": "net_null0"})
        g.primary.call("start", {"device": "net_null0"})  # so that it quiesces and stops
    out = {}

    def run():
        t = time.monotonic()
        out["res"] = g.primary.call(op, {"devargs": "net_null0"} if op == "attach"
                                    else {"device": "net_null0"})
        out["ms"] = (time.monotonic() - t) * 1000
    th = threading.Thread(target=run)
    th.start()
    wait_for(lambda: "fault injection: pause" in g.primary.logtext(), 10, "the pause")
    joiner = g.add_secondary()  # joins while the operation is paused
    th.join(30)
    assert "res" in out, "the operation got no answer"
    assert out["ms"] >= PAUSE_MS * 0.9
    if step in ("attach", "detach"):  # joined after the round went out: it is sent again
        assert "joined during the %s round; sending it again" % step in g.primary.logtext()
    wait_for(lambda: joiner.pid in [m["pid"] for m in g.primary.call("ps")["members"]], 10,
             "joined")
    expected = ["net_null0"] if op == "attach" else []
    g.assert_consistent(expected)
    check_clean(g)
    # and the group goes on: the joiner takes part in the next change
    g.primary.call("attach", {"devargs": "net_null1"})
    g.assert_consistent(expected + ["net_null1"])
    if step == "ping":
        record(f"{op} with a member joining while it runs (paused {PAUSE_MS} ms)", out["ms"])
