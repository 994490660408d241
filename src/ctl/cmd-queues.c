/* SPDX-License-Identifier: BSD-3-Clause */
/* queues: who polls which queue (the primary's lease table). */
#include <stdio.h>

#include "hpctl.h"

static const char *member_cell(json_t *row, char *buf, size_t len)
{
	json_t *m = json_object_get(row, "member");

	snprintf(buf, len, "%s (%d)", json_string_value(json_object_get(m, "name")) ?: "?",
		 (int)json_integer_value(json_object_get(m, "pid")));
	return buf;
}

static int table(const struct ctl *ctl, json_t *res)
{
	static const struct ctl_column cols[] = {
		{"PORT", true, "port"}, {"DEVICE", .key = "device"}, {"DIR", .key = "dir"},
		{"QUEUE", true, "queue"}, {"MEMBER", .cell = member_cell},
		{"CLAIM", true, "claim"}, {NULL},
	};
	json_t *v = json_object_get(res, "violations");
	int rc = ctl_table_rows(ctl, cols, json_object_get(res, "queues"));

	/* test builds: two pollers were seen inside bursts on one queue */
	if (rc == 0 && json_integer_value(v) > 0)
		printf("violations: %lld (queues polled by two pollers at once)\n",
		       (long long)json_integer_value(v));
	return rc;
}

static int exec(struct ctl *ctl, int argc, char **argv)
{
	(void)argc, (void)argv;
	return ctl_show(ctl, "queues", table);
}

const struct cmd_entry cmd_queues_entry = {
	.name = "queues", .usage = "", .min_args = 0, .max_args = 0,
	.help = "queue leases: which member polls which queue", .exec = exec,
};
