/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include <rte_ethdev.h>

#include "datapath.h"
#include "devjob.h"
#include "portstats.h"

static json_t *queues_json(const uint64_t *packets, const uint64_t *bytes,
			   const uint64_t *errors, uint16_t n)
{
	json_t *a = json_array();

	/* ethdev keeps per-queue counters for the first few queues only */
	for (uint16_t q = 0; q < n && q < RTE_ETHDEV_QUEUE_STAT_CNTRS; q++) {
		json_t *o = json_pack("{s:I, s:I}", "packets", (json_int_t)packets[q],
				      "bytes", (json_int_t)bytes[q]);

		if (errors)
			json_object_set_new(o, "errors", json_integer((json_int_t)errors[q]));
		json_array_append_new(a, o);
	}
	return a;
}

static json_t *port_json(uint16_t port)
{
	char name[RTE_ETH_NAME_MAX_LEN];
	struct rte_eth_dev_info info;
	struct rte_eth_stats st;
	json_t *dp, *o;

	if (rte_eth_dev_get_name_by_port(port, name) != 0 ||
	    rte_eth_dev_info_get(port, &info) != 0)
		return NULL;
	/* a port that cannot count (not configured, or a driver without
	 * stats) is listed with zeros: it exists */
	if (rte_eth_stats_get(port, &st) != 0)
		memset(&st, 0, sizeof(st));
	dp = datapath_port_json(port);
	o = json_pack("{s:i, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:o, s:o, s:o}",
		"port", port, "name", name, "ipackets", (json_int_t)st.ipackets,
		"opackets", (json_int_t)st.opackets, "ibytes", (json_int_t)st.ibytes,
		"obytes", (json_int_t)st.obytes, "imissed", (json_int_t)st.imissed,
		"ierrors", (json_int_t)st.ierrors, "oerrors", (json_int_t)st.oerrors,
		"rx_nombuf", (json_int_t)st.rx_nombuf,
		"rx_queues", queues_json(st.q_ipackets, st.q_ibytes, st.q_errors,
					 info.nb_rx_queues),
		"tx_queues", queues_json(st.q_opackets, st.q_obytes, NULL, info.nb_tx_queues),
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
