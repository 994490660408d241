/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DPDK's signals that a device is going away, and its hotplug failure
 * handler. In every process: rte_dev_hotplug_handle_enable(), whose SIGBUS
 * handler remaps a removed device's BARs to anonymous memory, so that a
 * worker inside a burst on it reads garbage instead of dying. In the
 * primary also: the device event monitor (uevent "remove"; with the
 * failure handler on it also remaps a uio device's BARs), the vfio
 * request notifier (vfio-pci asks userspace to let go before the kernel's
 * removal can complete; DPDK relays it as the same device event) and
 * RTE_ETH_EVENT_INTR_RMV of the PMDs that have it. DPDK calls back on its
 * interrupt thread; the callback only hands the name over to the loop.
 */
#ifndef HPD_UNPLUG_H
#define HPD_UNPLUG_H

#include <stdbool.h>
#include <stdint.h>

/* On the loop: device name, which signal ("vfio-request", "uevent-remove",
 * "rmv-interrupt"). */
typedef void (*unplug_fn)(const char *name, const char *signal);

int unplug_init(bool primary, unplug_fn fn);
void unplug_fini(void);
/* Whether a port's PMD reports removal with RTE_ETH_EVENT_INTR_RMV (then
 * its configuration asks for it, and, in the primary, hotplugd's RMV
 * callback is put on the port). */
bool unplug_port_has_rmv(uint16_t port);

#endif
