# SPDX-License-Identifier: BSD-3-Clause
"""The test plan's virtual devices, made real on this machine."""
import os

from hpd import Group


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
