/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdio.h>
#include <time.h>

#include "hpctl.h"

static const char *ago(json_t *m, char *buf, size_t len)
{
	json_t *t = json_object_get(m, "last_contact");
	struct timespec now;
	char d[32];

	if (!json_is_number(t))
		return "-";
	clock_gettime(CLOCK_REALTIME, &now);
	snprintf(buf, len, "%s ago", ctl_duration(now.tv_sec + now.tv_nsec / 1e9 -
						  json_number_value(t), d, sizeof(d)));
	return buf;
}

static const char *socket_cell(json_t *m, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s", json_is_string(json_object_get(m, "socket")) ?
		 json_string_value(json_object_get(m, "socket")) : "- (library member)",
		 json_is_false(json_object_get(m, "socket_found")) ?
		 " (missing: another --runtime-dir?)" : "");
	return buf;
}

/* How many queues the member leases (hpctl queues lists them). */
static const char *queues_cell(json_t *m, char *buf, size_t len)
{
	json_t *qs = json_object_get(m, "queues"), *p;
	size_t i, n = 0;

	if (!json_is_array(qs))
		return "-";
	json_array_foreach(qs, i, p)
		n += json_array_size(json_object_get(p, "rx")) +
		     json_array_size(json_object_get(p, "tx"));
	snprintf(buf, len, "%zu", n);
	return buf;
}

static int table(const struct ctl *ctl, json_t *res)
{
	static const struct ctl_column cols[] = {
		{"PID", true, "pid"}, {"ROLE", .key = "role"}, {"NAME", .key = "name"},
		{"STATE", .key = "state"}, {"QUEUES", true, .cell = queues_cell},
		{"LAST CONTACT", .cell = ago},
		{"SOCKET", .cell = socket_cell}, {NULL},
	};

	return ctl_table_rows(ctl, cols, json_object_get(res, "members"));
}

static int exec(struct ctl *ctl, int argc, char **argv)
{
	(void)argc, (void)argv;
	return ctl_show(ctl, "ps", table);
}

const struct cmd_entry cmd_ps_entry = {
	.name = "ps", .usage = "", .min_args = 0, .max_args = 0,
	.help = "members of the group", .exec = exec,
};
