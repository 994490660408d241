/* SPDX-License-Identifier: BSD-3-Clause */
#include "hpctl.h"

static int exec(struct ctl *ctl, int argc, char **argv)
{
	(void)argc;
	return ctl_port_op(ctl, "start", argv[0], "started");
}

const struct cmd_entry cmd_start_entry = {
	.name = "start", .usage = "DEVICE [--rxq N ...]", .min_args = 1, .max_args = 1,
	.help = "configure and start a port", .exec = exec,
	.options = ctl_port_options, .option = ctl_port_option,
};
