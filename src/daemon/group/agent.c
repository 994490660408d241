/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <unistd.h>

#include <event2/event.h>

#include <rte_ethdev.h>

#include "agent.h"
#include "datapath.h"
#include "dev.h"
#include "hotplugd.h"
#include "local.h"
#include "inbox.h"
#include "log.h"
#include "mp.h"
#include "pidfd.h"
#include "proto.h"
#include "devjob.h"

#define JOIN_TIMEOUT_MS 5000

static struct event *primary_ev;
static int primary_fd = -1;
#ifdef HPD_FAULT_HOOKS
/*
 * Test builds only (meson -Dfault_hooks=true, never in a release build):
 * HOTPLUGD_FAULT=ACTION:STEP[:DEVICE] makes this member, when the primary
 * asks it to STEP (ping, attach, detach) [for DEVICE]:
 *   fail  answer with EIO,
 *   stop  freeze itself with SIGSTOP before answering (a hung member),
 *   kill  die with SIGKILL before answering (a crash mid-operation).
 * Signals sent from outside cannot hit the instant between two rounds of
 * one operation; this can. stop and kill act once.
 */
static bool fault(const char *step, const char *device, char *reason, size_t len)
{
	static bool fired;
	const char *f = getenv("HOTPLUGD_FAULT");
	char action[8], want_step[16], want_dev[64] = "";

	if (f == NULL || sscanf(f, "%7[a-z]:%15[a-z]:%63s", action, want_step, want_dev) < 2)
		return false;
	if (strcmp(step, want_step) != 0 || (*want_dev && strcmp(device, want_dev) != 0))
		return false;
	if (strcmp(action, "fail") == 0) {
		snprintf(reason, len, "fault injected by HOTPLUGD_FAULT=%s", f);
		return true;
	}
	if (fired)
		return false;
	fired = true;
	log_warn("fault injection: %s at %s %s", action, step, device);
	raise(strcmp(action, "kill") == 0 ? SIGKILL : SIGSTOP);
	return false;
}
#else
static bool fault(const char *step, const char *device, char *reason, size_t len)
{
	(void)step, (void)device, (void)reason, (void)len;
	return false;
}
#endif

static void on_primary_exit(evutil_socket_t fd, short what, void *arg)
{
	(void)fd, (void)what, (void)arg;
	log_err("primary (pid %d) exited; leaving with status %d so that a "
		"supervisor restarts this member", hpd.primary_pid, HPD_EXIT_PRIMARY_GONE);
	hpd_shutdown(HPD_EXIT_PRIMARY_GONE);
}

/* dev.c's calls carry the EAL's own words; a new device on a port id gets
 * fresh counters. */
static int attach(const char *devargs, char *reason, size_t len)
{
	struct local_devargs d;
	uint16_t port;
	int rc = dev_parse(devargs, &d, reason, len);

	if (rc == 0)
		rc = dev_attach(devargs, &d, reason, len);
	if (rc == 0 && dev_port_by_name(d.name, &port) == 0)
		datapath_port_new(port);
	return rc;
}

static const struct proto_ops ops = {.attach = attach, .detach = dev_detach, .fault = fault};

static void on_primary_msg(const struct inbox_item *it);

int agent_start(struct event_base *base)
{
	int pid;

	/* registered before joining; nothing is dispatched before the loop */
	mp_handler(HPD_MP_PING, on_primary_msg);
	mp_handler(HPD_MP_ATTACH, on_primary_msg);
	mp_handler(HPD_MP_DETACH, on_primary_msg);
	mp_handler(HPD_MP_QUIESCE, on_primary_msg);
	pid = proto_join(hpd.name, 0, JOIN_TIMEOUT_MS);

	if (pid < 0) {
		log_err("cannot join the primary: %s%s", strerror(-pid),
			pid == -ENOMSG ? " (is the primary a hotplugd?)" : "");
		return pid;
	}
	hpd.primary_pid = pid;
	primary_fd = hpd_pidfd_open(pid);
	if (primary_fd < 0) {
		log_err("primary pid %d: %s", pid, strerror(errno));
		return -errno;
	}
	primary_ev = event_new(base, primary_fd, EV_READ, on_primary_exit, NULL);
	event_add(primary_ev, NULL);
	log_notice("joined the group of primary pid %d", pid);
	/* The primary names its members' sockets after its own runtime
	 * directory: with another -r, nobody would find ours. */
	if (access(hpd.paths.primary, F_OK) != 0)
		log_warn("the primary (pid %d) has no control socket at %s: it runs with another "
			 "--runtime-dir; this process's socket %s cannot be found by hpctl, ps or "
			 "check (start it with the primary's -r)", pid, hpd.paths.primary,
			 hpd.sock_path);
	/* messages that arrive meanwhile wait in the inbox and are idempotent,
	 * so order does not matter */
	if (proto_reconcile(&ops) != 0)
		log_warn("could not bring every device in line with the primary (see above)");
	return 0;
}

/* The primary's messages run one at a time, in order, on the device
 * device-job thread; acks follow from the loop. */
struct queued {
	STAILQ_ENTRY(queued) next;
	struct hpd_mp_msg m;
};
static STAILQ_HEAD(, queued) queue = STAILQ_HEAD_INITIALIZER(queue);
static bool running;

static int agent_job(void *arg, char *reason, size_t len)
{
	return proto_job(&((struct queued *)arg)->m, &ops, hpd.opt.op_timeout_ms, reason, len);
}

static void pump(void);

static void agent_done(void *arg, int rc, const char *reason)
{
	struct queued *q = arg;

	static const char *const what[] = {[HPD_MP_ATTACH] = "attach",
		[HPD_MP_DETACH] = "detach", [HPD_MP_QUIESCE] = "quiesce port"};

	log_info("%s %s for the primary: %s", what[q->m.h.type], q->m.u.arg,
		 rc ? reason : "ok");
	proto_ack(&q->m, rc, reason);
	free(q);
	running = false;
	pump();
}

static void pump(void)
{
	struct queued *q = STAILQ_FIRST(&queue);

	if (running || q == NULL)
		return;
	STAILQ_REMOVE_HEAD(&queue, next);
	running = true;
	devjob_submit(agent_job, agent_done, q);
}

/* The primary's messages: PING (only here with fault hooks), ATTACH,
 * DETACH, QUIESCE. */
static void on_primary_msg(const struct inbox_item *it)
{
	const struct hpd_mp_msg *m = &it->msg;
	char reason[HPD_REASON_MAX + 1] = "";
	struct queued *q;

	switch (m->h.type) {
	case HPD_MP_PING: /* only seen here when fault hooks are active */
		proto_ack(m, fault("ping", "", reason, sizeof(reason)) ? -EIO : 0, reason);
		return;
	case HPD_MP_ATTACH:
	case HPD_MP_DETACH:
	case HPD_MP_QUIESCE:
		break;
	default:
		return;
	}
	q = calloc(1, sizeof(*q));
	if (q == NULL) {
		proto_ack(m, -ENOMEM, "out of memory");
		return;
	}
	q->m = *m;
	STAILQ_INSERT_TAIL(&queue, q, next);
	pump();
}

void agent_stop(void)
{
	if (hpd.primary_pid > 0)
		proto_leave();
	if (primary_ev)
		event_free(primary_ev);
	if (primary_fd >= 0)
		close(primary_fd);
}
