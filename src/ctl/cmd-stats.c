/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdio.h>

#include "hpctl.h"

static int table(const struct ctl *ctl, json_t *res)
{
	static const struct ctl_column cols[] = {
		{"PORT", true}, {"NAME"}, {"POLLED"}, {"READY"}, {"RX", true}, {"TX", true},
		{"DROP", true}, {NULL},
	};
	struct ctl_table *t;
	json_t *p, *dp = json_object_get(res, "datapath");
	size_t i;

	/* a heading too: --no-legend leaves only the rows, for scripts */
	if (!ctl->no_legend)
		printf("data path: %s, %lld worker(s), ports %s\n",
		       json_string_value(json_object_get(dp, "mode")),
		       (long long)json_integer_value(json_object_get(dp, "workers")),
		       json_string_value(json_object_get(dp, "ports")));
	t = ctl_table_new(ctl, cols);
	json_array_foreach(json_object_get(res, "ports"), i, p) {
		ctl_table_row(t);
		ctl_table_cell(t, "%lld", (long long)json_integer_value(json_object_get(p, "port")));
		ctl_table_cell(t, "%s", json_string_value(json_object_get(p, "name")));
		ctl_table_cell(t, "%s", json_is_true(json_object_get(p, "polled")) ? "yes" : "no");
		ctl_table_cell(t, "%s", json_is_true(json_object_get(p, "ready")) ? "yes" : "no");
		ctl_table_cell(t, "%lld", (long long)json_integer_value(json_object_get(p, "rx")));
		ctl_table_cell(t, "%lld", (long long)json_integer_value(json_object_get(p, "tx")));
		ctl_table_cell(t, "%lld", (long long)json_integer_value(json_object_get(p, "drop")));
	}
	return ctl_table_print(t);
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
