/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hotplugd [EAL options] -- [hotplugd options]
 * Start-up and shutdown order; everything else lives in its own file.
 */
#include <errno.h>
#include <limits.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/thread.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <systemd/sd-daemon.h>

#include "agent.h"
#include "api.h"
#include "console.h"
#include "control.h"
#include "datapath.h"
#include "dev.h"
#include "eal_args.h"
#include "engine.h"
#include "hotplugd.h"
#include "inbox.h"
#include "log.h"
#include "members.h"
#include "mp.h"
#include "relay.h"
#include "state.h"
#include "worker.h"

#ifndef HPD_CONSOLE_DEFAULT
#define HPD_CONSOLE_DEFAULT 0
#endif

struct hpd hpd;
int hpd_exit_status;

double hpd_uptime(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - hpd.started.tv_sec) + (t.tv_nsec - hpd.started.tv_nsec) / 1e9;
}

void hpd_shutdown(int status)
{
	if (!hpd.stopping)
		hpd_exit_status = status;
	hpd.stopping = true;
	event_base_loopbreak(hpd.base);
}

static void usage(FILE *f, const char *prog)
{
	fprintf(f,
		"usage: %s [EAL options] -- [options]\n"
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
		"      --print-eal-args      print the EAL arguments (PCI safety) and exit\n"
		"  -h, --help, -V, --version\n", prog);
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

/* --proc-type=auto (or none: DPDK's default is primary) among the EAL's
 * arguments argv[1..argc) */
static bool proc_type_auto(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--proc-type=auto") == 0)
			return true;
		if (strcmp(argv[i], "--proc-type") == 0 && i + 1 < argc)
			return strcmp(argv[i + 1], "auto") == 0;
	}
	return false;
}

/* rte_eal_init() leaves rte_errno at 0 on several paths ("Success"): say
 * what the EAL said, and the usual cause for a secondary. */
static void eal_init_failed(int argc, char **argv)
{
	const char *said = eal_log_capture_end();
	bool secondary = false;

	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--proc-type=secondary") == 0 ||
		    (strcmp(argv[i], "--proc-type") == 0 && i + 1 < argc &&
		     strcmp(argv[i + 1], "secondary") == 0))
			secondary = true;
	log_err("EAL initialisation failed: %s", *said ? said : rte_errno ?
		rte_strerror(rte_errno) : "see the EAL messages above");
	if (secondary)
		log_err("a secondary needs a running primary with the same --file-prefix (%s): "
			"none was found under %s", hpd.prefix, rte_eal_get_runtime_dir());
}

static bool no_state, started_auto;

/* Ready once the devices are back: READY=1, the start-up line and the
 * console's prompt all mean "what you see now is the whole state". */
static void ready(void)
{
	/* the role DPDK gave us, and where, so that a mistyped --file-prefix
	 * under --proc-type=auto (a new primary) is seen at once */
	log_notice("%s %s pid %d ready: file-prefix %s, DPDK runtime directory %s, control "
		   "socket %s%s", hpd_is_primary() ? "primary" : "secondary", hpd.name, hpd.pid,
		   hpd.prefix, rte_eal_get_runtime_dir(), hpd.sock_path,
		   started_auto ? (hpd_is_primary() ?
		   " (--proc-type=auto: no primary had this file-prefix, so this is a new group)" :
		   " (--proc-type=auto: joined the primary of this file-prefix)") : "");
	sd_notify(0, "READY=1");
	hpd_notify_status();
	if (hpd.opt.console && console_start() != 0)
		hpd_shutdown(1);
}
static enum datapath_mode worker_mode;
static const char *worker_ports;

static void parse_options(int argc, char **argv)
{
	enum { O_CONSOLE = 256, O_PING, O_OP, O_POLICY, O_MAXCL, O_IDLE, O_RGRP, O_AGRP,
	       O_LOG, O_POLFILE, O_STATE, O_NOSTATE, O_DEVICES, O_WORKER, O_WPORTS,
	       O_CALL, O_REQSTATE };
	static const struct option opts[] = {
		{"runtime-dir", required_argument, NULL, 'r'},
		{"socket", required_argument, NULL, 's'},
		{"name", required_argument, NULL, 'n'},
		{"console", no_argument, NULL, O_CONSOLE},
		{"ping-timeout", required_argument, NULL, O_PING},
		{"op-timeout", required_argument, NULL, O_OP},
		{"call-timeout", required_argument, NULL, O_CALL},
		{"unresponsive", required_argument, NULL, O_POLICY},
		{"max-clients", required_argument, NULL, O_MAXCL},
		{"idle-timeout", required_argument, NULL, O_IDLE},
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
		case O_CALL: hpd.opt.call_timeout_ms = parse_int(optarg, 1, 600000, "--call-timeout"); break;
		case O_POLICY:
			if (strcmp(optarg, "fence") == 0)
				hpd.opt.policy = HPD_POLICY_FENCE;
			else if (strcmp(optarg, "refuse") == 0)
				hpd.opt.policy = HPD_POLICY_REFUSE;
			else {
				fprintf(stderr, "hotplugd: --unresponsive is fence or refuse\n");
				exit(2);
			}
			break;
		case O_MAXCL: hpd.opt.max_clients = parse_int(optarg, 1, 65536, "--max-clients"); break;
		case O_IDLE: hpd.opt.idle_timeout_ms = parse_int(optarg, 0, 86400000, "--idle-timeout"); break;
		case O_RGRP: hpd.opt.read_group = optarg; break;
		case O_AGRP: hpd.opt.admin_group = optarg; break;
		case O_POLFILE: hpd.opt.policy_file = optarg; break;
		case O_STATE: hpd.opt.state_file = optarg; break;
		case O_NOSTATE: no_state = true; break;
		case O_REQSTATE: hpd.opt.require_state = true; break;
		case O_DEVICES: hpd.opt.devices_file = optarg; break;
		case O_WORKER:
			if (strcmp(optarg, "io") == 0)
				worker_mode = DP_IO;
			else if (strcmp(optarg, "rxonly") == 0)
				worker_mode = DP_RXONLY;
			else {
				fprintf(stderr, "hotplugd: --worker is io or rxonly\n");
				exit(2);
			}
			break;
		case O_WPORTS: worker_ports = optarg; break;
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

static void on_mp(struct inbox_item *it)
{
	const struct hpd_mp_msg *m = &it->msg;
	struct hpd_mp_msg rep;

	if (!hpd_is_primary()) {
		agent_handle(m);
		return;
	}
	switch (m->h.type) {
	case HPD_MP_ACK:
	case HPD_MP_RECEIVED:
		engine_ack(m);
		break;
	case HPD_MP_LEAVE:
		members_leave(m->h.pid, "stopped");
		break;
	case HPD_MP_JOIN_REQ:
		mp_msg_init(&rep, HPD_MP_JOIN_REP, 0);
		rep.h.rc = members_join(m->h.pid, m->u.name, !(m->h.flags & HPD_JOIN_NO_SOCKET));
		if (it->is_request && mp_join_reply(&rep, it->peer) != 0)
			log_err("join reply to %d failed", m->h.pid);
		break;
	default:
		break;
	}
}

/* Pings come from the loop itself, so a stuck loop stops them and systemd
 * restarts the daemon. */
static void watchdog_ping(evutil_socket_t fd, short what, void *arg)
{
	(void)fd, (void)what, (void)arg;
	sd_notify(0, "WATCHDOG=1");
}

static void watchdog_init(void)
{
	static struct event *ev;
	uint64_t usec;
	struct timeval tv;

	if (sd_watchdog_enabled(0, &usec) <= 0)
		return;
	usec /= 2;
	tv.tv_sec = usec / 1000000;
	tv.tv_usec = usec % 1000000;
	ev = event_new(hpd.base, -1, EV_PERSIST, watchdog_ping, NULL);
	event_add(ev, &tv);
	sd_notify(0, "WATCHDOG=1");
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	(void)what, (void)arg;
	log_notice("%s: stopping", strsignal(sig));
	hpd_shutdown(0);
}

/* The policy applies in the primary (it decides every attach), but every
 * process loads it so that status shows what is in force. */
static int load_policy(void)
{
	const char *file = hpd.opt.policy_file;
	char err[512], cwd[256];
	int rc;

	if (file == NULL && access("/etc/hotplugd/policy.json", F_OK) == 0)
		file = "/etc/hotplugd/policy.json";
	if (file) {
		rc = policy_load(&hpd.policy, file, err, sizeof(err));
		if (rc)
			log_err("policy: %s", err);
		return rc;
	}
	policy_default(&hpd.policy, hpd.socket_dir,
		       hpd.opt.console && getcwd(cwd, sizeof(cwd)) ? cwd : NULL);
	return 0;
}

/* The default state file lives under /var/lib/hotplugd/<prefix>/; on
 * failure buf holds the directory that could not be made. */
static int state_path(char *buf, size_t len)
{
	char dir[PATH_MAX];

	const char *base = getenv("STATE_DIRECTORY"); /* systemd StateDirectory= */

	if (hpd.opt.state_file) {
		snprintf(buf, len, "%s", hpd.opt.state_file);
		return 0;
	}
	if (base == NULL || *base == '\0')
		base = "/var/lib/hotplugd";
	snprintf(dir, sizeof(dir), "%.*s/%.64s", (int)strcspn(base, ":"), base, hpd.prefix);
	if ((mkdir(base, 0750) < 0 && errno != EEXIST) ||
	    (mkdir(dir, 0750) < 0 && errno != EEXIST)) {
		int rc = -errno;

		snprintf(buf, len, "%s", dir);
		return rc;
	}
	if ((size_t)snprintf(buf, len, "%s/state.json", dir) >= len)
		return -ENAMETOOLONG;
	return 0;
}

static int make_group_dir(void)
{
	if (mkdir(hpd.paths.runtime, 0755) < 0 && errno != EEXIST)
		return -errno;
	/* Not world-writable: only root creates sockets here. */
	if (mkdir(hpd.paths.group, 0755) < 0 && errno != EEXIST)
		return -errno;
	/* vhost-user, virtio-user and memif sockets go here by default */
	if (hpd_is_primary() && mkdir(hpd.socket_dir, 0750) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

void hpd_notify_status(void)
{
	if (hpd_is_primary())
		sd_notifyf(0, "STATUS=%u devices, %u members", dev_count(), members_count());
	else
		sd_notifyf(0, "STATUS=%u devices, primary pid %d", dev_count(), hpd.primary_pid);
}

int main(int argc, char **argv)
{
	struct event *sigs[2];
	char **eal_argv, **eal_copy, state_buf[PATH_MAX];
	int eal_argc, rc, ours;
	bool print_only = false;

	clock_gettime(CLOCK_MONOTONIC, &hpd.started);
	hpd.opt = (struct hpd_options){
		.console = HPD_CONSOLE_DEFAULT, .ping_timeout_ms = 250, .op_timeout_ms = 5000,
		.policy = HPD_POLICY_FENCE, .max_clients = 128, .idle_timeout_ms = 60000,
		.read_group = "hotplugd", .admin_group = "hotplugd-admin",
	};
	/* an option of ours that needs no EAL: take it out before parsing */
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--print-eal-args") == 0) {
			print_only = true;
			memmove(&argv[i], &argv[i + 1], (argc - i) * sizeof(*argv));
			argc--;
			i--;
		}
	/* Our options come after "--", like every DPDK application's. */
	for (ours = 1; ours < argc && strcmp(argv[ours], "--") != 0; ours++)
		;
	if (ours < argc) {
		argv[ours] = argv[0];
		parse_options(argc - ours, argv + ours);
		argv[ours] = "--";
	}
	eal_argc = eal_args_build(ours, argv, "/sys", &eal_argv);
	if (eal_argc < 0) {
		fprintf(stderr, "hotplugd: %s\n", strerror(-eal_argc));
		return 1;
	}
	if (print_only) {
		for (int i = 1; i < eal_argc; i++)
			printf("%s%s", eal_argv[i], i + 1 < eal_argc ? " " : "\n");
		eal_args_free(eal_argv);
		return 0;
	}
	snprintf(hpd.prefix, sizeof(hpd.prefix), "%s",
		 eal_args_file_prefix(ours, argv) ?: HPD_DEFAULT_PREFIX);
	if (eal_log_init() != 0)
		log_warn("cannot redirect the EAL log: error reasons will be terse");
	/* rte_eal_init() reorders the array it is given: hand it a copy of
	 * the pointers and keep ours to free them */
	eal_copy = calloc(eal_argc + 1, sizeof(*eal_copy));
	if (eal_copy == NULL)
		return 1;
	memcpy(eal_copy, eal_argv, eal_argc * sizeof(*eal_copy));
	eal_log_capture_begin();
	if (rte_eal_init(eal_argc, eal_copy) < 0) {
		eal_init_failed(ours, argv);
		free(eal_copy);
		eal_args_free(eal_argv);
		return 1;
	}
	eal_log_capture_end();
	hpd.role = rte_eal_process_type() == RTE_PROC_PRIMARY ? HPD_PRIMARY : HPD_SECONDARY;
	hpd.pid = getpid();
	if (hpd.opt.name)
		snprintf(hpd.name, sizeof(hpd.name), "%s", hpd.opt.name);
	else
		snprintf(hpd.name, sizeof(hpd.name), "%s-%d",
			 hpd_is_primary() ? "primary" : "secondary", hpd.pid);

	rc = hpd_paths_init(&hpd.paths, hpd.opt.runtime_dir, hpd.prefix);
	if (rc == 0 && hpd.opt.socket_path)
		snprintf(hpd.sock_path, sizeof(hpd.sock_path), "%s", hpd.opt.socket_path);
	else if (rc == 0 && hpd_is_primary())
		snprintf(hpd.sock_path, sizeof(hpd.sock_path), "%s", hpd.paths.primary);
	else if (rc == 0)
		rc = hpd_paths_member(&hpd.paths, hpd.pid, hpd.sock_path, sizeof(hpd.sock_path));
	if (rc == 0 && strlen(hpd.paths.group) + sizeof("/sockets") > sizeof(hpd.socket_dir))
		rc = -ENAMETOOLONG;
	else
		snprintf(hpd.socket_dir, sizeof(hpd.socket_dir), "%.*s/sockets",
			 (int)(sizeof(hpd.socket_dir) - sizeof("/sockets")), hpd.paths.group);
	if (rc == 0)
		rc = make_group_dir();
	if (rc) {
		log_err("runtime directory %s: %s", hpd.paths.group, strerror(-rc));
		goto out_eal;
	}
	api_acl_init(hpd.opt.read_group, hpd.opt.admin_group);
	/* The test-plan console stands in for DPDK's example, which keeps
	 * nothing: a plan that starts with "no device" must find none. */
	if (HPD_CONSOLE_DEFAULT && hpd.opt.state_file == NULL)
		no_state = true;
	if (hpd_is_primary() && !no_state && (rc = state_path(state_buf, sizeof(state_buf))) != 0) {
		char why[PATH_MAX + 160];

		snprintf(why, sizeof(why), "cannot create the state directory %s: %s",
			 state_buf, strerror(-rc));
		if (hpd.opt.state_file || hpd.opt.require_state) {
			log_err("state file: %s", why);
			goto out_eal;
		}
		/* a read-only root (immutable image, container): run, but say
		 * once that nothing will survive a restart */
		log_warn("%s; starting without persistence: devices will not be restored after "
			 "a restart (--state-file FILE puts the state elsewhere, --no-state "
			 "silences this)", why);
		no_state = true;
		state_init(NULL);
		state_unavailable(why);
		rc = 0;
	} else {
		state_init(hpd_is_primary() && !no_state ? state_buf : NULL);
	}
	if (load_policy() != 0) {
		rc = -EINVAL;
		goto out_eal;
	}

	/* the device worker wakes the loop from its own thread */
	evthread_use_pthreads();
	hpd.base = event_base_new();
	if (hpd.base == NULL || inbox_init(hpd.base, on_mp) != 0 ||
	    worker_init(hpd.base) != 0) {
		log_err("event loop: out of memory");
		rc = -ENOMEM;
		goto out_eal;
	}
	if ((rc = mp_init()) != 0) {
		log_err("mp channel: %s", strerror(-rc));
		goto out_eal;
	}
	if ((rc = dev_init()) != 0)
		goto out_mp;
	if (hpd_is_primary()) {
		members_init(hpd.base);
		engine_init(hpd.base);
	} else {
		relay_init(hpd.base);
		if ((rc = agent_start(hpd.base)) != 0)
			goto out_mp;
	}
	if (worker_mode != DP_NONE && hpd_is_primary()) {
		log_err("--worker: the data path runs in secondaries; this process is the primary");
		rc = -EINVAL;
		goto out_agent;
	}
	if ((rc = datapath_init(worker_mode, worker_ports)) != 0)
		goto out_agent;
	if ((rc = control_init(hpd.base, hpd.sock_path)) != 0) {
		log_err("control socket %s: %s", hpd.sock_path, strerror(-rc));
		goto out_agent;
	}
	if (hpd.opt.console && (rc = console_init(hpd.base)) != 0)
		goto out_control;

	signal(SIGPIPE, SIG_IGN);
	sigs[0] = evsignal_new(hpd.base, SIGTERM, on_signal, NULL);
	sigs[1] = evsignal_new(hpd.base, SIGINT, on_signal, NULL);
	event_add(sigs[0], NULL);
	event_add(sigs[1], NULL);

	started_auto = proc_type_auto(ours, argv);
	if (hpd_is_primary())
		state_restore(hpd.opt.devices_file, ready);
	else
		ready();
	watchdog_init();

	event_base_dispatch(hpd.base);

	sd_notify(0, "STOPPING=1");
	event_free(sigs[0]);
	event_free(sigs[1]);
	if (hpd.opt.console)
		console_fini();
out_control:
	control_fini();
out_agent:
	datapath_fini();
	if (!hpd_is_primary()) {
		agent_stop();
		relay_fini();
	} else {
		engine_fini();
		members_fini();
	}
out_mp:
	mp_fini();
	/* a driver call still stuck holds DPDK's locks: leave its memory
	 * to the exit rather than wait in the EAL's clean-up */
	if (worker_fini() != 0)
		goto out_free;
out_eal:
	rte_eal_cleanup();
out_free:
	free(eal_copy);
	eal_args_free(eal_argv);
	if (rc)
		return 1;
	return hpd_exit_status;
}
