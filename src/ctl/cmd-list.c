/* SPDX-License-Identifier: BSD-3-Clause */
#include "hpctl.h"

static int table(const struct ctl *ctl, json_t *res)
{
	static const struct ctl_column cols[] = {
		{"PORT", true, "port"}, {"NAME", .key = "name"}, {"DRIVER", .key = "driver"},
		{"BUS", .key = "bus"}, {"STATE", .key = "state"}, {"RXQ", true, "rx_queues"},
		{"TXQ", true, "tx_queues"}, {"MTU", true, "mtu"}, {"MAC", .key = "mac"},
		{"DEVARGS", .key = "devargs"}, {NULL},
	};

	return ctl_table_rows(ctl, cols, json_object_get(res, "ports"));
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
