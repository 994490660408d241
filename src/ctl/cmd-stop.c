/* SPDX-License-Identifier: BSD-3-Clause */
#include "hpctl.h"

static int exec(struct ctl *ctl, int argc, char **argv)
{
	(void)argc;
	return ctl_simple_op(ctl, "stop", "device", argv[0], "stopped");
}

const struct cmd_entry cmd_stop_entry = {
	.name = "stop", .usage = "DEVICE", .min_args = 1, .max_args = 1,
	.help = "stop a port", .exec = exec,
};
