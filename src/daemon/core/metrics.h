/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The daemon's metrics: counted from the event bus (operations by kind and
 * outcome with their latency, rollbacks, fences), plus gauges that upper
 * layers register as sources (the members' liveness, the ports' packet
 * counters). The loop assembles them into one snapshot, a JSON object, at
 * each event and once a second; the `metrics` method answers a copy and
 * DPDK's telemetry thread reads the published one (telemetry.c). Its shape
 * is documented with the method in docs/protocol.md.
 */
#ifndef HPD_METRICS_H
#define HPD_METRICS_H

#include <jansson.h>

struct event_base;

/* Histogram bounds, seconds, 1-2.5-5 per decade: fixed, so that scrapes
 * of different processes and versions add up. */
#define METRICS_BUCKETS 13

/* fn(prev) gives the snapshot's `key` member anew (a new reference), or
 * NULL to keep prev (e.g. ethdev may not be read now). Loop thread. */
typedef json_t *(*metrics_source_t)(json_t *prev);

/* 0, -ENOSPC (too many sources). Before metrics_init(). */
int metrics_source(const char *key, metrics_source_t fn);
/* Subscribes to the bus, starts the refresh timer and the telemetry
 * endpoints: 0 or a negative errno. */
int metrics_init(struct event_base *base);
void metrics_fini(void);
/* A fresh snapshot (a new reference the caller owns). Loop thread. */
json_t *metrics_json(void);

/* For telemetry.c: the published snapshot, borrowed between lock and
 * unlock (NULL before the first). Any thread. */
const json_t *metrics_lock(void);
void metrics_unlock(void);

#endif
