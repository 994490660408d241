/* SPDX-License-Identifier: BSD-3-Clause */
#include "hpctl.h"

static int table(const struct ctl *ctl, json_t *res)
{
	static const struct ctl_column cols[] = {
		{"PORT", true}, {"NAME"}, {"DRIVER"}, {"BUS"}, {"STATE"}, {"MAC"}, {"DEVARGS"}, {NULL},
	};
	struct ctl_table *t = ctl_table_new(ctl, cols);
	json_t *p;
	size_t i;

	json_array_foreach(json_object_get(res, "ports"), i, p) {
		ctl_table_row(t);
		ctl_table_cell(t, "%lld", (long long)json_integer_value(json_object_get(p, "port")));
		ctl_table_cell(t, "%s", json_string_value(json_object_get(p, "name")));
		ctl_table_cell(t, "%s", json_string_value(json_object_get(p, "driver")));
		ctl_table_cell(t, "%s", json_string_value(json_object_get(p, "bus")));
		ctl_table_cell(t, "%s", json_string_value(json_object_get(p, "state")));
		ctl_table_cell(t, "%s", json_string_value(json_object_get(p, "mac")) ?: "-");
		ctl_table_cell(t, "%s", json_string_value(json_object_get(p, "devargs")));
	}
	return ctl_table_print(t);
}

static int exec(struct ctl *ctl, int argc, char **argv)
{
	(void)argc, (void)argv;
	return ctl_show(ctl, "list", table);
}

const struct cmd_entry cmd_list_entry = {
	.name = "list", .usage = "", .min_args = 0, .max_args = 0,
	.help = "the process's ethdev ports", .exec = exec,
};
