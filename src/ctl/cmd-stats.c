/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdio.h>

#include "hpctl.h"

static void table(json_t *res)
{
	json_t *p, *dp;
	size_t i;

	dp = json_object_get(res, "datapath");
	printf("data path: %s, %lld worker(s), ports %s\n",
	       json_string_value(json_object_get(dp, "mode")),
	       (long long)json_integer_value(json_object_get(dp, "workers")),
	       json_string_value(json_object_get(dp, "ports")));
	printf("%-5s %-20s %-7s %-6s %14s %14s %12s\n", "PORT", "NAME", "POLLED", "READY",
	       "RX", "TX", "DROP");
	json_array_foreach(json_object_get(res, "ports"), i, p)
		printf("%-5lld %-20s %-7s %-6s %14lld %14lld %12lld\n",
		       (long long)json_integer_value(json_object_get(p, "port")),
		       json_string_value(json_object_get(p, "name")),
		       json_is_true(json_object_get(p, "polled")) ? "yes" : "no",
		       json_is_true(json_object_get(p, "ready")) ? "yes" : "no",
		       (long long)json_integer_value(json_object_get(p, "rx")),
		       (long long)json_integer_value(json_object_get(p, "tx")),
		       (long long)json_integer_value(json_object_get(p, "drop")));
}

static int exec(struct ctl *ctl, int argc, char **argv)
{
	(void)argc, (void)argv;
	return ctl_show(ctl, "stats", table);
}

const struct cmd_entry cmd_stats_entry = {
	.name = "stats", .usage = "", .min_args = 0, .max_args = 0,
	.help = "data-path counters of the process's ports", .exec = exec,
};
