/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hpctl metrics: the process's `metrics` answer as OpenMetrics text
 * (https://prometheus.io/docs/specs/om/open_metrics_spec/), for
 * node_exporter's textfile collector or any scraper. Every sample carries
 * process="<name>", so that files of several processes of a group add up
 * without clashing. The names are listed in docs/operations.md.
 * `hpctl metrics prometheus` writes the same samples in Prometheus' older
 * text format (0.0.4), which node_exporter's textfile collector reads: no
 * UNIT or EOF lines, counters typed by their _total name, info a gauge.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "hpctl.h"

#define LABELS_LEN 512

static bool prometheus; /* the 0.0.4 text format, not OpenMetrics */

/* a string member, "" when absent */
static const char *str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

/* a label set being built: {a="x",b="y"} */
struct labels {
	char s[LABELS_LEN];
	size_t n;
};

static void label(struct labels *l, const char *name, const char *value)
{
	l->n += (size_t)snprintf(l->s + l->n, l->n < LABELS_LEN ? LABELS_LEN - l->n : 0,
				 "%s%s=\"", l->n ? "," : "", name);
	/* escaped as the format says: backslash, double quote, newline */
	for (const char *c = value ? value : ""; *c && l->n + 3 < LABELS_LEN; c++) {
		if (*c == '\\' || *c == '"' || *c == '\n')
			l->s[l->n++] = '\\';
		l->s[l->n++] = *c == '\n' ? 'n' : *c;
	}
	if (l->n + 1 < LABELS_LEN)
		l->s[l->n++] = '"';
	l->s[l->n < LABELS_LEN ? l->n : LABELS_LEN - 1] = '\0';
}

static void label_int(struct labels *l, const char *name, json_int_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%lld", (long long)v);
	label(l, name, buf);
}

/* A number as the format's canonical float: 1.0, 0.25, 2.5e-05. */
static const char *number(double v, char *buf, size_t len)
{
	if (isinf(v))
		return v > 0 ? "+Inf" : "-Inf";
	snprintf(buf, len, "%.10g", v);
	if (strpbrk(buf, ".en") == NULL)
		strncat(buf, ".0", len - strlen(buf) - 1);
	return buf;
}

static void family(const char *name, const char *type, const char *unit, const char *help)
{
	const char *suffix = "";

	if (prometheus && strcmp(type, "counter") == 0)
		suffix = "_total";
	else if (prometheus && strcmp(type, "info") == 0)
		type = "gauge", suffix = "_info";
	printf("# TYPE %s%s %s\n", name, suffix, type);
	if (unit && !prometheus)
		printf("# UNIT %s %s\n", name, unit);
	printf("# HELP %s%s %s\n", name, suffix, help);
}

static void sample(const char *name, const char *suffix, const struct labels *l,
		   json_t *value)
{
	char buf[40];

	printf("%s%s{%s} ", name, suffix, l->s);
	if (json_is_integer(value))
		printf("%lld\n", (long long)json_integer_value(value));
	else
		printf("%s\n", number(json_number_value(value), buf, sizeof(buf)));
}

static void base_labels(struct labels *l, json_t *res)
{
	l->n = 0;
	l->s[0] = '\0';
	label(l, "process", json_string_value(json_object_get(res, "name")));
}

static void info(json_t *res)
{
	struct labels l;

	family("hotplugd", "info", NULL, "The process: its role, pid and DPDK file-prefix.");
	base_labels(&l, res);
	label(&l, "role", json_string_value(json_object_get(res, "role")));
	label_int(&l, "pid", json_integer_value(json_object_get(res, "pid")));
	label(&l, "file_prefix", json_string_value(json_object_get(res, "file_prefix")));
	printf("hotplugd_info{%s} 1\n", l.s);
}

static void operations(json_t *res)
{
	static const char *const dur = "hotplugd_operation_duration_seconds";
	json_t *ops = json_object_get(res, "operations"), *o, *bounds;
	struct labels l;
	size_t i, b;

	family("hotplugd_operations", "counter", NULL,
	       "Operations (attach, detach, start, stop) finished, by outcome: ok or the errno name.");
	json_array_foreach(ops, i, o) {
		base_labels(&l, res);
		label(&l, "operation", json_string_value(json_object_get(o, "operation")));
		label(&l, "outcome", json_string_value(json_object_get(o, "outcome")));
		sample("hotplugd_operations", "_total", &l, json_object_get(o, "count"));
	}
	family(dur, "histogram", "seconds",
	       "Operation latency, queueing included, from submission to answer.");
	bounds = json_object_get(res, "latency_bounds_seconds");
	json_array_foreach(ops, i, o) {
		json_t *v;

		json_array_foreach(json_object_get(o, "buckets"), b, v) {
			char buf[40];

			base_labels(&l, res);
			label(&l, "operation", json_string_value(json_object_get(o, "operation")));
			label(&l, "outcome", json_string_value(json_object_get(o, "outcome")));
			label(&l, "le", number(json_number_value(json_array_get(bounds, b)), buf,
					       sizeof(buf)));
			sample(dur, "_bucket", &l, v);
		}
		base_labels(&l, res);
		label(&l, "operation", json_string_value(json_object_get(o, "operation")));
		label(&l, "outcome", json_string_value(json_object_get(o, "outcome")));
		{
			struct labels inf = l;

			label(&inf, "le", "+Inf");
			sample(dur, "_bucket", &inf, json_object_get(o, "count"));
		}
		sample(dur, "_count", &l, json_object_get(o, "count"));
		sample(dur, "_sum", &l, json_object_get(o, "sum_seconds"));
	}
}

static void counter(json_t *res, const char *name, const char *key, const char *help)
{
	struct labels l;

	family(name, "counter", NULL, help);
	base_labels(&l, res);
	sample(name, "_total", &l, json_object_get(res, key));
}

static void events(json_t *res)
{
	const char *name;
	struct labels l;
	json_t *n;

	family("hotplugd_events", "counter", NULL, "Events this process published, by name.");
	json_object_foreach(json_object_get(res, "events"), name, n) {
		base_labels(&l, res);
		label(&l, "event", name);
		sample("hotplugd_events", "_total", &l, n);
	}
}

/* The primary's only: a secondary does not know the group. */
static void members(json_t *res)
{
	static const char *const states[] = {"healthy", "unresponsive", "fenced"};
	json_t *list = json_object_get(res, "members"), *m;
	struct labels l;
	size_t i;

	if (list == NULL)
		return;
	family("hotplugd_members", "gauge", NULL, "Members of the group, by state.");
	for (unsigned s = 0; s < sizeof(states) / sizeof(states[0]); s++) {
		json_int_t n = 0;

		json_t *v;

		json_array_foreach(list, i, m)
			n += strcmp(str(m, "state"), states[s]) == 0;
		base_labels(&l, res);
		label(&l, "state", states[s]);
		v = json_integer(n);
		sample("hotplugd_members", "", &l, v);
		json_decref(v);
	}
	family("hotplugd_member_last_contact_age_seconds", "gauge", "seconds",
	       "Seconds since the member last answered (join, ping or ack).");
	json_array_foreach(list, i, m) {
		base_labels(&l, res);
		label_int(&l, "pid", json_integer_value(json_object_get(m, "pid")));
		label(&l, "member", json_string_value(json_object_get(m, "name")));
		sample("hotplugd_member_last_contact_age_seconds", "", &l,
		       json_object_get(m, "last_contact_age_seconds"));
	}
}

/* A counter per port; where names the member of the port object (NULL:
 * the port itself) and key the counter in it. */
static const struct port_counter {
	const char *name, *unit, *where, *key, *help;
} port_counters[] = {
	{"hotplugd_port_rx_packets", NULL, NULL, "ipackets", "Packets received (rte_eth_stats)."},
	{"hotplugd_port_tx_packets", NULL, NULL, "opackets", "Packets sent (rte_eth_stats)."},
	{"hotplugd_port_rx_bytes", "bytes", NULL, "ibytes", "Bytes received (rte_eth_stats)."},
	{"hotplugd_port_tx_bytes", "bytes", NULL, "obytes", "Bytes sent (rte_eth_stats)."},
	{"hotplugd_port_rx_missed", NULL, NULL, "imissed", "Packets the hardware dropped."},
	{"hotplugd_port_rx_errors", NULL, NULL, "ierrors", "Erroneous packets received."},
	{"hotplugd_port_tx_errors", NULL, NULL, "oerrors", "Packets that failed to be sent."},
	{"hotplugd_port_rx_nombuf", NULL, NULL, "rx_nombuf", "Receive mbuf allocation failures."},
	{"hotplugd_datapath_rx_packets", NULL, "datapath", "rx",
	 "Packets this process's data path received on the port."},
	{"hotplugd_datapath_tx_packets", NULL, "datapath", "tx",
	 "Packets this process's data path sent on the port."},
	{"hotplugd_datapath_drop_packets", NULL, "datapath", "drop",
	 "Packets this process's data path dropped: the port's transmit queue was full."},
};

static const struct port_counter queue_counters[] = {
	{"hotplugd_queue_rx_packets", NULL, "rx_queues", "packets", "Packets received per queue."},
	{"hotplugd_queue_rx_bytes", "bytes", "rx_queues", "bytes", "Bytes received per queue."},
	{"hotplugd_queue_rx_errors", NULL, "rx_queues", "errors", "Receive errors per queue."},
	{"hotplugd_queue_tx_packets", NULL, "tx_queues", "packets", "Packets sent per queue."},
	{"hotplugd_queue_tx_bytes", "bytes", "tx_queues", "bytes", "Bytes sent per queue."},
};

static void port_labels(struct labels *l, json_t *res, json_t *p)
{
	base_labels(l, res);
	label_int(l, "port", json_integer_value(json_object_get(p, "port")));
	label(l, "device", json_string_value(json_object_get(p, "name")));
}

static void ports(json_t *res)
{
	json_t *list = json_object_get(res, "ports"), *p;
	struct labels l;
	size_t i;

	for (size_t c = 0; c < sizeof(port_counters) / sizeof(port_counters[0]); c++) {
		const struct port_counter *pc = &port_counters[c];

		family(pc->name, "counter", pc->unit, pc->help);
		json_array_foreach(list, i, p) {
			json_t *o = pc->where ? json_object_get(p, pc->where) : p;

			port_labels(&l, res, p);
			if (json_object_get(o, pc->key))
				sample(pc->name, "_total", &l, json_object_get(o, pc->key));
		}
	}
	for (size_t c = 0; c < sizeof(queue_counters) / sizeof(queue_counters[0]); c++) {
		const struct port_counter *qc = &queue_counters[c];

		family(qc->name, "counter", qc->unit, qc->help);
		json_array_foreach(list, i, p) {
			json_t *q;
			size_t n;

			json_array_foreach(json_object_get(p, qc->where), n, q) {
				port_labels(&l, res, p);
				label_int(&l, "queue", (json_int_t)n);
				sample(qc->name, "_total", &l, json_object_get(q, qc->key));
			}
		}
	}
}

static int text(const struct ctl *ctl, json_t *res)
{
	(void)ctl;
	info(res);
	operations(res);
	counter(res, "hotplugd_rollbacks", "rollbacks",
		"Operations rolled back after a member failed them.");
	counter(res, "hotplugd_fences", "fences",
		"Members fenced (killed) for not answering or failing a rollback.");
	events(res);
	members(res);
	ports(res);
	if (!prometheus)
		printf("# EOF\n");
	return fflush(stdout) == 0 ? 0 : -1;
}

static int exec(struct ctl *ctl, int argc, char **argv)
{
	if (argc > 0 && strcmp(argv[0], "prometheus") == 0)
		prometheus = true;
	else if (argc > 0 && strcmp(argv[0], "openmetrics") != 0) {
		fprintf(stderr, "hpctl: metrics: unknown format \"%s\" (openmetrics, prometheus)\n",
			argv[0]);
		return EXIT_USAGE;
	}
	return ctl_show(ctl, "metrics", text);
}

const struct cmd_entry cmd_metrics_entry = {
	.name = "metrics", .usage = "[openmetrics|prometheus]", .min_args = 0, .max_args = 1,
	.help = "the process's metrics as OpenMetrics text", .exec = exec,
};
