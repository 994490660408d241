/* SPDX-License-Identifier: BSD-3-Clause */
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_version.h>

#include "depend.h"

typedef int (*slaves_get_t)(uint16_t bond, uint16_t slaves[], uint16_t len);

/* The bonding PMD's own answer, if the EAL loaded it: it is a plugin (not
 * linked into the daemon), and with no bonding driver there is no bond. */
static slaves_get_t slaves_get(void)
{
	static slaves_get_t fn;
	void *h;

	char soname[64];

	/* the ABI's major number: the year after a .11 release (22.11 is
	 * ABI 23), the year of the releases before it */
	snprintf(soname, sizeof(soname), "librte_net_bond.so.%d",
		 RTE_VER_YEAR + (RTE_VER_MONTH >= 11));
	if (fn == NULL && (h = dlopen(soname, RTLD_NOW | RTLD_NOLOAD)) != NULL) {
		/* 23.11 renamed slaves to members (experimental there, stable from
		 * 24.11) and dropped the old name */
		fn = (slaves_get_t)(uintptr_t)dlsym(h, "rte_eth_bond_members_get");
		if (fn == NULL)
			fn = (slaves_get_t)(uintptr_t)dlsym(h, "rte_eth_bond_slaves_get");
		dlclose(h); /* still loaded by the EAL; RTLD_NOLOAD took a reference */
	}
	return fn;
}

int dev_dependants(uint16_t port, const char *verb, char *reason, size_t len)
{
	slaves_get_t get = slaves_get();
	struct rte_eth_dev_info info;
	char name[RTE_ETH_NAME_MAX_LEN], bond[RTE_ETH_NAME_MAX_LEN];
	uint16_t b, slaves[RTE_MAX_ETHPORTS];

	if (get == NULL)
		return 0;
	/* every port, owned ones included (RTE_ETH_FOREACH_DEV skips those) */
	for (b = 0; b < RTE_MAX_ETHPORTS; b++) {
		int n;

		if (b == port || !rte_eth_dev_is_valid_port(b) ||
		    rte_eth_dev_info_get(b, &info) != 0 || info.driver_name == NULL ||
		    strcmp(info.driver_name, "net_bonding") != 0)
			continue;
		n = get(b, slaves, RTE_MAX_ETHPORTS);
		for (int i = 0; i < n; i++) {
			if (slaves[i] != port)
				continue;
			rte_eth_dev_get_name_by_port(port, name);
			rte_eth_dev_get_name_by_port(b, bond);
			snprintf(reason, len, "%s (port %u) is a slave of bond %s (port %u): "
				 "%s the bond first", name, port, bond, b, verb);
			return -EBUSY;
		}
	}
	return 0;
}

int dev_release_slaves(uint16_t port)
{
	slaves_get_t get = slaves_get();
	struct rte_eth_dev_info info;
	uint16_t slaves[RTE_MAX_ETHPORTS];

	if (get == NULL || rte_eth_dev_info_get(port, &info) != 0 || info.driver_name == NULL ||
	    strcmp(info.driver_name, "net_bonding") != 0 || get(port, slaves, RTE_MAX_ETHPORTS) <= 0)
		return 0;
	return rte_eth_dev_close(port) == 0 ? 1 : -EBUSY;
}
