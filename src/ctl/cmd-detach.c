/* SPDX-License-Identifier: BSD-3-Clause */
#include "hpctl.h"

static int exec(struct ctl *ctl, int argc, char **argv)
{
	(void)argc;
	return ctl_simple_op(ctl, "detach", "device", argv[0], "detached");
}

const struct cmd_entry cmd_detach_entry = {
	.name = "detach", .usage = "DEVICE", .min_args = 1, .max_args = 1,
	.help = "detach a device (name, devargs or port id) everywhere", .exec = exec,
};
