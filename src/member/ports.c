/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <fnmatch.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_malloc.h>
#include <rte_memzone.h>
#include <rte_rcu_qsbr.h>

#include "ports.h"
#include "queues.h"
#include "roster.h"

static struct hpd_ports_mz *table;
static char patterns[256] = "*";
static struct rte_rcu_qsbr *qsv;
static unsigned nreaders;
/* attached here, and wanted by this process's workers; written by the one
 * thread that attaches and detaches, read by the readers */
static uint8_t local_ok[RTE_MAX_ETHPORTS];
static uint8_t local_want[RTE_MAX_ETHPORTS];
static uint32_t local_gen;

int ports_table_init(bool primary)
{
	const struct rte_memzone *mz;

	if (primary)
		mz = rte_memzone_reserve(HPD_PORTS_MZ, sizeof(*table), SOCKET_ID_ANY, 0);
	else
		mz = rte_memzone_lookup(HPD_PORTS_MZ);
	if (mz == NULL)
		return primary ? -rte_errno : -ENOENT;
	table = mz->addr;
	if (primary)
		memset(table, 0, sizeof(*table));
	/* the members' own lists and the queue leases, beside the primary's
	 * table */
	int rc = roster_init(primary);

	if (rc == 0 || rc == -ENOENT)
		rc = queues_table_init(primary);
	return rc == -ENOENT ? 0 : rc;
}

struct hpd_ports_mz *ports_table(void)
{
	return table;
}

void ports_set_ready(uint16_t port, bool ready)
{
	if (port >= RTE_MAX_ETHPORTS || table->port[port].ready == ready)
		return;
	__atomic_store_n(&table->port[port].ready, ready, __ATOMIC_RELEASE);
	/* workers see the flag before the new generation */
	__atomic_fetch_add(&table->gen, 1, __ATOMIC_RELEASE);
}

void ports_record(uint16_t port, const char *device, const char *devargs)
{
	struct hpd_port_state *s;

	if (port >= RTE_MAX_ETHPORTS)
		return;
	s = &table->port[port];
	snprintf(s->device, sizeof(s->device), "%s", device ? device : "");
	snprintf(s->devargs, sizeof(s->devargs), "%s", devargs ? devargs : "");
	s->gen++;
}

void ports_set_queues(uint16_t port, uint16_t nb_rxq, uint16_t nb_txq)
{
	if (port >= RTE_MAX_ETHPORTS)
		return;
	table->port[port].nb_rxq = nb_rxq;
	table->port[port].nb_txq = nb_txq;
}

bool ports_ready(uint16_t port)
{
	return port < RTE_MAX_ETHPORTS &&
	       __atomic_load_n(&table->port[port].ready, __ATOMIC_ACQUIRE);
}

uint32_t ports_ready_gen(void)
{
	return __atomic_load_n(&table->gen, __ATOMIC_ACQUIRE);
}

static bool wanted(uint16_t port);

void ports_set_patterns(const char *pats)
{
	snprintf(patterns, sizeof(patterns), "%s", pats && *pats ? pats : "*");
	for (uint16_t p = 0; p < RTE_MAX_ETHPORTS; p++)
		local_want[p] = local_ok[p] && wanted(p);
	__atomic_fetch_add(&local_gen, 1, __ATOMIC_RELEASE);
}

const char *ports_patterns(void)
{
	return patterns;
}

/* af_packet, vhost and virtio-user set no rx/tx functions in a secondary in
 * DPDK 22.11: a worker leaves their ports alone. */
bool ports_driver_capable(const char *driver)
{
	static const char *const none[] = {"net_af_packet", "net_vhost", "net_virtio_user"};

	for (unsigned i = 0; i < sizeof(none) / sizeof(*none); i++)
		if (driver && strcmp(driver, none[i]) == 0)
			return false;
	return true;
}

/* A secondary copies the queue arrays into its fast-path table when it
 * probes a port: a port the primary had not configured then has none here
 * (see preconfigure() in the daemon's dev.c). */
bool ports_queues_here(uint16_t port)
{
	const struct rte_eth_fp_ops *fp = &rte_eth_fp_ops[port];

	return fp->rxq.data != NULL && fp->rxq.data[0] != NULL &&
	       fp->txq.data != NULL && fp->txq.data[0] != NULL;
}

/* Decided once, at attach, on the attaching thread: the readers then only
 * test flags (an rte_eth_dev_info_get per port on the polling core was a
 * measurable cost under churn). */
static bool wanted(uint16_t port)
{
	char name[RTE_ETH_NAME_MAX_LEN], pats[sizeof(patterns)], *p, *save;
	struct rte_eth_dev_info info;

	if (rte_eth_dev_get_name_by_port(port, name) != 0 ||
	    rte_eth_dev_info_get(port, &info) != 0 || !ports_driver_capable(info.driver_name))
		return false;
	snprintf(pats, sizeof(pats), "%s", patterns);
	for (p = strtok_r(pats, ",", &save); p; p = strtok_r(NULL, ",", &save))
		if (fnmatch(p, name, 0) == 0)
			return true;
	return false;
}

void ports_local_attached(uint16_t port)
{
	if (port >= RTE_MAX_ETHPORTS)
		return;
	local_want[port] = wanted(port);
	__atomic_store_n(&local_ok[port], 1, __ATOMIC_RELEASE);
	__atomic_fetch_add(&local_gen, 1, __ATOMIC_RELEASE);
}

void ports_local_changed(void)
{
	__atomic_fetch_add(&local_gen, 1, __ATOMIC_RELEASE);
}

int ports_readers_init(unsigned n)
{
	size_t sz;

	if (n == 0 || n > RTE_MAX_LCORE)
		return -EINVAL;
	sz = rte_rcu_qsbr_get_memsize(n);
	qsv = rte_zmalloc("hpd_qsbr", sz, RTE_CACHE_LINE_SIZE);
	if (qsv == NULL)
		return -ENOMEM;
	if (rte_rcu_qsbr_init(qsv, n) != 0) {
		rte_free(qsv);
		qsv = NULL;
		return -EINVAL;
	}
	nreaders = n;
	return 0;
}

void ports_readers_fini(void)
{
	rte_free(qsv);
	qsv = NULL;
	nreaders = 0;
}

unsigned ports_readers(void)
{
	return nreaders;
}

void ports_reader_online(unsigned id)
{
	rte_rcu_qsbr_thread_register(qsv, id);
	rte_rcu_qsbr_thread_online(qsv, id);
}

void ports_reader_offline(unsigned id)
{
	rte_rcu_qsbr_thread_offline(qsv, id);
	rte_rcu_qsbr_thread_unregister(qsv, id);
}

#ifdef HPD_FAULT_HOOKS
/*
 * Test builds only (meson -Dfault_hooks=true): HOTPLUGD_SLOW_BURST_US=N
 * makes every reader's bursts last N us longer, and checks at their end
 * that no port the reader held was stopped or removed meanwhile - which is
 * exactly what quiescing must prevent - aborting if one was. Widening the
 * window from nanoseconds to milliseconds lets a test catch a missing or
 * early quiesce that would otherwise only corrupt memory once in a while.
 */
static __thread uint16_t held[RTE_MAX_ETHPORTS];
static __thread unsigned nheld;

static void hold(const uint16_t *list, unsigned n)
{
	memcpy(held, list, n * sizeof(*list));
	nheld = n;
}

static void check_burst(void)
{
	static int slow_us = -1;

	if (slow_us < 0) {
		const char *e = getenv("HOTPLUGD_SLOW_BURST_US");

		slow_us = e ? atoi(e) : 0;
	}
	if (slow_us == 0)
		return;
	rte_delay_us_sleep(slow_us);
	for (unsigned i = 0; i < nheld; i++) {
		uint16_t p = held[i];

		if (!__atomic_load_n(&table->port[p].started, __ATOMIC_ACQUIRE) ||
		    !rte_eth_dev_is_valid_port(p)) {
			RTE_LOG(CRIT, USER1, "hotplugd: port %u was stopped or removed while a "
				"reader was inside a burst on it\n", p);
			abort();
		}
	}
}
#else
static void hold(const uint16_t *list, unsigned n)
{
	(void)list, (void)n;
}

static void check_burst(void)
{
}
#endif

void ports_reader_quiescent(unsigned id)
{
	check_burst();
	rte_rcu_qsbr_quiescent(qsv, id);
}

uint64_t ports_usable_gen(void)
{
	/* both counts only grow: their sum changes when either does */
	return (uint64_t)ports_ready_gen() << 32 |
	       (uint32_t)(__atomic_load_n(&local_gen, __ATOMIC_ACQUIRE) + queues_gen());
}

unsigned ports_usable(uint16_t *list, unsigned max)
{
	unsigned n = 0;

	for (uint16_t p = 0; p < RTE_MAX_ETHPORTS && n < max; p++)
		if (__atomic_load_n(&local_ok[p], __ATOMIC_ACQUIRE) && local_want[p] &&
		    ports_ready(p) && ports_queues_here(p))
			list[n++] = p;
	hold(list, n);
	return n;
}

int ports_wait_readers(int timeout_ms)
{
	struct timespec t0, t;
	uint64_t token;

	if (qsv == NULL)
		return 0;
	/* every reader passes a quiescent state after the change: from then
	 * on none can be inside a burst on what the change withdrew */
	token = rte_rcu_qsbr_start(qsv);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (!rte_rcu_qsbr_check(qsv, token, false)) {
		clock_gettime(CLOCK_MONOTONIC, &t);
		if ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000 > timeout_ms)
			return -ETIMEDOUT;
		sched_yield();
	}
	return 0;
}

int ports_quiesce(uint16_t port, bool leaving, int timeout_ms)
{
	if (port >= RTE_MAX_ETHPORTS)
		return 0;
	/* a stop: the primary already cleared the shared ready flag; a local
	 * detach: this process's own flag goes too */
	if (leaving) {
		__atomic_store_n(&local_ok[port], 0, __ATOMIC_RELEASE);
		__atomic_fetch_add(&local_gen, 1, __ATOMIC_RELEASE);
	}
	return ports_wait_readers(timeout_ms);
}
