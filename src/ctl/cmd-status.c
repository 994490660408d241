/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdio.h>
#include <stdlib.h>

#include "hpctl.h"

static int exec(struct ctl *ctl, int argc, char **argv)
{
	json_t *res, *v;
	const char *k;
	int rc;

	(void)argc, (void)argv;
	if ((rc = ctl_call(ctl, "status", NULL, &res)) != 0)
		return rc;
	if (ctl->json) {
		ctl_print_json(res);
	} else {
		json_object_foreach(res, k, v) {
			char *s = json_is_string(v) ? NULL : json_dumps(v, JSON_ENCODE_ANY);

			printf("%-20s %s\n", k, s ? s : json_string_value(v));
			free(s);
		}
	}
	json_decref(res);
	return EXIT_OK;
}

const struct cmd_entry cmd_status_entry = {
	.name = "status", .usage = "", .min_args = 0, .max_args = 0,
	.help = "version, role, pid, file-prefix, uptime", .exec = exec,
};
