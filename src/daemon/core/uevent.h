/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The kernel's device uevents (NETLINK_KOBJECT_UEVENT), read on the event
 * loop. DPDK's device event monitor reports only "add" and "remove" (and
 * runs its callbacks on its interrupt thread); a PCI device bound to or
 * unbound from a driver is a "bind"/"unbind" uevent, which physical hotplug
 * needs too (an operator's unbind is a removal, a bind to vfio-pci an
 * arrival). Only PCI devices' events are passed on.
 */
#ifndef HPD_UEVENT_H
#define HPD_UEVENT_H

struct event_base;

struct hpd_uevent {
	char action[16];  /* add, remove, bind, unbind, change */
	char slot[64];    /* PCI_SLOT_NAME: 0000:00:04.0 */
	char driver[32];  /* DRIVER (bind, unbind), or "" */
	char id[16];      /* PCI_ID: 8086:100E, or "" */
};

typedef void (*uevent_fn)(const struct hpd_uevent *ev);

/* Open the socket and call fn for every PCI uevent, on the loop. With
 * fault hooks, test messages in the kernel's format are also read from a
 * datagram socket at inject_path (NULL: none). */
int uevent_init(struct event_base *base, uevent_fn fn, const char *inject_path);
void uevent_fini(void);
/* One message ("ACTION@DEVPATH\0KEY=VALUE\0...", with a NUL at buf[len]
 * or before): 0 and ev filled for a
 * PCI device's event, -EINVAL otherwise. Pure, for the unit tests. */
int uevent_parse(const char *buf, size_t len, struct hpd_uevent *ev);

#endif
