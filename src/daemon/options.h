/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The command line. What every layer reads goes to hpd.opt (hotplugd.h);
 * what only the composition in main.c needs stays here.
 */
#ifndef HPD_OPTIONS_H
#define HPD_OPTIONS_H

#include <stdbool.h>

#include "datapath.h"

struct cli_options {
	bool print_eal_args;
	bool no_state;
	enum datapath_mode worker_mode; /* --worker */
	const char *worker_ports;
	const char *worker_queues; /* --worker-queues, NULL: all */
};

/* Defaults into hpd.opt, then our options (those after "--"; and
 * --print-eal-args anywhere, taken out of argv). Returns how many
 * arguments are the EAL's. Exits with status 2 on a bad option, 0 after
 * --help or --version, which are also ours before "--" (nothing for the
 * EAL to do). */
int options_parse(int argc, char **argv, bool console_default, struct cli_options *cli);

#endif
