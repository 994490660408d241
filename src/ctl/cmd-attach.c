/* SPDX-License-Identifier: BSD-3-Clause */
#include "hpctl.h"

static int exec(struct ctl *ctl, int argc, char **argv)
{
	(void)argc;
	return ctl_simple_op(ctl, "attach", "devargs", argv[0], "attached");
}

const struct cmd_entry cmd_attach_entry = {
	.name = "attach", .usage = "DEVARGS", .min_args = 1, .max_args = 1,
	.help = "attach a device in every process of the group", .exec = exec,
};
