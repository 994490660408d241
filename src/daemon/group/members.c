/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <rte_config.h>

#include "events.h"
#include "hotplugd.h"
#include "inbox.h"
#include "leases.h"
#include "log.h"
#include "members.h"
#include "mp.h"
#include "pidfd.h"
#include "proto.h"
#include "roster.h"

struct member_list members = TAILQ_HEAD_INITIALIZER(members);
static struct event_base *evbase;
static void (*on_gone)(pid_t pid);

const char *member_state_name(enum member_state s)
{
	switch (s) {
	case MEMBER_HEALTHY:
		return "healthy";
	case MEMBER_UNRESPONSIVE:
		return "unresponsive";
	case MEMBER_FENCED:
		return "fenced";
	}
	return "?";
}

void members_on_gone(void (*fn)(pid_t pid))
{
	on_gone = fn;
}

/* HPD_MP_LEAVE: a member says goodbye before it stops. */
static void on_leave(const struct inbox_item *it)
{
	members_leave(it->msg.h.pid, "stopped");
}

/* HPD_MP_JOIN_REQ, a sync request: the reply is the join's outcome. */
static void on_join(const struct inbox_item *it)
{
	const struct hpd_mp_msg *m = &it->msg;
	struct hpd_mp_msg rep;

	mp_msg_init(&rep, HPD_MP_JOIN_REP, 0);
	/* DPDK shares its memory layout between the processes of a group
	 * without checking that they agree on it: a member of another DPDK
	 * would misread every shared structure. */
	if (strcmp(m->u.join.dpdk, proto_dpdk_version()) != 0) {
		rep.h.rc = -EPROTO;
		snprintf(rep.u.reason, sizeof(rep.u.reason), "the primary runs %s, the member "
			 "%s: every process of a group must run the same DPDK build",
			 proto_dpdk_version(), m->u.join.dpdk[0] ? m->u.join.dpdk :
			 "a DPDK it does not name (a hotplugd older than this check)");
		log_err("refused the join of pid %d (%s): %s", m->h.pid, m->u.join.name,
			rep.u.reason);
	} else {
		rep.h.rc = members_join(m->h.pid, m->u.join.name,
					!(m->h.flags & HPD_JOIN_NO_SOCKET));
	}
	if (it->is_request && mp_join_reply(&rep, it->peer) != 0)
		log_err("join reply to %d failed", m->h.pid);
}

void members_init(struct event_base *base)
{
	evbase = base;
	mp_handler(HPD_MP_LEAVE, on_leave);
	mp_handler(HPD_MP_JOIN_REQ, on_join);
}

struct member *members_find(pid_t pid)
{
	struct member *m;

	TAILQ_FOREACH(m, &members, next)
		if (m->pid == pid)
			return m;
	return NULL;
}

static void member_free(struct member *m)
{
	roster_release(m->pid);
	TAILQ_REMOVE(&members, m, next);
	if (m->ev)
		event_free(m->ev);
	if (m->pidfd >= 0)
		close(m->pidfd);
	free(m);
}

static json_t *member_event(const struct member *m, const char *why)
{
	return json_pack("{s:i, s:s, s:s}", "pid", m->pid, "name", m->name,
			 "reason", why);
}

static void remove_member(struct member *m, const char *why)
{
	pid_t pid = m->pid;
	bool fenced = m->state == MEMBER_FENCED;
	json_t *ev = member_event(m, fenced ? "fenced" : why);

	log_notice("member %d (%s) left: %s", pid, m->name, why);
	/* it polls nothing any more: its queues are free (named while the
	 * member is still on the list) */
	leases_member_gone(pid, fenced ? "fenced" : "member_gone");
	/* gone from the list first: subscribers (the status line) count it out */
	member_free(m);
	events_publish("member.left", ev);
	if (on_gone)
		on_gone(pid);
}

/* The pidfd became readable: the process exited (or was killed). */
static void on_exit_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	remove_member(arg, "exited");
}

static unsigned long joins;

unsigned long members_joins(void)
{
	return joins;
}

int members_join(pid_t pid, const char *name, bool has_socket)
{
	struct member *m = members_find(pid);
	int fd;

	if (m) { /* a restart of the agent in the same process: refresh */
		members_touch(pid);
		return 0;
	}
	fd = hpd_pidfd_open(pid);
	if (fd < 0)
		return -errno;
	m = calloc(1, sizeof(*m));
	if (m == NULL) {
		close(fd);
		return -ENOMEM;
	}
	m->pid = pid;
	m->pidfd = fd;
	m->has_socket = has_socket;
	snprintf(m->name, sizeof(m->name), "%s", *name ? name : "secondary");
	clock_gettime(CLOCK_REALTIME, &m->joined);
	m->last_contact = m->joined;
	m->ev = event_new(evbase, fd, EV_READ, on_exit_cb, m);
	if (m->ev == NULL || event_add(m->ev, NULL) < 0) {
		close(fd);
		free(m);
		return -ENOMEM;
	}
	TAILQ_INSERT_TAIL(&members, m, next);
	joins++;
	log_notice("member %d (%s) joined", pid, m->name);
	events_publish("member.joined", member_event(m, "joined"));
	return 0;
}

void members_leave(pid_t pid, const char *why)
{
	struct member *m = members_find(pid);

	if (m)
		remove_member(m, why);
}

void members_touch(pid_t pid)
{
	struct member *m = members_find(pid);

	if (m == NULL)
		return;
	clock_gettime(CLOCK_REALTIME, &m->last_contact);
	if (m->state == MEMBER_UNRESPONSIVE) {
		log_notice("member %d (%s) answers again", pid, m->name);
		m->state = MEMBER_HEALTHY;
		events_publish("member.healthy", member_event(m, "answered"));
	}
}

void members_unresponsive(pid_t pid)
{
	struct member *m = members_find(pid);

	if (m == NULL || m->state != MEMBER_HEALTHY)
		return;
	m->state = MEMBER_UNRESPONSIVE;
	clock_gettime(CLOCK_REALTIME, &m->unresponsive_since);
	log_warn("member %d (%s) did not answer in time", pid, m->name);
	events_publish("member.unresponsive", member_event(m, "no answer before the deadline"));
}

void members_fence(pid_t pid, const char *why)
{
	struct member *m = members_find(pid);

	if (m == NULL || m->state == MEMBER_FENCED)
		return;
	log_warn("fencing member %d (%s): %s", pid, m->name, why);
	m->state = MEMBER_FENCED;
	events_publish("member.fenced", member_event(m, why));
	/* SIGKILL also ends a SIGSTOPped process. Its supervisor restarts it
	 * and it re-syncs when it joins again. */
	if (hpd_pidfd_kill(m->pidfd, SIGKILL) < 0 && errno != ESRCH)
		log_err("fence %d: %s", pid, strerror(errno));
}

unsigned members_count(void)
{
	struct member *m;
	unsigned n = 0;

	TAILQ_FOREACH(m, &members, next)
		n++;
	return n;
}

static json_t *ts_json(const struct timespec *ts)
{
	return json_real(ts->tv_sec + ts->tv_nsec / 1e9);
}

/* The ports the member itself published (null: nothing published yet). */
static json_t *roster_json(pid_t pid)
{
	struct roster_port ports[RTE_MAX_ETHPORTS];
	int n = roster_read(pid, ports, RTE_MAX_ETHPORTS);
	json_t *a;

	if (n < 0)
		return json_null();
	a = json_array();
	for (int i = 0; i < n; i++)
		json_array_append_new(a, json_pack("{s:i, s:s}", "port", ports[i].port,
						   "device", ports[i].name));
	return a;
}

json_t *members_json(void)
{
	json_t *a = json_array();
	struct member *m;
	char sock[HPD_SUN_MAX];

	TAILQ_FOREACH(m, &members, next) {
		hpd_paths_member(&hpd.paths, m->pid, sock, sizeof(sock));
		json_array_append_new(a, json_pack("{s:i, s:s, s:s, s:s, s:o, s:o}",
			"pid", m->pid, "role", "secondary", "name", m->name,
			"state", member_state_name(m->state),
			"joined", ts_json(&m->joined),
			"last_contact", ts_json(&m->last_contact)));
		json_object_set_new(json_array_get(a, json_array_size(a) - 1),
				    "socket", m->has_socket ? json_string(sock) : json_null());
		json_object_set_new(json_array_get(a, json_array_size(a) - 1),
				    "ports", roster_json(m->pid));
		json_object_set_new(json_array_get(a, json_array_size(a) - 1),
				    "queues", leases_member_json(m->pid));
		/* not there: a member started with another --runtime-dir (or
		 * one still starting) */
		if (m->has_socket)
			json_object_set_new(json_array_get(a, json_array_size(a) - 1),
					    "socket_found", json_boolean(access(sock, F_OK) == 0));
	}
	return a;
}

json_t *members_liveness_json(json_t *prev)
{
	json_t *a = json_array();
	struct member *m;
	struct timespec now;

	(void)prev;
	clock_gettime(CLOCK_REALTIME, &now);
	TAILQ_FOREACH(m, &members, next)
		json_array_append_new(a, json_pack("{s:i, s:s, s:s, s:f}", "pid", m->pid,
			"name", m->name, "state", member_state_name(m->state),
			"last_contact_age_seconds",
			(now.tv_sec - m->last_contact.tv_sec) +
			(now.tv_nsec - m->last_contact.tv_nsec) / 1e9));
	return a;
}

void members_fini(void)
{
	while (!TAILQ_EMPTY(&members))
		member_free(TAILQ_FIRST(&members));
}
