/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdio.h>

#include "hpctl.h"

static int exec(struct ctl *ctl, int argc, char **argv)
{
	(void)argc;
	if (ctl->config == NULL) {
		fprintf(stderr, "usage: hpctl configure DEVICE --rxq N|--txq N|--rxd N|--txd N|"
			"--mtu N|--promisc on|off|--rss LIST|--pool-size N|--pool-cache N|--pool-socket N\n");
		return EXIT_USAGE;
	}
	return ctl_port_op(ctl, "configure", argv[0], "configured");
}

const struct cmd_entry cmd_configure_entry = {
	.name = "configure", .usage = "DEVICE --rxq N ...", .min_args = 1, .max_args = 1,
	.help = "change a port's configuration", .exec = exec,
	.options = ctl_port_options, .option = ctl_port_option,
};
