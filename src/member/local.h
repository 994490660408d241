/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Process-local device calls. DPDK 22.11 has no public process-local probe
 * except on the vdev bus (rte_vdev_init/uninit): rte_dev_probe and
 * rte_eal_hotplug_add carry the operation to every secondary themselves,
 * one at a time. So virtual devices are probed here, in each process, and
 * hotplugd carries the operation to the group; devices of other buses (PCI)
 * are probed by the primary's EAL, which brings them to the secondaries, and
 * a secondary only confirms it has them.
 * Returns 0 or a negative errno (the driver's; its words are in its log).
 */
#ifndef HPD_LOCAL_H
#define HPD_LOCAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire.h"

/* A driver's return as 0 or a negative errno: a positive value is an errno,
 * and the bare -1 many drivers return is EIO, not EPERM. */
int local_errno(int rc);
/* What the EAL's own parser makes of devargs, parsed once per operation. */
struct local_devargs {
	char name[HPD_NAME_MAX + 1]; /* the device name ("net_null0", "0000:00:04.0") */
	bool vdev;     /* a vdev (else the EAL's fan-out owns the device) */
};
/* -EINVAL if devargs do not parse. */
int local_parse(const char *devargs, struct local_devargs *out);
/* Only the device name (see local_parse). */
int local_parse_name(const char *devargs, char *name, size_t len);
/* The device's first port; -ENOENT if this process has no such device. */
int local_find(const char *name, uint16_t *port);
/* vdev: probe here. Other buses: 0 if the EAL brought it here, -ENODEV. */
int local_attach(const char *devargs);
/* vdev: remove here. Other buses: -EBUSY (the primary's EAL removes it).
 * -ENOENT if absent. */
int local_detach(const char *name);

#endif
