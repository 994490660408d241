/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdio.h>

#include "hpctl.h"

static void table(json_t *res)
{
	json_t *p;
	size_t i;

	printf("%-5s %-20s %-16s %-6s %-8s %-18s %s\n", "PORT", "NAME", "DRIVER", "BUS",
	       "STATE", "MAC", "DEVARGS");
	json_array_foreach(json_object_get(res, "ports"), i, p)
		printf("%-5lld %-20s %-16s %-6s %-8s %-18s %s\n",
		       (long long)json_integer_value(json_object_get(p, "port")),
		       json_string_value(json_object_get(p, "name")),
		       json_string_value(json_object_get(p, "driver")),
		       json_string_value(json_object_get(p, "bus")),
		       json_string_value(json_object_get(p, "state")),
		       json_string_value(json_object_get(p, "mac")) ?: "-",
		       json_string_value(json_object_get(p, "devargs")));
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
