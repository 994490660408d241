/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * This process's ports as metrics: ethdev's counters (rte_eth_stats: the
 * port's and per queue) and the data path's own, for core/metrics.c.
 */
#ifndef HPD_PORTSTATS_H
#define HPD_PORTSTATS_H

#include <jansson.h>

/* A metrics source (metrics_source_t): the ports, or NULL (keep prev)
 * while a device job runs, when ethdev is not the loop's to read. */
json_t *portstats_json(json_t *prev);

#endif
