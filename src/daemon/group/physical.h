/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Physical hotplug, in the primary: the kernel taking a PCI device away
 * from under the group, or bringing one. A removal signal (DPDK's vfio
 * request, its device event monitor, RTE_ETH_EVENT_INTR_RMV, a uevent
 * "remove" or an "unbind" from a userspace driver; whichever comes first)
 * of an attached device queues an OP_REMOVAL, a normal serialized
 * operation: quiesce, stop, detach everywhere, event device.removed, the
 * state file records it as gone by itself. Arrival rules (the devices
 * file's entries with "bound_to", off unless given) attach a device when
 * it is bound to the rule's driver, as it was if it had been removed;
 * event device.arrived.
 */
#ifndef HPD_PHYSICAL_H
#define HPD_PHYSICAL_H

#include <stdbool.h>
#include <stddef.h>

struct event_base;

int physical_init(struct event_base *base);
void physical_fini(void);
/*
 * An arrival rule: match is a PCI address ("0000:00:04.0", with the
 * devargs' own arguments after a comma) or a vendor:device id ("8086:100e",
 * any address); driver the userspace driver it must be bound to. 0, or
 * -EINVAL with the reason.
 */
int physical_rule_add(const char *match, const char *driver, bool start, char *reason,
		      size_t len);
/* Whether a PCI device the devices file names is bound to its rule's
 * driver now (so the restore attaches it) or is left to its arrival. */
bool physical_rule_ready(const char *devargs);

#endif
