/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdio.h>

#include "hpctl.h"

static int exec(struct ctl *ctl, int argc, char **argv)
{
	json_t *res, *p;
	size_t i;
	int rc;

	(void)argc, (void)argv;
	if ((rc = ctl_call(ctl, "list", NULL, &res)) != 0)
		return rc;
	if (ctl->json) {
		ctl_print_json(res);
	} else {
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
	json_decref(res);
	return EXIT_OK;
}

const struct cmd_entry cmd_list_entry = {
	.name = "list", .usage = "", .min_args = 0, .max_args = 0,
	.help = "the process's ethdev ports", .exec = exec,
};
