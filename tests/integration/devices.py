# SPDX-License-Identifier: BSD-3-Clause
"""The test plan's virtual devices, made real on this machine."""
import os

from hpd import Group


def af_packet(group, **_):
    """net_af_packet on a veth pair in the group's own network namespace."""
    iface = group.netns.veth()
    return f"net_af_packet,iface={iface}", "net_af_packet"


def vhost(group, **_):
    return (f"net_vhost0,iface={os.path.join(group.tmp, 'vhost-net')},queues=1,client=0",
            "net_vhost0")


def virtio_user(group, factory, **_):
    """virtio-user needs a live vhost-user backend: a second hotplugd group
    with a started net_vhost port (it creates its socket when started)."""
    backend = factory(secondaries=0, netns=group.netns)
    path = os.path.join(backend.tmp, "vhost-net")
    backend.primary.call("attach", {"devargs": f"net_vhost0,iface={path},queues=1,client=0"})
    backend.primary.call("start", {"device": "net_vhost0"})
    return (f"net_virtio_user0,mac=00:01:02:03:04:05,path={path},packed_vq=1,"
            f"mrg_rxbuf=1,in_order=0", "net_virtio_user0")


KINDS = {"af_packet": af_packet, "vhost": vhost, "virtio_user": virtio_user}
