/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The process's identity and configuration: what every layer may read.
 * Set up once by main.c (options.c fills opt) before the loop runs; no
 * behaviour lives here. The layers and who may call whom:
 * docs/architecture.md.
 */
#ifndef HOTPLUGD_H
#define HOTPLUGD_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "paths.h"
#include "policy.h"
#include "wire.h"

struct event_base;

enum hpd_role { HPD_PRIMARY, HPD_SECONDARY };
/* --unresponsive: what to do with a member that does not answer in time */
enum hpd_unresponsive { HPD_UNRESPONSIVE_FENCE, HPD_UNRESPONSIVE_REFUSE };

/* Exit status of a secondary whose primary went away: distinct, so that a
 * supervisor restarts it (systemd: RestartForceExitStatus/Restart=on-failure). */
#define HPD_EXIT_PRIMARY_GONE 75

struct hpd_options {
	const char *runtime_dir;
	const char *socket_path; /* override */
	const char *name;
	bool console;
	int ping_timeout_ms;
	int op_timeout_ms;
	int call_timeout_ms; /* the primary's own device calls; 0: op_timeout_ms */
	enum hpd_unresponsive unresponsive;
	int max_clients;
	int idle_timeout_ms;
	int event_history; /* events kept for subscribe {since} */
	const char *admin_group;
	const char *read_group;
	const char *policy_file; /* devargs policy */
	const char *state_file;   /* NULL: none */
	bool require_state;       /* a change that cannot be recorded is an error */
	const char *devices_file; /* declarative start-up list */
};

struct hpd {
	struct event_base *base;
	struct hpd_options opt;
	enum hpd_role role;
	pid_t pid;
	pid_t primary_pid;
	char prefix[64];
	char name[HPD_NAME_MAX + 1];
	struct hpd_paths paths;
	char sock_path[HPD_SUN_MAX];
	struct timespec started; /* CLOCK_MONOTONIC */
	struct hpd_policy devargs_policy; /* which devargs may be attached */
	char socket_dir[HPD_SUN_MAX]; /* where device sockets may be created */
	bool stopping;
};

extern struct hpd hpd;

static inline bool hpd_is_primary(void)
{
	return hpd.role == HPD_PRIMARY;
}

static inline const char *hpd_role_name(void)
{
	return hpd_is_primary() ? "primary" : "secondary";
}

double hpd_uptime(void);
void hpd_shutdown(int status); /* leave the loop, exit with status */
extern int hpd_exit_status;

#endif
