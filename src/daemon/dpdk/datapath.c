/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "datapath.h"
#include "ports.h"
#include "hotplugd.h"
#include "log.h"

#define BURST 32

struct port_stats {
	uint64_t rx, tx, drop;
} __rte_cache_aligned;

static enum datapath_mode mode;
static unsigned nworkers;
static volatile bool stop;
static struct port_stats stats[RTE_MAX_ETHPORTS];
static uint8_t in_use[RTE_MAX_ETHPORTS];     /* for list: a worker polls it */

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
	uint64_t seen = ~0ull;
	uint16_t list[RTE_MAX_ETHPORTS];
	struct rte_mbuf *pkts[BURST];

	ports_reader_online(id);
	while (!stop) {
		uint64_t gen = ports_usable_gen();

		if (gen != seen) {
			seen = gen;
			n = ports_usable(list, RTE_DIM(list));
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
		ports_reader_quiescent(id);
	}
	ports_reader_offline(id);
	return 0;
}

int datapath_init(enum datapath_mode m, const char *pats)
{
	unsigned lcore, id = 0;
	int rc;

	mode = m;
	if (mode == DP_NONE)
		return 0;
	ports_set_patterns(pats);
	nworkers = rte_lcore_count() - 1;
	if (nworkers == 0) {
		log_err("--worker needs a worker lcore besides the main one (e.g. --lcores 0@0,1@1)");
		return -EINVAL;
	}
	if ((rc = ports_readers_init(nworkers)) != 0)
		return rc;
	RTE_LCORE_FOREACH_WORKER(lcore)
		rte_eal_remote_launch(worker_main, (void *)(uintptr_t)id++, lcore);
	log_notice("data path: %s on %u worker lcore(s), ports %s",
		   mode == DP_IO ? "io forwarding" : "receive counting", nworkers, ports_patterns());
	return 0;
}

void datapath_fini(void)
{
	if (mode == DP_NONE)
		return;
	stop = true;
	rte_eal_mp_wait_lcore();
	ports_readers_fini();
}

bool datapath_enabled(void)
{
	return mode != DP_NONE;
}

void datapath_port_new(uint16_t port)
{
	if (port < RTE_MAX_ETHPORTS)
		memset(&stats[port], 0, sizeof(stats[port]));
}

json_t *datapath_port_json(uint16_t port)
{
	struct rte_eth_dev_info info;
	bool capable = rte_eth_dev_info_get(port, &info) == 0 &&
		       (hpd_is_primary() || ports_driver_capable(info.driver_name));

	return json_pack("{s:b, s:b, s:b, s:b, s:I, s:I, s:I}",
			 "datapath_here", capable, "ready", ports_ready(port),
			 "queues_here", ports_ready(port) && ports_queues_here(port),
			 "polled", mode != DP_NONE && in_use[port],
			 "rx", (json_int_t)stats[port].rx, "tx", (json_int_t)stats[port].tx,
			 "drop", (json_int_t)stats[port].drop);
}

json_t *datapath_json(void)
{
	return json_pack("{s:s, s:i, s:s}", "mode",
			 mode == DP_IO ? "io" : mode == DP_RXONLY ? "rxonly" : "none",
			 "workers", nworkers, "ports", mode == DP_NONE ? "" : ports_patterns());
}
