/* SPDX-License-Identifier: BSD-3-Clause */
#include "hpctl.h"

static void row(const char *key, const char *value, void *t)
{
	ctl_table_row(t);
	ctl_table_cell(t, "%s", key);
	ctl_table_cell(t, "%s", value);
}

/* One field a line, values rounded for a reader (uptime 12.1s, not
 * 12.085772888999999), nested objects as dotted keys. */
static int table(const struct ctl *ctl, json_t *res)
{
	static const struct ctl_column cols[] = {{"FIELD"}, {"VALUE"}, {NULL}};
	struct ctl ctl_nolegend = *ctl;
	struct ctl_table *t;

	ctl_nolegend.no_legend = true; /* the keys say what each line is */
	t = ctl_table_new(&ctl_nolegend, cols);
	ctl_fields(res, row, t);
	return ctl_table_print(t);
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
