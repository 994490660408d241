/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The daemon's process-wide state and the interfaces between its parts:
 *   transport  control.c (socket, framing), api.c (method table, replies)
 *   engine     engine.c (primary: serialized hotplug operations),
 *              members.c (primary: the group), agent.c (secondary side)
 *   DPDK glue  dev.c (ethdev), mp.c + inbox.c (rte_mp channel), eal_log.c
 * Everything runs on the libevent loop thread; DPDK's mp and alarm threads
 * only hand messages over through the inbox.
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
enum hpd_unresponsive { HPD_POLICY_FENCE, HPD_POLICY_REFUSE };

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
	enum hpd_unresponsive policy;
	int max_clients;
	int idle_timeout_ms;
	const char *admin_group;
	const char *read_group;
	const char *policy_file;
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
	char name[64];
	struct hpd_paths paths;
	char sock_path[HPD_SUN_MAX];
	struct timespec started; /* CLOCK_MONOTONIC */
	struct hpd_policy policy;
	char socket_dir[HPD_SUN_MAX]; /* where device sockets may be created */
	bool stopping;
};

extern struct hpd hpd;

static inline bool hpd_is_primary(void)
{
	return hpd.role == HPD_PRIMARY;
}

double hpd_uptime(void);
/* systemd STATUS= line: what the process is doing now */
void hpd_notify_status(void);
void hpd_shutdown(int status); /* leave the loop, exit with status */
extern int hpd_exit_status;

/* eal_log.c: DPDK's log goes through us so that an operation's error can
 * carry the driver's own words. */
int eal_log_init(void);
void eal_log_capture_begin(void);
/* Most relevant error line logged since begin(), or "" */
const char *eal_log_capture_end(void);

#endif
