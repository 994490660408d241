/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hotplugd [EAL options] -- [hotplugd options]
 * The composition root: start-up and shutdown order, and the registrations
 * that tie the layers together. Everything else lives in its own file;
 * what differs by role is in role-primary.c and role-secondary.c.
 */
#include <errno.h>
#include <limits.h>
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

#include "api.h"
#include "clock.h"
#include "console.h"
#include "control.h"
#include "datapath.h"
#include "dev.h"
#include "devjob.h"
#include "eal_args.h"
#include "eal_exit.h"
#include "eal_log.h"
#include "events.h"
#include "hotplugd.h"
#include "inbox.h"
#include "journal.h"
#include "log.h"
#include "metrics.h"
#include "mp.h"
#include "options.h"
#include "portstats.h"
#include "role.h"

#ifndef HPD_CONSOLE_DEFAULT
#define HPD_CONSOLE_DEFAULT 0
#endif

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
	tv = hpd_ms_timeval(usec / 2 / 1000); /* twice per period */
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

/* The event bus's other subscriber: systemd's STATUS= line follows what
 * happens (devices and members come and go). */
static void status_on_event(const char *event, json_t *params, const struct hpd_event *ev,
			    void *arg)
{
	const struct role_ops *role = arg;

	(void)event, (void)params, (void)ev;
	role->status();
}

/* The devargs policy applies in the primary (it decides every attach), but
 * every process loads it so that status shows what is in force. */
static int load_policy(void)
{
	const char *file = hpd.opt.policy_file;
	char err[512], cwd[256];
	int rc;

	if (file == NULL && access("/etc/hotplugd/policy.json", F_OK) == 0)
		file = "/etc/hotplugd/policy.json";
	if (file) {
		rc = policy_load(&hpd.devargs_policy, file, err, sizeof(err));
		if (rc)
			log_err("policy: %s", err);
		return rc;
	}
	policy_default(&hpd.devargs_policy, hpd.socket_dir,
		       hpd.opt.console && getcwd(cwd, sizeof(cwd)) ? cwd : NULL);
	return 0;
}

/* Made here or found: either way ours and private, or a user who made
 * it first could swap control.sock (and answer root's hpctl) or a socket. */
static int use_dir(const char *dir, mode_t mode)
{
	char reason[PATH_MAX + 160];
	int rc;

	if (mkdir(dir, mode) < 0 && errno != EEXIST)
		return -errno;
	if ((rc = hpd_dir_check(dir, reason, sizeof(reason))) != 0)
		log_err("%s", reason);
	return rc;
}

static int make_group_dir(void)
{
	int rc;

	if ((rc = use_dir(hpd.paths.runtime, 0755)) != 0 ||
	    /* Not world-writable: only root creates sockets here. */
	    (rc = use_dir(hpd.paths.group, 0755)) != 0)
		return rc;
	/* vhost-user, virtio-user and memif sockets go here by default */
	return hpd_is_primary() ? use_dir(hpd.socket_dir, 0750) : 0;
}

/* Who this process is and where its sockets go. */
static int identity_init(const struct role_ops *role)
{
	int rc;

	hpd.pid = getpid();
	if (hpd.opt.name)
		snprintf(hpd.name, sizeof(hpd.name), "%s", hpd.opt.name);
	else
		snprintf(hpd.name, sizeof(hpd.name), "%s-%d", role->name, hpd.pid);
	rc = hpd_paths_init(&hpd.paths, hpd.opt.runtime_dir, hpd.prefix);
	if (rc == 0 && hpd.opt.socket_path)
		snprintf(hpd.sock_path, sizeof(hpd.sock_path), "%s", hpd.opt.socket_path);
	else if (rc == 0)
		rc = role->socket_path(hpd.sock_path, sizeof(hpd.sock_path));
	if (rc == 0 && strlen(hpd.paths.group) + sizeof("/sockets") > sizeof(hpd.socket_dir))
		rc = -ENAMETOOLONG;
	else
		snprintf(hpd.socket_dir, sizeof(hpd.socket_dir), "%.*s/sockets",
			 (int)(sizeof(hpd.socket_dir) - sizeof("/sockets")), hpd.paths.group);
	if (rc == 0)
		rc = make_group_dir();
	if (rc)
		log_err("runtime directory %s: %s", hpd.paths.group, strerror(-rc));
	return rc;
}

static const struct role_ops *serving_role;
static bool eal_stuck; /* a device call never returned: no EAL clean-up */
static bool started_auto; /* --proc-type=auto chose the role */

/* Ready once the role says so (the primary: after its restore): READY=1,
 * the start-up line and the console's prompt all mean "what you see now is
 * the whole state". */
static void serving(void)
{
	/* the role DPDK gave us, and where, so that a mistyped --file-prefix
	 * under --proc-type=auto (a new primary) is seen at once */
	log_notice("%s %s pid %d ready: file-prefix %s, DPDK runtime directory %s, control "
		   "socket %s%s", serving_role->name, hpd.name, hpd.pid, hpd.prefix,
		   rte_eal_get_runtime_dir(), hpd.sock_path,
		   !started_auto ? "" : hpd_is_primary() ?
		   " (--proc-type=auto: no primary had this file-prefix, so this is a new group)" :
		   " (--proc-type=auto: joined the primary of this file-prefix)");
	sd_notify(0, "READY=1");
	serving_role->status();
	if (hpd.opt.console && console_start() != 0)
		hpd_shutdown(1);
}

/* Answer until a signal, the console's quit or the primary's death. */
static void serve(const struct role_ops *role)
{
	struct event *sigs[2];

	signal(SIGPIPE, SIG_IGN);
	sigs[0] = evsignal_new(hpd.base, SIGTERM, on_signal, NULL);
	sigs[1] = evsignal_new(hpd.base, SIGINT, on_signal, NULL);
	event_add(sigs[0], NULL);
	event_add(sigs[1], NULL);

	serving_role = role;
	if (role->ready)
		role->ready(serving);
	else
		serving();
	watchdog_init();

	event_base_dispatch(hpd.base);

	sd_notify(0, "STOPPING=1");
	event_free(sigs[0]);
	event_free(sigs[1]);
}

/* Bottom up: core, dpdk, the role's group side, the data path, front. */
static int run(const struct role_ops *role, const struct cli_options *cli)
{
	int rc;

	/* the device-job thread wakes the loop from its own thread */
	evthread_use_pthreads();
	events_history_limits((unsigned)hpd.opt.event_history, EVENTS_HISTORY_BYTES);
	hpd.base = event_base_new();
	if (hpd.base == NULL || inbox_init(hpd.base, mp_dispatch) != 0 ||
	    devjob_init(hpd.base) != 0 ||
	    events_subscribe(status_on_event, (void *)role) != 0) {
		log_err("event loop: out of memory");
		return -ENOMEM;
	}
	if ((rc = mp_init()) != 0) {
		log_err("mp channel: %s", strerror(-rc));
		goto out_jobs;
	}
	if ((rc = dev_init()) != 0 || (rc = role->start(hpd.base)) != 0)
		goto out_mp;
	if ((rc = datapath_init(cli->worker_mode, cli->worker_ports, cli->worker_queues)) != 0)
		goto out_role;
	if ((rc = metrics_source("ports", portstats_json)) != 0 ||
	    (rc = metrics_init(hpd.base)) != 0 || (rc = journal_init()) != 0) {
		log_err("metrics: %s", strerror(-rc));
		goto out_metrics;
	}
	if ((rc = control_init(hpd.base, hpd.sock_path)) != 0) {
		log_err("control socket %s: %s", hpd.sock_path, strerror(-rc));
		goto out_metrics;
	}
	if (hpd.opt.console && (rc = console_init(hpd.base)) != 0)
		goto out_control;

	serve(role);

	if (hpd.opt.console)
		console_fini();
out_control:
	control_fini();
out_metrics:
	metrics_fini();
out_role:
	datapath_fini();
	role->stop();
out_mp:
	mp_fini();
out_jobs:
	/* a driver call still stuck holds DPDK's locks: leave its memory to
	 * the exit rather than wait in the EAL's clean-up */
	if (devjob_fini() != 0)
		eal_stuck = true;
	return rc;
}

/* --proc-type=auto among the EAL's arguments argv[1..argc) */
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

int main(int argc, char **argv)
{
	struct cli_options cli;
	const struct role_ops *role;
	char **eal_argv, **eal_copy;
	int eal_argc, rc, ours;

	clock_gettime(CLOCK_MONOTONIC, &hpd.started);
	ours = options_parse(argc, argv, HPD_CONSOLE_DEFAULT, &cli);
	eal_argc = eal_args_build(ours, argv, "/sys", &eal_argv);
	if (eal_argc < 0) {
		fprintf(stderr, "hotplugd: %s\n", strerror(-eal_argc));
		return 1;
	}
	if (cli.print_eal_args) {
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
	if (eal_copy == NULL) {
		eal_args_free(eal_argv);
		return 1;
	}
	memcpy(eal_copy, eal_argv, eal_argc * sizeof(*eal_copy));
	eal_log_capture_begin();
	if (rte_eal_init(eal_argc, eal_copy) < 0) {
		eal_init_failed(ours, argv);
		free(eal_copy);
		eal_args_free(eal_argv);
		return 1;
	}
	eal_log_capture_end();
	started_auto = proc_type_auto(ours, argv);
	hpd.role = rte_eal_process_type() == RTE_PROC_PRIMARY ? HPD_PRIMARY : HPD_SECONDARY;
	role = hpd_is_primary() ? &role_primary : &role_secondary;

	rc = identity_init(role);
	if (rc == 0)
		rc = api_acl_init(hpd.opt.read_group, hpd.opt.admin_group);
	if (rc == 0 && role->configure)
		rc = role->configure(&cli);
	if (rc == 0 && load_policy() != 0)
		rc = -EINVAL;
	if (rc == 0)
		rc = run(role, &cli);

	if (!eal_stuck)
		eal_exit_cleanup();
	free(eal_copy);
	eal_args_free(eal_argv);
	if (rc)
		return 1;
	return hpd_exit_status;
}
