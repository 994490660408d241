/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <sys/mman.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_log.h>
#include <rte_memzone.h>
#include <rte_spinlock.h>

#include "ports.h"
#include "queues.h"

static struct hpd_leases_mz *table;
/* claims this process withdrew from its pollers before their release (one
 * thread writes, the readers test; a withdrawn claim is never granted
 * again: claim ids are not reused) */
#define WITHDRAWN_MAX 64
static uint32_t withdrawn[WITHDRAWN_MAX];
static unsigned nwithdrawn;
/* every claim up to this id is withdrawn (a release of all; ids grow) */
static uint32_t withdrawn_upto, newest;

int queues_table_init(bool primary)
{
	const struct rte_memzone *mz;

	mz = primary ? rte_memzone_reserve(HPD_LEASES_MZ, sizeof(*table), SOCKET_ID_ANY, 0)
		     : rte_memzone_lookup(HPD_LEASES_MZ);
	if (mz == NULL)
		return primary ? -rte_errno : -ENOENT;
	table = mz->addr;
	if (primary)
		memset(table, 0, sizeof(*table));
	return 0;
}

struct hpd_leases_mz *queues_table(void)
{
	return table;
}

uint32_t queues_gen(void)
{
	return table ? __atomic_load_n(&table->gen, __ATOMIC_ACQUIRE) : 0;
}

static bool is_withdrawn(uint32_t claim)
{
	unsigned n = __atomic_load_n(&nwithdrawn, __ATOMIC_ACQUIRE);

	if (claim <= __atomic_load_n(&withdrawn_upto, __ATOMIC_ACQUIRE))
		return true;
	for (unsigned i = 0; i < n; i++)
		if (withdrawn[i] == claim)
			return true;
	return false;
}

void queues_claimed(uint32_t claim)
{
	if (claim > newest)
		newest = claim;
}

void queues_withdraw(uint32_t claim)
{
	if (claim == 0 || nwithdrawn == WITHDRAWN_MAX) /* full: all, the safe side */
		__atomic_store_n(&withdrawn_upto, newest, __ATOMIC_RELEASE);
	else {
		withdrawn[nwithdrawn] = claim;
		__atomic_store_n(&nwithdrawn, nwithdrawn + 1, __ATOMIC_RELEASE);
	}
	ports_local_changed();
}

static bool no_lease_check(void)
{
#ifdef HPD_FAULT_HOOKS
	static int off = -1;

	if (off < 0)
		off = getenv("HOTPLUGD_NO_LEASE_CHECK") != NULL;
	return off;
#else
	return false;
#endif
}

/* Held here: leased to this pid by a claim it did not withdraw, and the
 * queue is set up in this process's fast-path table. */
static bool held(uint16_t port, enum hpd_qdir d, uint16_t q, int32_t self)
{
	const struct hpd_queue_slot *s = &table->port[port].q[d][q];
	const struct rte_eth_fp_ops *fp = &rte_eth_fp_ops[port];
	void **data = d == HPD_QRX ? fp->rxq.data : fp->txq.data;

	if (data == NULL || data[q] == NULL)
		return false;
	if (no_lease_check())
		return true;
	return __atomic_load_n(&s->owner, __ATOMIC_ACQUIRE) == self && !is_withdrawn(s->claim);
}

unsigned queues_mine(unsigned id, unsigned n, struct hpd_queue_use *out, unsigned max)
{
	uint16_t ports[RTE_MAX_ETHPORTS];
	unsigned np, k = 0, rank = 0, top = 0;
	int32_t self = (int32_t)getpid();

	if (table == NULL || n == 0)
		return 0;
	np = ports_usable(ports, RTE_DIM(ports));
	for (unsigned i = 0; i < np; i++)
		for (unsigned d = 0; d < 2; d++)
			top = RTE_MAX(top, (unsigned)table->port[ports[i]].nq[d]);
	/* queue number by queue number: the k-th number any port has here
	 * goes to lcore k % n */
	for (unsigned q = 0; q < top && q < HPD_QUEUES_MAX; q++) {
		bool any = false;

		for (unsigned i = 0; i < np; i++) {
			const struct hpd_leases_port *lp = &table->port[ports[i]];
			bool rx = q < lp->nq[HPD_QRX] && held(ports[i], HPD_QRX, q, self);
			bool tx = q < lp->nq[HPD_QTX] && held(ports[i], HPD_QTX, q, self);

			if (!rx && !tx)
				continue;
			any = true;
			if (rank % n == id && k < max)
				out[k++] = (struct hpd_queue_use){.port = ports[i], .queue = q,
								  .rx = rx, .tx = tx};
		}
		rank += any;
	}
	return k;
}

bool queues_tx_held(const struct hpd_queue_use *use, unsigned n, uint16_t port,
		    uint16_t queue)
{
	for (unsigned i = 0; i < n; i++)
		if (use[i].port == port && use[i].queue == queue)
			return use[i].tx;
	return false;
}

#ifdef HPD_FAULT_HOOKS
static __thread uint64_t me;

void queues_poller(unsigned id)
{
	me = (uint64_t)getpid() << 20 | (id + 1);
}

/* Two pollers inside bursts on one queue: counted in the shared table (what
 * `hpctl queues` shows) and logged once per process. */
static void violation(uint16_t port, enum hpd_qdir d, uint16_t q, uint64_t other)
{
	static bool told;

	__atomic_fetch_add(&table->violations, 1, __ATOMIC_RELAXED);
	if (!told) {
		told = true;
		RTE_LOG(CRIT, USER1, "hotplugd: %s queue %u of port %u polled by pid %d and pid "
			"%d at once\n", d == HPD_QRX ? "rx" : "tx", q, port, (int)(me >> 20),
			(int)(other >> 20));
	}
}

static void enter(uint16_t port, enum hpd_qdir d, uint16_t q)
{
	uint64_t old = __atomic_exchange_n(&table->token[port][d][q], me, __ATOMIC_ACQ_REL);

	if (old != 0 && old != me)
		violation(port, d, q, old);
}

/*
 * HOTPLUGD_BURST_TOUCHES_DEVICE: every rx burst also reads the port's
 * counters, which PCI drivers such as e1000 read from the device's
 * registers, so a burst touches the BARs whether or not packets came.
 * "=revoke" also does what a kernel that revokes a removed device's BAR
 * mappings would do, which this project's guest kernel (6.1, uio) does
 * not (its sysfs resource mappings stay, reading a vanished range): once
 * /sys/bus/pci/devices/ADDR/resource0 is gone, the process's mappings of
 * it are replaced by ones that fault (a memfd of size 0), and the next
 * burst takes the SIGBUS that DPDK's hotplug failure handler must absorb.
 */
static void revoke_bars(const char *name)
{
	char line[512], pat[RTE_ETH_NAME_MAX_LEN + 16];
	unsigned long lo[8], hi[8];
	unsigned n = 0;
	FILE *f = fopen("/proc/self/maps", "re");
	int fd;

	if (f == NULL)
		return;
	snprintf(pat, sizeof(pat), "/%s/resource", name);
	while (n < RTE_DIM(lo) && fgets(line, sizeof(line), f))
		if (strstr(line, pat) && sscanf(line, "%lx-%lx", &lo[n], &hi[n]) == 2)
			n++;
	fclose(f); /* before the map changes */
	fd = memfd_create("hpd-revoked", MFD_CLOEXEC);
	for (unsigned i = 0; fd >= 0 && i < n; i++)
		mmap((void *)lo[i], hi[i] - lo[i], PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
		     fd, 0);
	if (fd >= 0)
		close(fd);
	RTE_LOG(NOTICE, USER1, "hotplugd: test build: %s is gone from sysfs: %u BAR "
		"mapping(s) revoked\n", name, n);
}

static void touch_device(uint16_t port)
{
	static int on = -1;
	static bool revoke, seen[RTE_MAX_ETHPORTS], revoked[RTE_MAX_ETHPORTS];
	char name[RTE_ETH_NAME_MAX_LEN], path[RTE_ETH_NAME_MAX_LEN + 48];
	struct rte_eth_stats st;

	if (on < 0) {
		const char *e = getenv("HOTPLUGD_BURST_TOUCHES_DEVICE");

		on = e != NULL;
		revoke = e && strcmp(e, "revoke") == 0;
		if (on)
			RTE_LOG(NOTICE, USER1, "hotplugd: test build: every rx burst also reads "
				"its port's counters%s\n", revoke ? "; BARs revoked at removal" : "");
	}
	if (!on)
		return;
	if (revoke && !revoked[port] && rte_eth_dev_get_name_by_port(port, name) == 0) {
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/resource0", name);
		/* a PCI device (seen with its BARs before: not a vdev) going */
		if (access(path, F_OK) == 0)
			seen[port] = true;
		else if (seen[port]) {
			revoked[port] = true;
			revoke_bars(name);
		}
	}
	rte_eth_stats_get(port, &st);
}

static void leave(uint16_t port, enum hpd_qdir d, uint16_t q)
{
	uint64_t expect = me;

	/* someone else entered while this poller was inside */
	if (!__atomic_compare_exchange_n(&table->token[port][d][q], &expect, 0, false,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		violation(port, d, q, expect);
}

#endif

/* One burst, inside the owner tokens in test builds. */
static uint16_t burst(enum hpd_qdir d, uint16_t port, uint16_t queue, struct rte_mbuf **pkts,
		      uint16_t n)
{
	uint16_t done;

#ifdef HPD_FAULT_HOOKS
	enter(port, d, queue);
#endif
	done = d == HPD_QRX ? rte_eth_rx_burst(port, queue, pkts, n)
			    : rte_eth_tx_burst(port, queue, pkts, n);
#ifdef HPD_FAULT_HOOKS
	if (d == HPD_QRX)
		touch_device(port);
	leave(port, d, queue);
#endif
	return done;
}

uint8_t queues_cold[RTE_MAX_ETHPORTS];
static rte_spinlock_t cold_lock[RTE_MAX_ETHPORTS]; /* zero: unlocked */

bool queues_driver_lazy(const char *driver)
{
	return driver && strcmp(driver, "net_memif") == 0;
}

uint16_t queues_cold_burst(enum hpd_qdir d, uint16_t port, uint16_t queue,
			   struct rte_mbuf **pkts, uint16_t n)
{
	uint16_t done;

	rte_spinlock_lock(&cold_lock[port]);
	done = burst(d, port, queue, pkts, n);
	if (done > 0)
		__atomic_store_n(&queues_cold[port], 0, __ATOMIC_RELEASE);
	rte_spinlock_unlock(&cold_lock[port]);
	return done;
}

#ifdef HPD_FAULT_HOOKS
uint16_t queues_rx_burst(uint16_t port, uint16_t queue, struct rte_mbuf **pkts, uint16_t n)
{
	if (table == NULL || port >= RTE_MAX_ETHPORTS || queue >= HPD_QUEUES_MAX)
		return rte_eth_rx_burst(port, queue, pkts, n);
	if (__atomic_load_n(&queues_cold[port], __ATOMIC_ACQUIRE))
		return queues_cold_burst(HPD_QRX, port, queue, pkts, n);
	return burst(HPD_QRX, port, queue, pkts, n);
}

uint16_t queues_tx_burst(uint16_t port, uint16_t queue, struct rte_mbuf **pkts, uint16_t n)
{
	if (table == NULL || port >= RTE_MAX_ETHPORTS || queue >= HPD_QUEUES_MAX)
		return rte_eth_tx_burst(port, queue, pkts, n);
	if (__atomic_load_n(&queues_cold[port], __ATOMIC_ACQUIRE))
		return queues_cold_burst(HPD_QTX, port, queue, pkts, n);
	return burst(HPD_QTX, port, queue, pkts, n);
}
#endif
