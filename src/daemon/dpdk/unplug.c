/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_dev.h>
#include <rte_ethdev.h>

#include "inbox.h"
#include "log.h"
#include "unplug.h"

static unplug_fn notify;
static bool monitoring, dev_cb;
static bool rmv_port[RTE_MAX_ETHPORTS]; /* our RMV callback is on it */

struct signal_item {
	const char *signal;
	char name[RTE_DEV_NAME_MAX_LEN];
};

static void deliver(void *arg)
{
	struct signal_item *s = arg;

	if (notify)
		notify(s->name, s->signal);
	free(s);
}

/* Interrupt thread: copy, hand over, nothing else (a detach from here would
 * wait on the interrupt thread itself). */
static void post(const char *name, const char *signal)
{
	struct signal_item *s = calloc(1, sizeof(*s));

	if (s == NULL || name == NULL) {
		free(s);
		return;
	}
	s->signal = signal;
	snprintf(s->name, sizeof(s->name), "%s", name);
	inbox_call(deliver, s);
}

/* The same callback serves the monitor's uevent and the vfio request.
 * The kernel sends "remove" once the device is gone from sysfs; while
 * vfio-pci waits for userspace it is still there (its driver link is not:
 * the kernel drops it before calling the driver's remove). */
static void on_dev_event(const char *name, enum rte_dev_event_type type, void *arg)
{
	char path[64 + RTE_DEV_NAME_MAX_LEN];

	(void)arg;
	if (type != RTE_DEV_EVENT_REMOVE || name == NULL)
		return;
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s", name);
	post(name, access(path, F_OK) == 0 ? "vfio-request" : "uevent-remove");
}

static int on_rmv(uint16_t port, enum rte_eth_event_type type, void *arg, void *ret)
{
	struct rte_eth_dev_info info;

	(void)type, (void)arg, (void)ret;
	if (rte_eth_dev_info_get(port, &info) == 0 && info.device)
		post(rte_dev_name(info.device), "rmv-interrupt");
	return 0;
}

/* The RMV callback goes on each port that can raise it, when that port is
 * configured, not on RTE_ETH_ALL: a registration for RTE_ETH_ALL puts a
 * callback in DPDK's heap for every possible port id, which changes which
 * pages a later rte_free() hands back, and giving pages back is a
 * synchronous round with every secondary (mp_malloc_sync) that a frozen or
 * dying member holds for DPDK's 5 s: an attach's rollback then outlived
 * its deadline (test_member_that_fails_its_rollback_is_fenced). Per port,
 * nothing is allocated for the virtual devices, which never raise it.
 * Device-job thread (ethdev's callback list has its own lock). */
bool unplug_port_has_rmv(uint16_t port)
{
	struct rte_eth_dev_info info;
	bool has = rte_eth_dev_info_get(port, &info) == 0 && info.dev_flags &&
		   (*info.dev_flags & RTE_ETH_DEV_INTR_RMV) != 0;

	/* ethdev keeps one registration of a (callback, argument) pair */
	if (has && notify && port < RTE_MAX_ETHPORTS && !rmv_port[port])
		rmv_port[port] = rte_eth_dev_callback_register(port, RTE_ETH_EVENT_INTR_RMV,
							       on_rmv, NULL) == 0;
	return has;
}

/* Test builds: HOTPLUGD_NO_FAILURE_HANDLER=1 leaves the SIGBUS remap off,
 * so that a test shows its removal case does fault a polling lcore. */
static bool no_failure_handler(void)
{
#ifdef HPD_FAULT_HOOKS
	return getenv("HOTPLUGD_NO_FAILURE_HANDLER") != NULL;
#else
	return false;
#endif
}

int unplug_init(bool primary, unplug_fn fn)
{
	int rc;

	/* every process maps the device: each needs the SIGBUS remap */
	if (no_failure_handler())
		log_warn("test build: DPDK's hotplug failure handler left off "
			 "(HOTPLUGD_NO_FAILURE_HANDLER)");
	else if (rte_dev_hotplug_handle_enable() != 0)
		log_warn("DPDK's hotplug failure handler could not be enabled: a worker polling "
			 "a device that is removed may die of SIGBUS");
	if (!primary)
		return 0;
	notify = fn;
	rc = rte_dev_event_monitor_start();
	if (rc)
		log_warn("DPDK's device event monitor did not start (%d); removals are seen "
			 "through the vfio request and hotplugd's own uevent socket", rc);
	monitoring = rc == 0;
	dev_cb = rte_dev_event_callback_register(NULL, on_dev_event, NULL) == 0;
	if (!dev_cb)
		log_warn("cannot register for DPDK's device events: a vfio-pci device being "
			 "removed waits for its unbind uevent");
	return 0;
}

void unplug_fini(void)
{
	for (uint16_t p = 0; p < RTE_MAX_ETHPORTS; p++)
		if (rmv_port[p]) /* a port released since: nothing to take off */
			rte_eth_dev_callback_unregister(p, RTE_ETH_EVENT_INTR_RMV, on_rmv, NULL);
	memset(rmv_port, 0, sizeof(rmv_port));
	/* -EAGAIN while the callback runs: DPDK's interrupt thread is done
	 * with it soon, and the process is leaving */
	if (dev_cb)
		rte_dev_event_callback_unregister(NULL, on_dev_event, (void *)-1);
	if (monitoring)
		rte_dev_event_monitor_stop();
	rte_dev_hotplug_handle_disable();
	notify = NULL;
	monitoring = dev_cb = false;
}
