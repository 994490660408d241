/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <fnmatch.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_rcu_qsbr.h>

#include "datapath.h"
#include "dev.h"
#include "hotplugd.h"
#include "log.h"

#define BURST 32

struct port_stats {
	uint64_t rx, tx, drop;
} __rte_cache_aligned;

static enum datapath_mode mode;
static char patterns[256];
static struct rte_rcu_qsbr *qsv;
static unsigned nworkers;
static volatile bool stop;
static uint8_t local_ok[RTE_MAX_ETHPORTS];  /* attached in this process */
static uint32_t local_gen;                  /* bumped on local_ok changes */
static struct port_stats stats[RTE_MAX_ETHPORTS];
static uint8_t in_use[RTE_MAX_ETHPORTS];     /* for list: a worker polls it */

/* af_packet, vhost and virtio-user set no rx/tx functions in a secondary in
 * DPDK 22.11: a worker leaves their ports alone. */
bool datapath_capable(const char *driver)
{
	static const char *const none[] = {"net_af_packet", "net_vhost", "net_virtio_user"};

	for (unsigned i = 0; i < sizeof(none) / sizeof(*none); i++)
		if (driver && strcmp(driver, none[i]) == 0)
			return false;
	return true;
}

/* This process's fast-path table has the port's queues (see
 * preconfigure() in dev.c for how it could not). */
static bool fastpath_ok(uint16_t port)
{
	const struct rte_eth_fp_ops *fp = &rte_eth_fp_ops[port];

	return fp->rxq.data != NULL && fp->rxq.data[0] != NULL &&
	       fp->txq.data != NULL && fp->txq.data[0] != NULL;
}

static bool wanted(uint16_t port)
{
	char name[RTE_ETH_NAME_MAX_LEN], pats[sizeof(patterns)], *p, *save;
	struct rte_eth_dev_info info;

	if (rte_eth_dev_get_name_by_port(port, name) != 0 ||
	    rte_eth_dev_info_get(port, &info) != 0 || !datapath_capable(info.driver_name))
		return false;
	snprintf(pats, sizeof(pats), "%s", patterns);
	for (p = strtok_r(pats, ",", &save); p; p = strtok_r(NULL, ",", &save))
		if (fnmatch(p, name, 0) == 0)
			return true;
	return false;
}

/* The ports a worker may use now, in port order. */
static unsigned usable(uint16_t *list)
{
	unsigned n = 0;

	for (uint16_t p = 0; p < RTE_MAX_ETHPORTS; p++)
		if (__atomic_load_n(&local_ok[p], __ATOMIC_ACQUIRE) && dev_ready(p) && wanted(p) &&
		    fastpath_ok(p))
			list[n++] = p;
	return n;
}

static void forward(uint16_t from, uint16_t to, struct rte_mbuf **pkts)
{
	uint16_t n = rte_eth_rx_burst(from, 0, pkts, BURST), sent;

	if (n == 0)
		return;
	stats[from].rx += n;
	if (mode == DP_RXONLY) {
		rte_pktmbuf_free_bulk(pkts, n);
		return;
	}
	sent = rte_eth_tx_burst(to, 0, pkts, n);
	stats[to].tx += sent;
	if (sent < n) {
		stats[to].drop += n - sent;
		rte_pktmbuf_free_bulk(pkts + sent, n - sent);
	}
}

static int worker_main(void *arg)
{
	unsigned id = (unsigned)(uintptr_t)arg, n = 0;
	uint32_t seen_shared = ~0u, seen_local = ~0u;
	uint16_t list[RTE_MAX_ETHPORTS];
	struct rte_mbuf *pkts[BURST];

	rte_rcu_qsbr_thread_register(qsv, id);
	rte_rcu_qsbr_thread_online(qsv, id);
	while (!stop) {
		uint32_t sg = dev_ready_gen(), lg = __atomic_load_n(&local_gen, __ATOMIC_ACQUIRE);

		if (sg != seen_shared || lg != seen_local) {
			seen_shared = sg;
			seen_local = lg;
			n = usable(list);
			/* worker 0 publishes which ports are polled */
			if (id == 0) {
				memset(in_use, 0, sizeof(in_use));
				for (unsigned i = 0; i < n; i++)
					in_use[list[i]] = 1;
			}
		}
		/* pairs of ports (io) or each port (rxonly), split among the
		 * workers by index */
		if (mode == DP_IO) {
			for (unsigned i = 2 * id; i + 1 < n; i += 2 * nworkers) {
				forward(list[i], list[i + 1], pkts);
				forward(list[i + 1], list[i], pkts);
			}
		} else {
			for (unsigned i = id; i < n; i += nworkers)
				forward(list[i], list[i], pkts);
		}
		/* between bursts: nothing of a port is held here */
		rte_rcu_qsbr_quiescent(qsv, id);
	}
	rte_rcu_qsbr_thread_offline(qsv, id);
	rte_rcu_qsbr_thread_unregister(qsv, id);
	return 0;
}

int datapath_init(enum datapath_mode m, const char *pats)
{
	unsigned lcore, id = 0;
	size_t sz;

	mode = m;
	if (mode == DP_NONE)
		return 0;
	snprintf(patterns, sizeof(patterns), "%s", pats && *pats ? pats : "*");
	nworkers = rte_lcore_count() - 1;
	if (nworkers == 0) {
		log_err("--worker needs a worker lcore besides the main one (e.g. --lcores 0@0,1@1)");
		return -EINVAL;
	}
	sz = rte_rcu_qsbr_get_memsize(nworkers);
	qsv = rte_zmalloc("hpd_qsbr", sz, RTE_CACHE_LINE_SIZE);
	if (qsv == NULL || rte_rcu_qsbr_init(qsv, nworkers) != 0)
		return -ENOMEM;
	RTE_LCORE_FOREACH_WORKER(lcore)
		rte_eal_remote_launch(worker_main, (void *)(uintptr_t)id++, lcore);
	log_notice("data path: %s on %u worker lcore(s), ports %s",
		   mode == DP_IO ? "io forwarding" : "receive counting", nworkers, patterns);
	return 0;
}

void datapath_fini(void)
{
	if (mode == DP_NONE)
		return;
	stop = true;
	rte_eal_mp_wait_lcore();
	rte_free(qsv);
}

bool datapath_enabled(void)
{
	return mode != DP_NONE;
}

void datapath_port_attached(uint16_t port)
{
	if (port >= RTE_MAX_ETHPORTS)
		return;
	if (!local_ok[port]) /* a new device on this port id: new counters */
		memset(&stats[port], 0, sizeof(stats[port]));
	__atomic_store_n(&local_ok[port], 1, __ATOMIC_RELEASE);
	__atomic_fetch_add(&local_gen, 1, __ATOMIC_RELEASE);
}

int datapath_quiesce(uint16_t port, bool leaving, int timeout_ms)
{
	struct timespec t0, t;
	uint64_t token;

	if (port >= RTE_MAX_ETHPORTS)
		return 0;
	/* a stop: the primary already cleared the shared ready flag; a local
	 * detach: this process's own flag goes too */
	if (leaving) {
		__atomic_store_n(&local_ok[port], 0, __ATOMIC_RELEASE);
		__atomic_fetch_add(&local_gen, 1, __ATOMIC_RELEASE);
	}
	if (mode == DP_NONE)
		return 0;
	/* every worker passes a quiescent state after the change: from then
	 * on none can be inside a burst on port */
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

json_t *datapath_port_json(uint16_t port)
{
	struct rte_eth_dev_info info;
	bool capable = rte_eth_dev_info_get(port, &info) == 0 &&
		       (hpd_is_primary() || datapath_capable(info.driver_name));

	return json_pack("{s:b, s:b, s:b, s:b, s:I, s:I, s:I}",
			 "datapath_here", capable, "ready", dev_ready(port),
			 "queues_here", dev_ready(port) && fastpath_ok(port),
			 "polled", mode != DP_NONE && in_use[port],
			 "rx", (json_int_t)stats[port].rx, "tx", (json_int_t)stats[port].tx,
			 "drop", (json_int_t)stats[port].drop);
}

json_t *datapath_json(void)
{
	return json_pack("{s:s, s:i, s:s}", "mode",
			 mode == DP_IO ? "io" : mode == DP_RXONLY ? "rxonly" : "none",
			 "workers", nworkers, "ports", mode == DP_NONE ? "" : patterns);
}
