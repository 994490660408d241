/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A new port configured before the members probe it, so that their
 * fast-path tables get its queue arrays: vdevs between the primary's probe
 * and the members' attach round, PCI devices while the members hold the
 * EAL's probe (src/member/hold.c).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <rte_alarm.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>

#include "dev.h"
#include "hold.h"
#include "log.h"
#include "mp.h"
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

/*
 * A PCI port configured as soon as it exists, while the members hold the
 * EAL's probe of it (src/member/hold.c explains why): the probing thread is
 * inside rte_dev_probe() until the members have answered, so an alarm in
 * the EAL's interrupt thread watches for the port, configures it and lets
 * the members go (UNHOLD). A probe that fails, or a port that does not show
 * up, lets them go when rte_dev_probe() returns; they never hold longer
 * than HPD_HOLD_MAX_MS anyway.
 */
#define EARLY_POLL_US 200

enum { EARLY_IDLE, EARLY_WAITING, EARLY_DONE };
static struct {
	char name[RTE_DEV_NAME_MAX_LEN];
	uint64_t until;
	int state;
} early;

static void unhold(void)
{
	struct hpd_mp_msg m;

	mp_msg_init(&m, HPD_MP_UNHOLD, 0);
	mp_broadcast(&m);
}

/* EAL interrupt thread */
static void early_poll(void *arg)
{
	uint16_t port;

	(void)arg;
	if (__atomic_load_n(&early.state, __ATOMIC_ACQUIRE) != EARLY_WAITING)
		return;
	if (dev_port_by_name(early.name, &port) == 0) {
		preconf_port(early.name);
		__atomic_store_n(&early.state, EARLY_DONE, __ATOMIC_RELEASE);
		unhold();
		return;
	}
	if (rte_get_timer_cycles() < early.until)
		rte_eal_alarm_set(EARLY_POLL_US, early_poll, NULL);
}

void preconf_early_arm(const char *name)
{
	snprintf(early.name, sizeof(early.name), "%s", name);
	early.until = rte_get_timer_cycles() + rte_get_timer_hz() * HPD_HOLD_MAX_MS / 1000;
	__atomic_store_n(&early.state, EARLY_WAITING, __ATOMIC_RELEASE);
	if (rte_eal_alarm_set(EARLY_POLL_US, early_poll, NULL) != 0)
		__atomic_store_n(&early.state, EARLY_IDLE, __ATOMIC_RELEASE);
}

/* Probing thread, rte_dev_probe() returned: no early_poll runs after this
 * (a cancel from another thread waits for one that is running). */
bool preconf_early_disarm(void)
{
	bool done = __atomic_exchange_n(&early.state, EARLY_IDLE, __ATOMIC_ACQ_REL) == EARLY_DONE;

	rte_eal_alarm_cancel(early_poll, (void *)-1);
	unhold();
	return done;
}
