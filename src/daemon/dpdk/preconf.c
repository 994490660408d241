/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A new vdev port configured between the primary's probe and the members'
 * attach round, so that their fast-path tables get its queue arrays. (A
 * PCI device is probed in the members by the EAL inside the primary's own
 * probe: see docs/operations.md, "Physical hotplug".)
 */
#include <string.h>

#include <rte_ethdev.h>

#include "dev.h"
#include "log.h"
#include "preconf.h"

/*
 * A secondary copies a port's queue array pointer into its fast-path table
 * when it probes the port (eth_dev_fp_ops_setup, DPDK 22.11 to 25.11); the array is
 * allocated by the first rte_eth_dev_configure() and kept until close. So
 * the primary configures a new port before any member attaches it: a
 * member that probed an unconfigured port would keep a NULL queue array and
 * fault in rte_eth_rx_burst once the port is started.
 */
void preconf_port(const char *name)
{
	struct rte_eth_dev_info info;
	struct rte_eth_conf conf;
	uint16_t port;

	if (dev_port_by_name(name, &port) != 0 || rte_eth_dev_info_get(port, &info) != 0)
		return;
	/* net_tap: a secondary's probe asks the primary for the fd of every
	 * configured queue; configured but not yet set up, a queue has none
	 * and the request fails. tap hands its queues over at probe instead. */
	if (info.driver_name && strcmp(info.driver_name, "net_tap") == 0)
		return;
	memset(&conf, 0, sizeof(conf));
	/* one queue each way: the queue count is start's (its configuration) */
	if (rte_eth_dev_configure(port, 1, 1, &conf) != 0)
		log_warn("%s: cannot configure before the members attach it; a data-path "
			 "worker will leave it alone in members that attach it now", name);
}
