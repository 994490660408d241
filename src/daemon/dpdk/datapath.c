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
#include "proto.h"
#include "queues.h"
#include "hotplugd.h"
#include "log.h"

#define BURST 32

struct queue_stats {
	uint64_t rx, tx, drop;
} __rte_cache_aligned;

static enum datapath_mode mode;
static unsigned nworkers;
static volatile bool stop;
/* per (port, queue): each written by the one lcore that holds the queue
 * (rx counts on the rx queue, tx and drop on the tx queue sent to) */
static struct queue_stats stats[RTE_MAX_ETHPORTS][HPD_QUEUES_MAX];
static uint16_t top[RTE_MAX_ETHPORTS]; /* queues counted, per port */
static uint8_t in_use[RTE_MAX_ETHPORTS][RTE_MAX_LCORE]; /* for list: polled by lcore */
static int claim_id;
/* what ports gone since counted (the totals survive the ports) */
static struct queue_stats retired;

static void count(uint64_t *c, uint64_t n)
{
	__atomic_store_n(c, *c + n, __ATOMIC_RELAXED);
}

/* rx queue q of from, to tx queue q of to when this member holds it
 * (else what came in is dropped: a member never touches a queue it does
 * not hold) */
static void forward(uint16_t from, uint16_t to, uint16_t q, bool tx, struct rte_mbuf **pkts)
{
	uint16_t n = queues_rx_burst(from, q, pkts, BURST), sent = 0;

	if (n == 0)
		return;
	count(&stats[from][q].rx, n);
	if (mode == DP_IO && tx) {
		sent = queues_tx_burst(to, q, pkts, n);
		count(&stats[to][q].tx, sent);
	}
	if (sent < n) {
		if (mode == DP_IO)
			count(&stats[to][q].drop, n - sent);
		rte_pktmbuf_free_bulk(pkts + sent, n - sent);
	}
}

/* io: ports paired in port order (0-1, 2-3, ...); rxonly: each its own */
static void pair_up(uint16_t *peer)
{
	uint16_t list[RTE_MAX_ETHPORTS];
	unsigned n = ports_usable(list, RTE_DIM(list));

	for (unsigned p = 0; p < RTE_MAX_ETHPORTS; p++)
		peer[p] = UINT16_MAX;
	for (unsigned i = 0; i < n; i++)
		peer[list[i]] = mode == DP_RXONLY ? list[i] :
				i % 2 ? list[i - 1] : i + 1 < n ? list[i + 1] : UINT16_MAX;
}

static int worker_main(void *arg)
{
	unsigned id = (unsigned)(uintptr_t)arg, n = 0;
	uint64_t seen = ~0ull;
	uint16_t peer[RTE_MAX_ETHPORTS];
	static __thread struct hpd_queue_use use[RTE_MAX_ETHPORTS * 8];
	struct rte_mbuf *pkts[BURST];

	ports_reader_online(id);
	queues_poller(id);
	while (!stop) {
		uint64_t gen = ports_usable_gen();

		if (gen != seen) {
			seen = gen;
			pair_up(peer);
			n = queues_mine(id, nworkers, use, RTE_DIM(use));
			for (unsigned p = 0; p < RTE_MAX_ETHPORTS; p++)
				in_use[p][id] = 0;
			for (unsigned i = 0; i < n; i++) {
				in_use[use[i].port][id] |= use[i].rx;
				if (use[i].queue >= top[use[i].port])
					top[use[i].port] = use[i].queue + 1;
			}
		}
		/* exactly the leased rx queues dealt to this lcore */
		for (unsigned i = 0; i < n; i++) {
			uint16_t to = peer[use[i].port];

			if (use[i].rx && to != UINT16_MAX)
				forward(use[i].port, to, use[i].queue,
					queues_tx_held(use, n, to, use[i].queue), pkts);
		}
		/* between bursts: nothing of a port is held here */
		ports_reader_quiescent(id);
	}
	ports_reader_offline(id);
	return 0;
}

int datapath_init(enum datapath_mode m, const char *pats, const char *rule)
{
	char reason[HPD_REASON_MAX + 1];
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
	/* the queues to poll, before polling: a worker polls only its leases */
	claim_id = proto_claim(pats, rule, 5000, reason, sizeof(reason));
	if (claim_id < 0) {
		log_err("--worker-queues %s: the primary refused the claim: %s (%s)",
			rule ? rule : "all", reason, strerror(-claim_id));
		ports_readers_fini();
		return claim_id;
	}
	RTE_LCORE_FOREACH_WORKER(lcore)
		rte_eal_remote_launch(worker_main, (void *)(uintptr_t)id++, lcore);
	log_notice("data path: %s on %u worker lcore(s), ports %s, queues %s (claim %d)",
		   mode == DP_IO ? "io forwarding" : "receive counting", nworkers, ports_patterns(),
		   rule ? rule : "all", claim_id);
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
	if (port < RTE_MAX_ETHPORTS) {
		/* no lcore polls a port id that is new here */
		for (unsigned q = 0; q < top[port]; q++) {
			retired.rx += stats[port][q].rx;
			retired.tx += stats[port][q].tx;
			retired.drop += stats[port][q].drop;
		}
		memset(stats[port], 0, sizeof(stats[port]));
		top[port] = 0;
	}
}

static bool polled(uint16_t port)
{
	for (unsigned i = 0; i < nworkers; i++)
		if (in_use[port][i])
			return true;
	return false;
}

json_t *datapath_port_json(uint16_t port)
{
	struct rte_eth_dev_info info;
	bool capable = rte_eth_dev_info_get(port, &info) == 0 &&
		       (hpd_is_primary() || ports_driver_capable(info.driver_name));
	uint64_t rx = 0, tx = 0, drop = 0;
	json_t *qs = json_array();

	for (unsigned q = 0; port < RTE_MAX_ETHPORTS && q < top[port]; q++) {
		const struct queue_stats *s = &stats[port][q];
		uint64_t r = __atomic_load_n(&s->rx, __ATOMIC_RELAXED),
			 t = __atomic_load_n(&s->tx, __ATOMIC_RELAXED),
			 d = __atomic_load_n(&s->drop, __ATOMIC_RELAXED);

		rx += r, tx += t, drop += d;
		if (r || t || d)
			json_array_append_new(qs, json_pack("{s:i, s:I, s:I, s:I}", "queue", q,
					      "rx", (json_int_t)r, "tx", (json_int_t)t,
					      "drop", (json_int_t)d));
	}
	return json_pack("{s:b, s:b, s:b, s:b, s:I, s:I, s:I, s:o}",
			 "datapath_here", capable, "ready", ports_ready(port),
			 "queues_here", ports_ready(port) && ports_queues_here(port),
			 "polled", mode != DP_NONE && port < RTE_MAX_ETHPORTS && polled(port),
			 "rx", (json_int_t)rx, "tx", (json_int_t)tx, "drop", (json_int_t)drop,
			 "queues", qs);
}

json_t *datapath_json(void)
{
	struct queue_stats t = retired;

	for (unsigned p = 0; p < RTE_MAX_ETHPORTS; p++)
		for (unsigned q = 0; q < top[p]; q++) {
			t.rx += __atomic_load_n(&stats[p][q].rx, __ATOMIC_RELAXED);
			t.tx += __atomic_load_n(&stats[p][q].tx, __ATOMIC_RELAXED);
			t.drop += __atomic_load_n(&stats[p][q].drop, __ATOMIC_RELAXED);
		}
	/* rx, tx, drop: every port this worker ever polled */
	return json_pack("{s:s, s:i, s:s, s:i, s:I, s:I, s:I}", "mode",
			 mode == DP_IO ? "io" : mode == DP_RXONLY ? "rxonly" : "none",
			 "workers", nworkers, "ports", mode == DP_NONE ? "" : ports_patterns(),
			 "claim", claim_id, "rx", (json_int_t)t.rx, "tx", (json_int_t)t.tx,
			 "drop", (json_int_t)t.drop);
}
