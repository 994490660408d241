/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdio.h>

#include "hpctl.h"

static int table(const struct ctl *ctl, json_t *res)
{
	static const struct ctl_column cols[] = {
		{"PORT", true, "port"}, {"NAME", .key = "name"}, {"POLLED", .key = "polled"},
		{"READY", .key = "ready"}, {"RX", true, "rx"}, {"TX", true, "tx"},
		{"DROP", true, "drop"}, {NULL},
	};
	json_t *dp = json_object_get(res, "datapath");

	/* a heading too: --no-legend leaves only the rows, for scripts */
	if (!ctl->no_legend)
		printf("data path: %s, %lld worker(s), ports %s\n",
		       json_string_value(json_object_get(dp, "mode")),
		       (long long)json_integer_value(json_object_get(dp, "workers")),
		       json_string_value(json_object_get(dp, "ports")));
	return ctl_table_rows(ctl, cols, json_object_get(res, "ports"));
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
