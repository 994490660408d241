/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_bus.h>
#include <rte_bus_vdev.h>
#include <rte_dev.h>
#include <rte_devargs.h>
#include <rte_eal.h>
#include <rte_ethdev.h>

#include "local.h"

int local_errno(int rc)
{
	if (rc > 0)
		rc = -rc;
	return rc == -1 ? -EIO : rc;
}

static bool bus_is_vdev(const struct rte_bus *bus)
{
	return bus != NULL && strcmp(rte_bus_name(bus), "vdev") == 0;
}

int local_parse(const char *devargs, struct local_devargs *out)
{
	struct rte_devargs da;

	memset(&da, 0, sizeof(da));
	/* a class-only layered string ("x/class=eth") parses with no bus:
	 * nothing can probe it */
	if (rte_devargs_parse(&da, devargs) != 0 || da.bus == NULL) {
		rte_devargs_reset(&da);
		return -EINVAL;
	}
	snprintf(out->name, sizeof(out->name), "%s", da.name);
	out->vdev = bus_is_vdev(da.bus);
	rte_devargs_reset(&da);
	return 0;
}

int local_parse_name(const char *devargs, char *name, size_t len)
{
	struct local_devargs d;
	int rc = local_parse(devargs, &d);

	if (rc == 0)
		snprintf(name, len, "%s", d.name);
	return rc;
}

static struct rte_device *find(const char *name, uint16_t *port)
{
	struct rte_eth_dev_info info;
	uint16_t p;

	RTE_ETH_FOREACH_DEV(p) {
		if (rte_eth_dev_info_get(p, &info) != 0 || info.device == NULL)
			continue;
		if (strcmp(rte_dev_name(info.device), name) == 0) {
			if (port)
				*port = p;
			return info.device;
		}
	}
	return NULL;
}

int local_find(const char *name, uint16_t *port)
{
	return find(name, port) ? 0 : -ENOENT;
}

int local_attach(const char *devargs)
{
	struct rte_devargs da;
	char name[RTE_DEV_NAME_MAX_LEN];
	int rc;

	memset(&da, 0, sizeof(da));
	if (rte_devargs_parse(&da, devargs) != 0 || da.bus == NULL) {
		rte_devargs_reset(&da);
		return -EINVAL;
	}
	snprintf(name, sizeof(name), "%s", da.name);
	if (bus_is_vdev(da.bus)) {
		rc = rte_vdev_init(da.name, da.drv_str && *da.drv_str ? da.drv_str : NULL);
		/* Another secondary starting makes the primary broadcast its
		 * vdev names (VDEV_SCAN_ONE), and DPDK adds them, unprobed, to
		 * our vdev list: the device is there, only not probed. */
		if (rc == -EEXIST && find(name, NULL) == NULL)
			rc = rte_bus_probe();
	}
	else
		rc = find(name, NULL) ? 0 : -ENODEV;
	rte_devargs_reset(&da);
	if (rc == 0 && find(name, NULL) == NULL)
		rc = -ENODEV; /* probed a device that made no ethdev port */
	return rc;
}

int local_detach(const char *name)
{
	struct rte_device *dev = find(name, NULL);

	if (dev == NULL)
		return -ENOENT;
	if (!bus_is_vdev(rte_dev_bus(dev)))
		return -EBUSY; /* the primary's EAL fan-out should have removed it */
	return rte_vdev_uninit(rte_dev_name(dev));
}
