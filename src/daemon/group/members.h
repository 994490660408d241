/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The primary's view of its group. A secondary joins over rte_mp; the
 * primary watches it with a pidfd, so a death is seen at once rather than by
 * polling. Unresponsive members are handled as --unresponsive says.
 */
#ifndef HPD_MEMBERS_H
#define HPD_MEMBERS_H

#include <stdbool.h>
#include <sys/queue.h>
#include <sys/types.h>
#include <time.h>

#include <jansson.h>

#include "wire.h"

enum member_state { MEMBER_HEALTHY, MEMBER_UNRESPONSIVE, MEMBER_FENCED };

struct member {
	TAILQ_ENTRY(member) next;
	pid_t pid;
	char name[HPD_NAME_MAX + 1];
	bool has_socket; /* hotplugd secondaries; library members have none */
	int pidfd;
	struct event *ev;
	enum member_state state;
	struct timespec joined;       /* CLOCK_REALTIME */
	struct timespec last_contact; /* CLOCK_REALTIME */
	struct timespec unresponsive_since;
};
TAILQ_HEAD(member_list, member);
extern struct member_list members;

/* Registers for the members' mp messages (join, leave). */
void members_init(struct event_base *base);
/* fn(pid) after a member left the list (the engine stops waiting for it). */
void members_on_gone(void (*fn)(pid_t pid));
/* 0 or -errno (pidfd_open failed: the process is already gone). */
int members_join(pid_t pid, const char *name, bool has_socket);
void members_leave(pid_t pid, const char *why);
struct member *members_find(pid_t pid);
void members_touch(pid_t pid);
void members_unresponsive(pid_t pid);
/* SIGKILL through the pidfd; the member is removed when the pidfd fires. */
void members_fence(pid_t pid, const char *why);
unsigned members_count(void);
/* How many joins so far: a change tells who joined since a round began. */
unsigned long members_joins(void);
const char *member_state_name(enum member_state s);
json_t *members_json(void);
/* A metrics source (core/metrics.h): each member's pid, name, state and
 * seconds since its last answer (join, ping, ack). */
json_t *members_liveness_json(json_t *prev);
void members_fini(void);

#endif
