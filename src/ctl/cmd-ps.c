/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdio.h>
#include <time.h>

#include "hpctl.h"

static const char *ago(json_t *t, char *buf, size_t len)
{
	struct timespec now;
	char d[32];

	if (!json_is_number(t))
		return "-";
	clock_gettime(CLOCK_REALTIME, &now);
	snprintf(buf, len, "%s ago", ctl_duration(now.tv_sec + now.tv_nsec / 1e9 -
						  json_number_value(t), d, sizeof(d)));
	return buf;
}

static int table(const struct ctl *ctl, json_t *res)
{
	static const struct ctl_column cols[] = {
		{"PID", true}, {"ROLE"}, {"NAME"}, {"STATE"}, {"LAST CONTACT"}, {"SOCKET"}, {NULL},
	};
	struct ctl_table *t = ctl_table_new(ctl, cols);
	json_t *m;
	size_t i;
	char buf[48];

	json_array_foreach(json_object_get(res, "members"), i, m) {
		ctl_table_row(t);
		ctl_table_cell(t, "%lld", (long long)json_integer_value(json_object_get(m, "pid")));
		ctl_table_cell(t, "%s", json_string_value(json_object_get(m, "role")));
		ctl_table_cell(t, "%s", json_string_value(json_object_get(m, "name")));
		ctl_table_cell(t, "%s", json_string_value(json_object_get(m, "state")));
		ctl_table_cell(t, "%s", ago(json_object_get(m, "last_contact"), buf, sizeof(buf)));
		ctl_table_cell(t, "%s%s", json_is_string(json_object_get(m, "socket")) ?
			       json_string_value(json_object_get(m, "socket")) : "- (library member)",
			       json_is_false(json_object_get(m, "socket_found")) ?
			       " (missing: another --runtime-dir?)" : "");
	}
	return ctl_table_print(t);
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
