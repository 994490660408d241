/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdio.h>
#include <time.h>

#include "hpctl.h"

static const char *ago(json_t *t, char *buf, size_t len)
{
	struct timespec now;

	if (!json_is_number(t))
		return "-";
	clock_gettime(CLOCK_REALTIME, &now);
	snprintf(buf, len, "%.1fs ago", now.tv_sec + now.tv_nsec / 1e9 - json_number_value(t));
	return buf;
}

static void table(json_t *res)
{
	json_t *m;
	size_t i;
	char buf[32];

	printf("%-8s %-10s %-22s %-13s %-14s %s\n", "PID", "ROLE", "NAME", "STATE",
	       "LAST CONTACT", "SOCKET");
	json_array_foreach(json_object_get(res, "members"), i, m)
		printf("%-8lld %-10s %-22s %-13s %-14s %s%s\n",
		       (long long)json_integer_value(json_object_get(m, "pid")),
		       json_string_value(json_object_get(m, "role")),
		       json_string_value(json_object_get(m, "name")),
		       json_string_value(json_object_get(m, "state")),
		       ago(json_object_get(m, "last_contact"), buf, sizeof(buf)),
		       json_is_string(json_object_get(m, "socket")) ?
		       json_string_value(json_object_get(m, "socket")) : "- (library member)",
		       json_is_false(json_object_get(m, "socket_found")) ?
		       " (missing: another --runtime-dir?)" : "");
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
