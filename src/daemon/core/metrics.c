/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <event2/event.h>

#include "events.h"
#include "hotplugd.h"
#include "metrics.h"
#include "telemetry.h"

static const double bounds[METRICS_BUCKETS] = {
	0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
};

/* kinds x outcomes seen: a handful of errno names per kind in practice;
 * once the table is nearly full, new outcomes are counted as "other" */
#define OUTCOMES_MAX 48
#define OUTCOME_LEN 24
/* the engine's operation kinds (attach, detach, start, stop, configure, removal):
 * core cannot see group/engine.h, so their count and longest name here;
 * each kind keeps a slot for its "other" */
#define OP_KINDS 6
#define OP_NAME_LEN 16

struct op_count {
	char operation[OP_NAME_LEN];
	char outcome[OUTCOME_LEN];
	unsigned long long count;
	double sum;
	unsigned long long in_bucket[METRICS_BUCKETS]; /* not cumulative */
};

static struct op_count ops[OUTCOMES_MAX];
static unsigned nops;
static json_t *event_counts; /* {"device.attached": N, ...} */

#define SOURCES_MAX 4
static struct {
	const char *key;
	metrics_source_t fn;
} sources[SOURCES_MAX];
static unsigned nsources;

/* The snapshot DPDK's telemetry thread reads. Only the loop builds and
 * replaces it, and never changes one once published; the lock covers the
 * pointer swap and the telemetry callback's whole read, so the old
 * snapshot is freed only when no reader can hold it. A reader blocks the
 * loop for one read of a small JSON object at most. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static json_t *published;
static struct event *timer;

int metrics_source(const char *key, metrics_source_t fn)
{
	if (nsources == SOURCES_MAX)
		return -ENOSPC;
	sources[nsources].key = key;
	sources[nsources].fn = fn;
	nsources++;
	return 0;
}

static struct op_count *op_slot(const char *operation, const char *outcome)
{
	for (unsigned i = 0; i < nops; i++)
		if (strcmp(ops[i].operation, operation) == 0 &&
		    strcmp(ops[i].outcome, outcome) == 0)
			return &ops[i];
	/* the last slots stay for the "other" of each kind */
	if (nops >= OUTCOMES_MAX - OP_KINDS && strcmp(outcome, "other") != 0)
		return op_slot(operation, "other");
	if (nops == OUTCOMES_MAX)
		return NULL;
	snprintf(ops[nops].operation, sizeof(ops[nops].operation), "%s", operation);
	snprintf(ops[nops].outcome, sizeof(ops[nops].outcome), "%s", outcome);
	return &ops[nops++];
}

static void count_operation(json_t *params)
{
	const char *kind = json_string_value(json_object_get(params, "operation"));
	const char *outcome = json_string_value(json_object_get(params, "outcome"));
	double s = json_number_value(json_object_get(params, "duration_ms")) / 1000;
	struct op_count *c;
	unsigned b = 0;

	if (kind == NULL || outcome == NULL || (c = op_slot(kind, outcome)) == NULL)
		return;
	c->count++;
	c->sum += s;
	while (b < METRICS_BUCKETS && s > bounds[b])
		b++;
	if (b < METRICS_BUCKETS) /* beyond the last bound: only in count (+Inf) */
		c->in_bucket[b]++;
}

static json_t *operations_json(void)
{
	json_t *a = json_array();

	for (unsigned i = 0; i < nops; i++) {
		json_t *buckets = json_array();
		unsigned long long cum = 0;

		for (unsigned b = 0; b < METRICS_BUCKETS; b++) {
			cum += ops[i].in_bucket[b];
			json_array_append_new(buckets, json_integer((json_int_t)cum));
		}
		json_array_append_new(a, json_pack("{s:s, s:s, s:I, s:f, s:o}",
			"operation", ops[i].operation, "outcome", ops[i].outcome,
			"count", (json_int_t)ops[i].count, "sum_seconds", ops[i].sum,
			"buckets", buckets));
	}
	return a;
}

static json_int_t event_count(const char *name)
{
	return json_integer_value(json_object_get(event_counts, name));
}

static json_t *build(void)
{
	json_t *bnd = json_array(), *s;

	for (unsigned b = 0; b < METRICS_BUCKETS; b++)
		json_array_append_new(bnd, json_real(bounds[b]));
	s = json_pack("{s:i, s:s, s:s, s:s, s:o, s:o, s:I, s:I, s:o}", "pid", hpd.pid,
		      "name", hpd.name, "role", hpd_is_primary() ? "primary" : "secondary",
		      "file_prefix", hpd.prefix, "latency_bounds_seconds", bnd,
		      "operations", operations_json(),
		      "rollbacks", event_count("device.rolled_back"),
		      "fences", event_count("member.fenced"),
		      /* a copy: the loop goes on counting into event_counts */
		      "events", json_deep_copy(event_counts));
	for (unsigned i = 0; i < nsources; i++) {
		json_t *prev = published ? json_object_get(published, sources[i].key) : NULL;
		json_t *v = sources[i].fn(prev);

		if (v == NULL && prev)
			v = json_deep_copy(prev); /* never shared with a published one */
		json_object_set_new(s, sources[i].key, v ? v : json_array());
	}
	return s;
}

static void refresh(void)
{
	json_t *next = build(), *old;

	pthread_mutex_lock(&lock);
	old = published;
	published = next;
	pthread_mutex_unlock(&lock);
	json_decref(old);
}

static void on_event(const char *event, json_t *params, const struct hpd_event *ev, void *arg)
{
	(void)ev, (void)arg;
	/* after metrics_fini(); or the primary's, mirrored by a secondary:
	 * the primary counts the group's operations, a secondary its own */
	if (event_counts == NULL || !events_own(params))
		return;
	json_object_set_new(event_counts, event, json_integer(event_count(event) + 1));
	if (strcmp(event, "operation.finished") == 0)
		count_operation(params);
	refresh();
}

/* Gauges (ping ages, packet counters) move without events. */
static void tick(evutil_socket_t fd, short what, void *arg)
{
	(void)fd, (void)what, (void)arg;
	refresh();
}

int metrics_init(struct event_base *base)
{
	const struct timeval second = {1, 0};
	int rc;

	event_counts = json_object();
	timer = event_new(base, -1, EV_PERSIST, tick, NULL);
	if (event_counts == NULL || timer == NULL)
		return -ENOMEM;
	if ((rc = events_subscribe(on_event, NULL)) != 0)
		return rc;
	event_add(timer, &second);
	refresh();
	return telemetry_init();
}

void metrics_fini(void)
{
	if (timer)
		event_free(timer);
	timer = NULL;
	/* the telemetry thread outlives us until rte_eal_cleanup(): leave it
	 * nothing to read */
	pthread_mutex_lock(&lock);
	json_decref(published);
	published = NULL;
	pthread_mutex_unlock(&lock);
	json_decref(event_counts);
	event_counts = NULL;
}

json_t *metrics_json(void)
{
	refresh();
	return json_deep_copy(published);
}

const json_t *metrics_lock(void)
{
	pthread_mutex_lock(&lock);
	return published;
}

void metrics_unlock(void)
{
	pthread_mutex_unlock(&lock);
}
