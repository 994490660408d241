/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The EAL's clean-up at exit, and the one DPDK bug that makes it unsafe.
 *
 * DPDK 24.07 moved the state of vhost's event thread (its fdset) into DPDK
 * memory (rte_zmalloc) and nothing ever stops that thread: it wakes from
 * epoll_wait at least once a second and reads the fdset, so once
 * rte_eal_cleanup() has unmapped DPDK memory the process faults on its way
 * out (reliably under ASan, whose exit is slow). Closing the vhost ports
 * first does not help there: unregistering the last vhost socket leaves the
 * thread running. Fixed upstream by 73ea44370d ("vhost: fix use-after-free
 * race during cleanup": the last unregister joins the thread) and
 * 21d9fb6bad ("vhost: fix use-after-free fdset during shutdown": the fdset
 * in libc memory), released in 26.03 and backported to 24.11.5 and 25.11.1;
 * the same crash from SPDK: https://github.com/spdk/spdk/issues/3418.
 * Before 24.07 the fdset was a static of the vhost library: no problem.
 */
#ifndef HPD_EAL_EXIT_H
#define HPD_EAL_EXIT_H

#include <stdbool.h>

/* Does DPDK year.month.minor (24.11.0 is 24, 11, 0) have that bug? */
static inline bool eal_exit_vhost_bug(unsigned year, unsigned month, unsigned minor)
{
	unsigned v = year * 100 + month;

	if (v < 2407 || v >= 2603)
		return false;
	if (v == 2411)
		return minor < 5;
	if (v == 2511)
		return minor < 1;
	return true; /* 24.07 and the releases up to 25.07: never fixed */
}

/* rte_eal_cleanup(), unless this process runs a DPDK with the bug above
 * and vhost's event thread was started (a net_vhost port was probed here):
 * then the EAL's memory is left to the exit, which unmaps it once no
 * thread runs, and the log says why. */
void eal_exit_cleanup(void);

#endif
