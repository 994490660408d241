/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * These callbacks run on DPDK's telemetry thread, not the loop: they read
 * only the snapshot that metrics.c publishes, and only between
 * metrics_lock() and metrics_unlock(), which is what keeps the loop from
 * freeing it under them. They never call ethdev, the engine or the members
 * list, whose owners are other threads.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_telemetry.h>
#include <rte_version.h>

#include "metrics.h"
#include "telemetry.h"

/* DPDK 23.03 renamed the unsigned values ("u64" became "uint") */
#if RTE_VERSION >= RTE_VERSION_NUM(23, 3, 0, 0)
#define TEL_UINT RTE_TEL_UINT_VAL
#define tel_dict_uint rte_tel_data_add_dict_uint
#define tel_array_uint rte_tel_data_add_array_uint
#else
#define TEL_UINT RTE_TEL_U64_VAL
#define tel_dict_uint rte_tel_data_add_dict_u64
#define tel_array_uint rte_tel_data_add_array_u64
#endif

#define KEY_LEN 64

static uint64_t u(const json_t *o, const char *key)
{
	json_int_t v = json_integer_value(json_object_get(o, key));

	return v > 0 ? (uint64_t)v : 0;
}

/* Telemetry names take letters, digits, '_' and '/' only. */
static const char *key(char *buf, const char *a, const char *b)
{
	snprintf(buf, KEY_LEN, b ? "%s_%s" : "%s", a, b);
	for (char *c = buf; *c; c++)
		if (!(*c == '_' || *c == '/' || (*c >= '0' && *c <= '9') ||
		      ((*c | 0x20) >= 'a' && (*c | 0x20) <= 'z')))
			*c = '_';
	return buf;
}

/* A dict's array of unsigned values; 0 or -ENOMEM. */
static int add_uint_array(struct rte_tel_data *d, const char *name, const json_t *a,
			  const char *field, double scale)
{
	struct rte_tel_data *c = rte_tel_data_alloc();
	const json_t *v;
	size_t i;

	if (c == NULL)
		return -ENOMEM;
	rte_tel_data_start_array(c, TEL_UINT);
	json_array_foreach(a, i, v) {
		const json_t *x = field ? json_object_get(v, field) : v;

		tel_array_uint(c, json_is_integer(x) ? (uint64_t)json_integer_value(x) :
			       (uint64_t)(json_number_value(x) * scale));
	}
	return rte_tel_data_add_dict_container(d, name, c, 0);
}

static int info(const json_t *s, const char *params, struct rte_tel_data *d)
{
	(void)params;
	rte_tel_data_add_dict_int(d, "pid", (int)json_integer_value(json_object_get(s, "pid")));
	rte_tel_data_add_dict_string(d, "name", json_string_value(json_object_get(s, "name")));
	rte_tel_data_add_dict_string(d, "role", json_string_value(json_object_get(s, "role")));
	rte_tel_data_add_dict_string(d, "file_prefix",
				     json_string_value(json_object_get(s, "file_prefix")));
	return 0;
}

static int operations(const json_t *s, const char *params, struct rte_tel_data *d)
{
	const json_t *o;
	char k[KEY_LEN];
	size_t i;

	(void)params;
	json_array_foreach(json_object_get(s, "operations"), i, o)
		tel_dict_uint(d, key(k, json_string_value(json_object_get(o, "operation")),
				     json_string_value(json_object_get(o, "outcome"))),
			      u(o, "count"));
	tel_dict_uint(d, "rollbacks", u(s, "rollbacks"));
	tel_dict_uint(d, "fences", u(s, "fences"));
	return 0;
}

/* params: an operation (attach, ...) or nothing for all of them. */
static int latency(const json_t *s, const char *params, struct rte_tel_data *d)
{
	const json_t *o;
	char k[KEY_LEN], pre[KEY_LEN];
	size_t i;
	int rc;

	if ((rc = add_uint_array(d, "bounds_usec", json_object_get(s, "latency_bounds_seconds"),
				 NULL, 1e6)) != 0)
		return rc;
	json_array_foreach(json_object_get(s, "operations"), i, o) {
		const char *op = json_string_value(json_object_get(o, "operation"));

		if (params && *params && strcmp(params, op) != 0)
			continue;
		key(pre, op, json_string_value(json_object_get(o, "outcome")));
		if ((rc = add_uint_array(d, key(k, pre, "buckets"), json_object_get(o, "buckets"),
					 NULL, 1)) != 0)
			return rc;
		tel_dict_uint(d, key(k, pre, "count"), u(o, "count"));
		tel_dict_uint(d, key(k, pre, "sum_usec"), (uint64_t)(json_number_value(
			json_object_get(o, "sum_seconds")) * 1e6));
	}
	return 0;
}

static int members(const json_t *s, const char *params, struct rte_tel_data *d)
{
	const json_t *list = json_object_get(s, "members"), *m;
	uint64_t healthy = 0, unresponsive = 0;
	size_t i;
	int rc;

	(void)params;
	json_array_foreach(list, i, m) {
		const char *st = json_string_value(json_object_get(m, "state"));

		healthy += st && strcmp(st, "healthy") == 0;
		unresponsive += st && strcmp(st, "unresponsive") == 0;
	}
	tel_dict_uint(d, "members", json_array_size(list));
	tel_dict_uint(d, "healthy", healthy);
	tel_dict_uint(d, "unresponsive", unresponsive);
	if ((rc = add_uint_array(d, "pids", list, "pid", 1)) != 0)
		return rc;
	return add_uint_array(d, "last_contact_age_ms", list, "last_contact_age_seconds", 1e3);
}

static int ports(const json_t *s, const char *params, struct rte_tel_data *d)
{
	const json_t *p;
	size_t i;

	(void)params;
	rte_tel_data_start_array(d, RTE_TEL_INT_VAL);
	json_array_foreach(json_object_get(s, "ports"), i, p)
		rte_tel_data_add_array_int(d, (int)json_integer_value(json_object_get(p, "port")));
	return 0;
}

static const char *const port_counters[] = {
	"ipackets", "opackets", "ibytes", "obytes", "imissed", "ierrors", "oerrors", "rx_nombuf",
};

/* params: a port id, as /ethdev/stats takes it. */
static int port_stats(const json_t *s, const char *params, struct rte_tel_data *d)
{
	const json_t *p, *found = NULL, *dp;
	char *end;
	long want = params && *params ? strtol(params, &end, 10) : -1;
	char k[KEY_LEN];
	size_t i;
	int rc;

	if (want < 0 || *end != '\0')
		return -EINVAL;
	json_array_foreach(json_object_get(s, "ports"), i, p)
		if (json_integer_value(json_object_get(p, "port")) == want)
			found = p;
	if (found == NULL)
		return -ENODEV;
	rte_tel_data_add_dict_string(d, "name", json_string_value(json_object_get(found, "name")));
	for (i = 0; i < sizeof(port_counters) / sizeof(port_counters[0]); i++)
		tel_dict_uint(d, port_counters[i], u(found, port_counters[i]));
	if ((rc = add_uint_array(d, "q_ipackets", json_object_get(found, "rx_queues"), "packets",
				 1)) != 0 ||
	    (rc = add_uint_array(d, "q_ibytes", json_object_get(found, "rx_queues"), "bytes",
				 1)) != 0 ||
	    (rc = add_uint_array(d, "q_errors", json_object_get(found, "rx_queues"), "errors",
				 1)) != 0 ||
	    (rc = add_uint_array(d, "q_opackets", json_object_get(found, "tx_queues"), "packets",
				 1)) != 0 ||
	    (rc = add_uint_array(d, "q_obytes", json_object_get(found, "tx_queues"), "bytes",
				 1)) != 0)
		return rc;
	dp = json_object_get(found, "datapath");
	tel_dict_uint(d, key(k, "datapath", "rx"), u(dp, "rx"));
	tel_dict_uint(d, key(k, "datapath", "tx"), u(dp, "tx"));
	tel_dict_uint(d, key(k, "datapath", "drop"), u(dp, "drop"));
	return 0;
}

static int events(const json_t *s, const char *params, struct rte_tel_data *d)
{
	const char *name;
	json_t *n;
	char k[KEY_LEN];

	(void)params;
	json_object_foreach(json_object_get(s, "events"), name, n)
		tel_dict_uint(d, key(k, name, NULL), (uint64_t)json_integer_value(n));
	return 0;
}

static const struct endpoint {
	const char *cmd;
	int (*fn)(const json_t *s, const char *params, struct rte_tel_data *d);
	bool dict;
	const char *help;
} endpoints[] = {
	{"/hotplugd/info", info, true, "hotplugd: this process (pid, name, role). No parameters"},
	{"/hotplugd/operations", operations, true,
	 "hotplugd: operations by kind and outcome, rollbacks, fences. No parameters"},
	{"/hotplugd/latency", latency, true,
	 "hotplugd: operation latency histograms. Parameter: an operation (attach, ...) or none"},
	{"/hotplugd/members", members, true,
	 "hotplugd: the group's members and their last contact. No parameters"},
	{"/hotplugd/ports", ports, false, "hotplugd: this process's port ids. No parameters"},
	{"/hotplugd/port_stats", port_stats, true,
	 "hotplugd: a port's packet counters, per queue and the data path's. Parameter: port id"},
	{"/hotplugd/events", events, true, "hotplugd: events published, by name. No parameters"},
};

#ifdef HPD_FAULT_HOOKS
/*
 * Test builds only (meson -Dfault_hooks=true): HOTPLUGD_TELEMETRY_PAUSE_US=N
 * makes each telemetry read hold the snapshot N us longer, so that the
 * loop's replacements (every event) land while a read is in progress: a
 * snapshot freed under the reader shows as a use-after-free in the
 * sanitizers stage (test_scrapes_during_churn).
 */
static void read_pause(void)
{
	const char *us = getenv("HOTPLUGD_TELEMETRY_PAUSE_US");

	if (us)
		usleep((useconds_t)atoi(us));
}
#else
static void read_pause(void)
{
}
#endif

static int dispatch(const char *cmd, const char *params, struct rte_tel_data *d)
{
	for (size_t i = 0; i < sizeof(endpoints) / sizeof(endpoints[0]); i++) {
		const json_t *s;
		int rc = -ENODATA;

		if (strcmp(cmd, endpoints[i].cmd) != 0)
			continue;
		if (endpoints[i].dict)
			rte_tel_data_start_dict(d);
		s = metrics_lock();
		if (s) {
			read_pause();
			rc = endpoints[i].fn(s, params, d);
		}
		metrics_unlock();
		return rc;
	}
	return -ENOENT;
}

int telemetry_init(void)
{
	for (size_t i = 0; i < sizeof(endpoints) / sizeof(endpoints[0]); i++) {
		int rc = rte_telemetry_register_cmd(endpoints[i].cmd, dispatch, endpoints[i].help);

		if (rc != 0)
			return rc < 0 ? rc : -rc;
	}
	return 0;
}
