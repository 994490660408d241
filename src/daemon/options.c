/* SPDX-License-Identifier: BSD-3-Clause */
/* The command line: hotplugd [EAL options] -- [hotplugd options]. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "events.h"
#include "hotplugd.h"
#include "log.h"
#include "options.h"

/* --max-clients: more descriptors than a default RLIMIT_NOFILE allows */
#define MAX_CLIENTS_LIMIT 65536

static void usage(FILE *f, const char *prog)
{
	fprintf(f,
		"usage: %s [EAL options] -- [options]\n"
		"       %s --help | --version\n"
		"  -r, --runtime-dir DIR     control sockets under DIR/<file-prefix>/\n"
		"                            (default /run/hotplugd for root)\n"
		"  -s, --socket PATH         this process's control socket\n"
		"  -n, --name NAME           name shown by ps\n"
		"      --console             test-plan console on stdin (example> )\n"
		"      --ping-timeout MS     member liveness deadline (default 250)\n"
		"      --op-timeout MS       member deadline for attach/detach (default 5000)\n"
		"      --call-timeout MS     primary: deadline of its own driver calls (probe,\n"
		"                            remove, start, stop; default: the --op-timeout)\n"
		"      --unresponsive POLICY fence (default) or refuse\n"
		"      --max-clients N       control connections (default 128)\n"
		"      --idle-timeout MS     close idle clients (default 60000, 0: never)\n"
		"      --event-history N     events kept for subscribe {since} (default 1024;\n"
		"                            also at most 1 MiB of them)\n"
		"      --read-group G        may read (default hotplugd)\n"
		"      --admin-group G       may change devices (default hotplugd-admin)\n"
		"      --policy FILE         devargs policy (default /etc/hotplugd/policy.json\n"
		"                            if present, else built in; see hotplugd(8))\n"
		"      --log-level LEVEL     err, warning, notice, info (default), debug\n"
		"      --state-file FILE     primary: record devices here and restore them at\n"
		"                            start (default $STATE_DIRECTORY or /var/lib/hotplugd,\n"
		"                            then <prefix>/state.json; dpdk-hotplug_mp: none)\n"
		"      --no-state            no state file\n"
		"      --require-state       refuse a change that cannot be recorded in the\n"
		"                            state file (default: done, answered persisted=false)\n"
		"      --devices FILE        primary: devices to attach at start (JSON list)\n"
		"      --worker io|rxonly    secondary: a data-path worker on the worker lcores\n"
		"                            (io: forward between port pairs; rxonly: count)\n"
		"      --worker-ports P,...  ports the worker uses (name patterns, default *)\n"
		"      --worker-queues RULE  the queues it claims and polls (default all: every\n"
		"                            queue of its ports; N; port=P:q=0-1; see hpctl(8))\n"
		"      --print-eal-args      print the EAL arguments (PCI safety) and exit\n"
		"  -h, --help, -V, --version (also before --)\n", prog, prog);
}

static int parse_int(const char *s, int min, int max, const char *what)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*s == '\0' || *end || v < min || v > max) {
		fprintf(stderr, "hotplugd: %s must be an integer in [%d, %d]\n", what, min, max);
		exit(2);
	}
	return (int)v;
}

static void parse_options(int argc, char **argv, struct cli_options *cli)
{
	enum { O_CONSOLE = 256, O_PING, O_OP, O_UNRESP, O_MAXCL, O_IDLE, O_RGRP, O_AGRP,
	       O_LOG, O_POLFILE, O_STATE, O_NOSTATE, O_DEVICES, O_WORKER, O_WPORTS, O_WQUEUES,
	       O_CALL, O_REQSTATE, O_EVHIST };
	static const struct option opts[] = {
		{"runtime-dir", required_argument, NULL, 'r'},
		{"socket", required_argument, NULL, 's'},
		{"name", required_argument, NULL, 'n'},
		{"console", no_argument, NULL, O_CONSOLE},
		{"ping-timeout", required_argument, NULL, O_PING},
		{"op-timeout", required_argument, NULL, O_OP},
		{"call-timeout", required_argument, NULL, O_CALL},
		{"unresponsive", required_argument, NULL, O_UNRESP},
		{"max-clients", required_argument, NULL, O_MAXCL},
		{"idle-timeout", required_argument, NULL, O_IDLE},
		{"event-history", required_argument, NULL, O_EVHIST},
		{"read-group", required_argument, NULL, O_RGRP},
		{"admin-group", required_argument, NULL, O_AGRP},
		{"log-level", required_argument, NULL, O_LOG},
		{"policy", required_argument, NULL, O_POLFILE},
		{"state-file", required_argument, NULL, O_STATE},
		{"no-state", no_argument, NULL, O_NOSTATE},
		{"require-state", no_argument, NULL, O_REQSTATE},
		{"devices", required_argument, NULL, O_DEVICES},
		{"worker", required_argument, NULL, O_WORKER},
		{"worker-ports", required_argument, NULL, O_WPORTS},
		{"worker-queues", required_argument, NULL, O_WQUEUES},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "r:s:n:hV", opts, NULL)) != -1) {
		switch (c) {
		case 'r': hpd.opt.runtime_dir = optarg; break;
		case 's': hpd.opt.socket_path = optarg; break;
		case 'n': hpd.opt.name = optarg; break;
		case O_CONSOLE: hpd.opt.console = true; break;
		case O_PING: hpd.opt.ping_timeout_ms = parse_int(optarg, 1, 60000, "--ping-timeout"); break;
		case O_OP: hpd.opt.op_timeout_ms = parse_int(optarg, 1, 600000, "--op-timeout"); break;
		case O_CALL:
			hpd.opt.call_timeout_ms = parse_int(optarg, 1, 600000, "--call-timeout");
			break;
		case O_UNRESP:
			if (strcmp(optarg, "fence") == 0)
				hpd.opt.unresponsive = HPD_UNRESPONSIVE_FENCE;
			else if (strcmp(optarg, "refuse") == 0)
				hpd.opt.unresponsive = HPD_UNRESPONSIVE_REFUSE;
			else {
				fprintf(stderr, "hotplugd: --unresponsive is fence or refuse\n");
				exit(2);
			}
			break;
		case O_MAXCL:
			hpd.opt.max_clients = parse_int(optarg, 1, MAX_CLIENTS_LIMIT, "--max-clients");
			break;
		case O_IDLE: hpd.opt.idle_timeout_ms = parse_int(optarg, 0, 86400000, "--idle-timeout"); break;
		case O_EVHIST:
			hpd.opt.event_history = parse_int(optarg, 1, 1000000, "--event-history");
			break;
		case O_RGRP: hpd.opt.read_group = optarg; break;
		case O_AGRP: hpd.opt.admin_group = optarg; break;
		case O_POLFILE: hpd.opt.policy_file = optarg; break;
		case O_STATE: hpd.opt.state_file = optarg; break;
		case O_NOSTATE: cli->no_state = true; break;
		case O_REQSTATE: hpd.opt.require_state = true; break;
		case O_DEVICES: hpd.opt.devices_file = optarg; break;
		case O_WORKER:
			if (strcmp(optarg, "io") == 0)
				cli->worker_mode = DP_IO;
			else if (strcmp(optarg, "rxonly") == 0)
				cli->worker_mode = DP_RXONLY;
			else {
				fprintf(stderr, "hotplugd: --worker is io or rxonly\n");
				exit(2);
			}
			break;
		case O_WPORTS: cli->worker_ports = optarg; break;
		case O_WQUEUES: cli->worker_queues = optarg; break;
		case O_LOG:
			if ((hpd_log_level = hpd_log_level_parse(optarg)) < 0) {
				fprintf(stderr, "hotplugd: unknown log level %s\n", optarg);
				exit(2);
			}
			break;
		case 'h': usage(stdout, argv[0]); exit(0);
		case 'V':
#ifdef HPD_FAULT_HOOKS
			printf("hotplugd %s (test build: fault hooks)\n", HPD_VERSION);
#else
			printf("hotplugd %s\n", HPD_VERSION);
#endif
			exit(0);
		default: usage(stderr, argv[0]); exit(2);
		}
	}
	if (optind < argc) {
		fprintf(stderr, "hotplugd: unexpected argument %s\n", argv[optind]);
		exit(2);
	}
}

static bool is_help_or_version(const char *arg)
{
	return strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0 ||
	       strcmp(arg, "-V") == 0 || strcmp(arg, "--version") == 0;
}

int options_parse(int argc, char **argv, bool console_default, struct cli_options *cli)
{
	int ours;

	*cli = (struct cli_options){0};
	hpd.opt = (struct hpd_options){
		.console = console_default, .ping_timeout_ms = 250, .op_timeout_ms = 5000,
		.unresponsive = HPD_UNRESPONSIVE_FENCE, .max_clients = 128,
		.idle_timeout_ms = 60000, .event_history = EVENTS_HISTORY_COUNT, .read_group = "hotplugd", .admin_group = "hotplugd-admin",
	};
	/* an option of ours that needs no EAL: take it out before parsing */
	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (is_help_or_version(argv[i])) {
			/* what every command answers: before the EAL sees
			 * them (its own -h prints EAL usage, -V is unknown) */
			char *only[] = {argv[0], argv[i], NULL};

			parse_options(2, only, cli);
		}
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--print-eal-args") == 0) {
			cli->print_eal_args = true;
			memmove(&argv[i], &argv[i + 1], (argc - i) * sizeof(*argv));
			argc--;
			i--;
		}
	/* Our options come after "--", like every DPDK application's. */
	for (ours = 1; ours < argc && strcmp(argv[ours], "--") != 0; ours++)
		;
	if (ours < argc) {
		argv[ours] = argv[0];
		parse_options(argc - ours, argv + ours, cli);
		argv[ours] = "--";
	}
	/* The test-plan console stands in for DPDK's example, which keeps
	 * nothing: a plan that starts with "no device" must find none. */
	if (console_default && hpd.opt.state_file == NULL)
		cli->no_state = true;
	return ours;
}
