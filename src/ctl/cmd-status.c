/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdio.h>
#include <stdlib.h>

#include "hpctl.h"

static void table(json_t *res)
{
	json_t *v;
	const char *k;

	json_object_foreach(res, k, v) {
		char *s = json_is_string(v) ? NULL : json_dumps(v, JSON_ENCODE_ANY);

		printf("%-20s %s\n", k, s ? s : json_string_value(v));
		free(s);
	}
}

static int exec(struct ctl *ctl, int argc, char **argv)
{
	(void)argc, (void)argv;
	return ctl_show(ctl, "status", table);
}

const struct cmd_entry cmd_status_entry = {
	.name = "status", .usage = "", .min_args = 0, .max_args = 0,
	.help = "version, role, pid, file-prefix, uptime", .exec = exec,
};
