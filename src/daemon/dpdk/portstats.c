/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_version.h>

#include "datapath.h"
#include "dev.h"
#include "devjob.h"
#include "portstats.h"

/* Per-queue ethdev counters: struct rte_eth_stats' q_* arrays up to DPDK
 * 25.11, which removed them for the generic xstats ("rx_q<N>_packets" ...,
 * what those arrays filled). One object a queue, from queue 0 up to the
 * first one ethdev does not count; none is an empty array. */
struct qcount {
	uint64_t packets, bytes, errors;
	bool seen;
};

static json_t *queues_json(const struct qcount *c, uint16_t n, bool errors)
{
	json_t *a = json_array();

	for (uint16_t q = 0; q < n && c[q].seen; q++) {
		json_t *o = json_pack("{s:I, s:I}", "packets", (json_int_t)c[q].packets,
				      "bytes", (json_int_t)c[q].bytes);

		if (errors)
			json_object_set_new(o, "errors", json_integer((json_int_t)c[q].errors));
		json_array_append_new(a, o);
	}
	return a;
}

#if RTE_VERSION < RTE_VERSION_NUM(25, 11, 0, 0)
static void queue_counts(uint16_t port, const struct rte_eth_stats *st, struct qcount *rx,
			 uint16_t nrx, struct qcount *tx, uint16_t ntx)
{
	(void)port;
	for (uint16_t q = 0; q < RTE_ETHDEV_QUEUE_STAT_CNTRS; q++) {
		if (q < nrx)
			rx[q] = (struct qcount){st->q_ipackets[q], st->q_ibytes[q], st->q_errors[q], true};
		if (q < ntx)
			tx[q] = (struct qcount){st->q_opackets[q], st->q_obytes[q], 0, true};
	}
}
#else
/* Only of a started port: some drivers' xstats read queues that exist
 * only once set up (vhost dereferences rx_queues[i] of a configured port
 * without them: a crash, seen on 22.11 and 25.11). */
static void queue_counts(uint16_t port, const struct rte_eth_stats *st, struct qcount *rx,
			 uint16_t nrx, struct qcount *tx, uint16_t ntx)
{
	int n = dev_started(port) ? rte_eth_xstats_get(port, NULL, 0) : 0;
	struct rte_eth_xstat_name *names;
	struct rte_eth_xstat *xs;

	(void)st;
	if (n <= 0)
		return;
	names = calloc((size_t)n, sizeof(*names));
	xs = calloc((size_t)n, sizeof(*xs));
	if (names && xs && rte_eth_xstats_get_names(port, names, (unsigned)n) == n &&
	    rte_eth_xstats_get(port, xs, (unsigned)n) == n)
		for (int i = 0; i < n; i++) {
			const char *nm = names[xs[i].id < (uint64_t)n ? xs[i].id : 0].name;
			char dir[3], field[16];
			unsigned q;
			int end = 0;
			struct qcount *c;

			if (sscanf(nm, "%2[rtx]_q%u_%15[a-z]%n", dir, &q, field, &end) != 3 ||
			    nm[end] != '\0')
				continue;
			if (strcmp(dir, "rx") == 0 && q < nrx)
				c = &rx[q];
			else if (strcmp(dir, "tx") == 0 && q < ntx)
				c = &tx[q];
			else
				continue;
			if (strcmp(field, "packets") == 0)
				c->packets = xs[i].value, c->seen = true;
			else if (strcmp(field, "bytes") == 0)
				c->bytes = xs[i].value;
			else if (strcmp(field, "errors") == 0)
				c->errors = xs[i].value;
		}
	free(names);
	free(xs);
}
#endif

static json_t *port_json(uint16_t port)
{
	char name[RTE_ETH_NAME_MAX_LEN];
	struct rte_eth_dev_info info;
	struct rte_eth_stats st;
	struct qcount rxq[RTE_MAX_QUEUES_PER_PORT] = {0}, txq[RTE_MAX_QUEUES_PER_PORT] = {0};
	json_t *dp, *o;

	if (rte_eth_dev_get_name_by_port(port, name) != 0 ||
	    rte_eth_dev_info_get(port, &info) != 0)
		return NULL;
	/* a port that cannot count (not configured, or a driver without
	 * stats) is listed with zeros: it exists */
	if (rte_eth_stats_get(port, &st) != 0)
		memset(&st, 0, sizeof(st));
	queue_counts(port, &st, rxq, RTE_DIM(rxq), txq, RTE_DIM(txq));
	dp = datapath_port_json(port);
	o = json_pack("{s:i, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:o, s:o, s:o}",
		"port", port, "name", name, "ipackets", (json_int_t)st.ipackets,
		"opackets", (json_int_t)st.opackets, "ibytes", (json_int_t)st.ibytes,
		"obytes", (json_int_t)st.obytes, "imissed", (json_int_t)st.imissed,
		"ierrors", (json_int_t)st.ierrors, "oerrors", (json_int_t)st.oerrors,
		"rx_nombuf", (json_int_t)st.rx_nombuf,
		"rx_queues", queues_json(rxq, info.nb_rx_queues, true),
		"tx_queues", queues_json(txq, info.nb_tx_queues, false),
		"datapath", json_pack("{s:O, s:O, s:O, s:O}", "rx", json_object_get(dp, "rx"),
				      "tx", json_object_get(dp, "tx"), "drop",
				      json_object_get(dp, "drop"), "polled",
				      json_object_get(dp, "polled")));
	json_decref(dp);
	return o;
}

json_t *portstats_json(json_t *prev)
{
	json_t *a;

	(void)prev;
	if (devjob_busy())
		return NULL;
	a = json_array();
	for (uint16_t p = 0; p < RTE_MAX_ETHPORTS; p++) {
		json_t *o = rte_eth_dev_is_valid_port(p) ? port_json(p) : NULL;

		if (o)
			json_array_append_new(a, o);
	}
	return a;
}
