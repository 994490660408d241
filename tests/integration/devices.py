# SPDX-License-Identifier: BSD-3-Clause
"""The test plan's virtual devices, made real on this machine."""
import os

from hpd import App, Group, wait_for


def af_packet(group, **_):
    """net_af_packet on a veth pair in the group's own network namespace,
    named as in the test plan."""
    iface = group.netns.veth("ens803f1")
    return f"net_af_packet,iface={iface}", "net_af_packet"


def vhost(group, **_):
    """As in the plan (iface=vhost-net, relative to the working directory)
    when the group runs in a directory of its own, else an absolute path."""
    path = "vhost-net" if group.cwd else os.path.join(group.tmp, "vhost-net")
    return f"net_vhost0,iface={path},queues=1,client=0", "net_vhost0"


def virtio_user(group, factory, **_):
    """virtio-user needs a live vhost-user backend: a second hotplugd group
    with a started net_vhost port (it creates its socket when started)."""
    where = group.cwd or group.tmp  # where the frontend's policy allows sockets
    backend = factory(secondaries=0, netns=group.netns, policy={"socket_dirs": [where]})
    path = os.path.join(where, "vhost-net")
    backend.primary.call("attach", {"devargs": f"net_vhost0,iface={path},queues=1,client=0"})
    backend.primary.call("start", {"device": "net_vhost0"})
    return (f"net_virtio_user0,mac=00:01:02:03:04:05,path={path},packed_vq=1,"
            f"mrg_rxbuf=1,in_order=0", "net_virtio_user0")


KINDS = {"af_packet": af_packet, "vhost": vhost, "virtio_user": virtio_user}


FORWARD = ["net_null0", "net_memif0", "net_memif1", "net_null1"]


def port_stats(proc):
    """{port name: counters} of a worker: a hotplugd secondary's stats, or
    the example's stats file."""
    if isinstance(proc, App):
        return proc.stats().get("ports", {})
    return {p["name"]: p for p in proc.call("stats")["ports"]}


def forwarding_ports(factory, queues=None, **kw):
    """A group with null0, memif0 ~~memif link~~> memif1, null1 attached
    and started (with QUEUES rx and tx queues each, else the default), and
    no member yet."""
    g = factory(secondaries=0, **kw)
    sock = os.path.join(g.tmp, "m.sock")
    for d in ["net_null0", f"net_memif0,role=server,socket={sock},socket-abstract=no",
              f"net_memif1,role=client,socket={sock},socket-abstract=no", "net_null1"]:
        g.primary.call("attach", {"devargs": d})
    for d in FORWARD:
        g.primary.call("start", {"device": d, **({"config": {"rxq": queues, "txq": queues}}
                                                   if queues else {})})
    return g


def forwarding_group(factory, lcores="0@0,1@1", app=False, env=None, app_args=(), **kw):
    """null0 -> memif0 ~~memif link~~> memif1 -> null1 and back, forwarded
    by an io worker in a secondary (pairs (null0, memif0), (memif1, null1)):
    hotplugd's own --worker, or with app the example built on
    libhotplugd-member."""
    g = forwarding_ports(factory, **kw)
    if app:
        w = g.add_app(lcores, ["--name", "fwd", "--ports", "net_null*,net_memif*", *app_args], env)
    else:
        w = g.add_secondary(lcores=lcores, env=env,
                            extra=["--worker", "io", "--worker-ports", "net_null*,net_memif*"])
    wait_for(lambda: port_stats(w).get("net_memif1", {}).get("rx", 0) > 10000, 20,
             "traffic through memif")
    return g, w
