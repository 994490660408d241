/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Why a member holds. A secondary copies a port's queue arrays into its
 * fast-path table only when it probes the port (eth_dev_fp_ops_setup, in
 * every DPDK from 22.11 to 25.11). A PCI device is probed in the
 * secondaries by the EAL, inside the primary's own rte_dev_probe(): before
 * the primary could configure the port, so the secondary's table kept no
 * queues and its lcores never polled the port (a device that arrived, or
 * any PCI attach after the member joined).
 *
 * The EAL runs the primary's hotplug requests in a secondary's interrupt
 * thread (an alarm: lib/eal/common/hotplug_mp.c). So before it probes a
 * PCI device the primary has every member hold: an alarm of ours takes
 * the interrupt thread and waits there until the primary, having
 * configured the new port, says UNHOLD, and the EAL's probe that queued
 * behind it then finds the queue arrays. The primary waits for the members'
 * answers to that probe meanwhile (the EAL gives them 5 s), so the hold is
 * bounded by HPD_HOLD_MAX_MS whatever happens to the primary; a member
 * whose hold ran out probes as it did before. Only the interrupt thread
 * waits: the mp thread (liveness, DPDK's memory sync) and the lcores run.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_alarm.h>
#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_log.h>

#include "hold.h"
#include "proto.h"

static int holding;

static void ack(uint64_t seq, int rc)
{
	struct hpd_mp_msg a;

	proto_msg_init(&a, HPD_MP_ACK, seq);
	a.h.rc = rc;
	if (rc)
		snprintf(a.u.reason, sizeof(a.u.reason), "cannot hold the EAL's hotplug "
			 "requests: %s", rte_strerror(-rc));
	proto_send(HPD_MP_TO_PRIMARY, &a);
}

/* The interrupt thread, until UNHOLD or the deadline. */
static void hold_here(void *arg)
{
	uint64_t end = rte_get_timer_cycles() + rte_get_timer_hz() * HPD_HOLD_MAX_MS / 1000;

	ack((uint64_t)(uintptr_t)arg, 0);
	while (__atomic_load_n(&holding, __ATOMIC_ACQUIRE) && rte_get_timer_cycles() < end)
		rte_delay_us_sleep(100);
	if (__atomic_exchange_n(&holding, 0, __ATOMIC_ACQ_REL))
		RTE_LOG(WARNING, USER1, "hotplugd: the primary did not end its hold within %d ms; "
			"the EAL's requests go on\n", HPD_HOLD_MAX_MS);
}

#ifdef HPD_FAULT_HOOKS
/* Test builds: HOTPLUGD_FAULT=fail:hold refuses every hold. */
static bool refused(void)
{
	const char *f = getenv("HOTPLUGD_FAULT");

	return f && strcmp(f, "fail:hold") == 0;
}
#else
static bool refused(void)
{
	return false;
}
#endif

void hold_begin(const struct hpd_mp_msg *m)
{
	int rc;

	if (refused()) {
		ack(m->h.seq, -EIO);
		return;
	}

	/* one hold at a time: a HOLD while holding is answered at once */
	if (__atomic_exchange_n(&holding, 1, __ATOMIC_ACQ_REL)) {
		ack(m->h.seq, 0);
		return;
	}
	rc = rte_eal_alarm_set(1, hold_here, (void *)(uintptr_t)m->h.seq);
	if (rc) {
		__atomic_store_n(&holding, 0, __ATOMIC_RELEASE);
		ack(m->h.seq, rc < 0 ? rc : -rte_errno);
	}
}

void hold_end(void)
{
	__atomic_store_n(&holding, 0, __ATOMIC_RELEASE);
}
