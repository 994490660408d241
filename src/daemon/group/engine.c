/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "clock.h"
#include "depend.h"
#include "dev.h"
#include "devargs.h"
#include "devjob.h"
#include "devspec.h"
#include "drvparams.h"
#include "eal_args.h"
#include "engine.h"
#include "errname.h"
#include "events.h"
#include "gone.h"
#include "hotplugd.h"
#include "inbox.h"
#include "leases.h"
#include "log.h"
#include "members.h"
#include "mp.h"
#include "portconf.h"
#include "ports.h"
#include "stuck.h"

enum ack_state { ACK_WAIT, ACK_OK, ACK_FAIL, ACK_GONE };

struct ack {
	pid_t pid;
	enum ack_state st;
	bool received; /* the member's mp thread saw the message */
	bool fencing;  /* SIGKILLed: waiting for its pidfd to report the exit */
	int rc;
	char reason[HPD_REASON_MAX + 1];
};

struct op;
typedef void (*phase_t)(struct op *op);

/* One round (every member) or one device call (the primary's own) of an
 * operation, timed from its start to the result that ends it: a pause of
 * a test build between steps is in neither. */
#define OP_STEPS_MAX 16
struct op_step {
	const char *name;
	bool round;
	double ms;
};

struct op {
	TAILQ_ENTRY(op) next;
	enum op_kind kind;
	char arg[HPD_DEVARGS_MAX + 1];
	char devargs[HPD_DEVARGS_MAX + 1]; /* for rollback re-attach */
	struct local_devargs parsed; /* arg (attach) or devargs (detach), parsed once */
	char port_arg[8]; /* QUIESCE's argument */
	bool eal_fanout; /* the EAL carries it to members (not vdev) */
	uint16_t port;
	bool was_started;
	json_t *config;             /* start/configure: what was asked (owned) */
	struct hpd_port_conf conf;  /* the port's configuration with it merged */
	struct hpd_port_conf was;   /* a reconfiguration: the one it replaces */
	struct op_origin origin;
	struct op_result res;
	/* the round in progress */
	const char *round_what;
	int round_ms;
	uint64_t seq;
	struct ack *acks;
	unsigned nacks, waiting;
	phase_t after_round;
	unsigned long round_joins; /* members_joins() when the round began */
	unsigned repeats;          /* rounds sent again for members that joined */
	/* the local step in progress (on the device-job thread) */
	int local;
	const char *local_arg;
	phase_t after_local;
	int local_rc;
	char local_reason[HPD_REASON_MAX + 64];
	bool in_local;  /* a device call of this op is on the worker */
	bool answered;  /* told ETIMEDOUT while its device call went on */
	const char *events[2]; /* published once the change is on disk (or not) */
	struct timespec t0;
	double gone_ms; /* a removal: from the signal to detached everywhere */
	/* where the time went: each round and device call, in order */
	struct op_step steps[OP_STEPS_MAX];
	unsigned nsteps;
	struct timespec step_t0;
	op_done_t done;
	void *done_arg;
};

static TAILQ_HEAD(, op) queue = TAILQ_HEAD_INITIALIZER(queue);
static struct op *current;
static struct event *round_timer, *receipt_timer, *fence_timer, *call_timer, *kick;

/* How long a fenced member may take to die before we go on without its
 * exit: a process in uninterruptible sleep can outlive SIGKILL. */
#define FENCE_DEADLINE_MS 3000
static uint64_t next_seq;
static struct event_base *evbase;

static unsigned queued;
static engine_commit_t commit;
static engine_outcome_t commit_outcome;

const char *op_kind_name(enum op_kind k)
{
	static const char *const n[] = {"attach", "detach", "start", "stop", "configure", "removal"};

	return n[k];
}

static void step_begin(struct op *op)
{
	clock_gettime(CLOCK_MONOTONIC, &op->step_t0);
}

static void step_end(struct op *op, const char *name, bool round)
{
	if (op->nsteps < OP_STEPS_MAX)
		op->steps[op->nsteps++] = (struct op_step){name, round, hpd_ms_since(&op->step_t0)};
}

static json_t *steps_json(const struct op *op)
{
	json_t *a = json_array();

	for (unsigned i = 0; i < op->nsteps; i++)
		json_array_append_new(a, json_pack("{s:s, s:s, s:f}", "step", op->steps[i].name,
						   "by", op->steps[i].round ? "members" : "primary",
						   "ms", op->steps[i].ms));
	return a;
}

void engine_on_commit(engine_commit_t fn, engine_outcome_t outcome)
{
	commit = fn;
	commit_outcome = outcome;
}

static json_t *origin_json(const struct op_origin *o)
{
	json_t *j = json_pack("{s:i, s:i, s:s}", "pid", o->pid, "uid", o->uid,
			      "comm", o->comm);

	if (o->via)
		json_object_set_new(j, "via", json_integer(o->via));
	if (o->request_id)
		json_object_set(j, "request_id", o->request_id);
	if (o->signal)
		json_object_set_new(j, "signal", json_string(o->signal));
	return j;
}

static void publish_now(struct op *op, const char *event)
{
	json_t *d = json_pack("{s:s, s:o}", "device", op->res.name,
			      "origin", origin_json(&op->origin));

	if (op->res.port >= 0)
		json_object_set_new(d, "port", json_integer(op->res.port));
	if (op->origin.signal) { /* the kernel's: which, and how long the group took */
		json_object_set_new(d, "signal", json_string(op->origin.signal));
		json_object_set_new(d, "ms", json_real(op->gone_ms ? op->gone_ms :
						       hpd_ms_since(&op->t0)));
		json_object_set_new(d, "steps", steps_json(op));
	}
	if (op->res.rc) {
		json_object_set_new(d, "errno", json_string(hpd_errname(op->res.rc)));
		json_object_set_new(d, "reason", json_string(op->res.reason));
	}
	if (op->res.rc == 0 && op->res.persisted >= 0) {
		json_object_set_new(d, "persisted", json_boolean(op->res.persisted));
		if (!op->res.persisted)
			json_object_set_new(d, "persist_error", json_string(op->res.persist_reason));
	}
	events_publish(event, d);
}

/* The operation's events go out with its answer, when whether it reached
 * the state file is known. */
static void publish(struct op *op, const char *event)
{
	for (unsigned i = 0; i < sizeof(op->events) / sizeof(op->events[0]); i++)
		if (op->events[i] == NULL) {
			op->events[i] = event;
			return;
		}
	publish_now(op, event);
}

static void answer(void *arg);

/* Every operation ends with one operation.finished, refused or not: what
 * metrics count (core/metrics.c) and the journal records, without a call
 * from here to either. The outcome is the errno name, as in answers. */
static void publish_finished(struct op *op)
{
	json_t *d = json_pack("{s:s, s:s, s:s, s:f, s:b, s:i, s:i, s:o}", "operation",
			      op_kind_name(op->kind), "device", op->res.name,
			      "outcome", op->res.rc ? hpd_errname(-op->res.rc) : "ok",
			      "duration_ms", op->res.ms, "rolled_back", op->res.rolled_back,
			      "fenced", op->res.fenced, "members", op->res.members,
			      "origin", origin_json(&op->origin));

	if (op->res.port >= 0)
		json_object_set_new(d, "port", json_integer(op->res.port));
	if (op->res.rc)
		json_object_set_new(d, "reason", json_string(op->res.reason));
	json_object_set_new(d, "steps", steps_json(op));
	events_publish("operation.finished", d);
}

/* A change is answered once it is also committed (on disk, with the state
 * file): a client told "attached" gets the device back after a restart. */
static void finish(struct op *op)
{
	if (op->res.rc == 0 && commit)
		commit(answer, op);
	else
		answer(op);
}

static void answer(void *arg)
{
	struct op *op = arg;
	int err = 0;

	op->res.ms = hpd_ms_since(&op->t0);
	op->res.persisted = -1;
	if (op->res.rc == 0)
		op->res.persisted = commit_outcome ? commit_outcome(&err, op->res.persist_reason,
					sizeof(op->res.persist_reason)) : -1;
	for (unsigned i = 0; i < sizeof(op->events) / sizeof(op->events[0]); i++)
		if (op->events[i])
			publish_now(op, op->events[i]);
	if (op->res.persisted == 0)
		log_warn("%s %s: done, but not persisted: %s", op_kind_name(op->kind), op->arg,
			 op->res.persist_reason);
	if (op->res.persisted == 0 && hpd.opt.require_state) {
		/* the state could be written just before, not now: the change
		 * stands (every process has it), but it is not what was asked */
		op->res.rc = -err;
		snprintf(op->res.reason, sizeof(op->res.reason), "%s %s is done in every "
			 "process but could not be recorded (%.200s); it will not survive a restart",
			 op_kind_name(op->kind), op->res.name, op->res.persist_reason);
	}
	if (op->res.rc)
		log_notice("%s %s from pid %d failed after %.1f ms: %s", op_kind_name(op->kind),
			   op->arg, op->origin.pid, op->res.ms, op->res.reason);
	else
		log_info("%s %s from pid %d done in %.1f ms (%u members)", op_kind_name(op->kind),
			 op->arg, op->origin.pid, op->res.ms, op->res.members);
	publish_finished(op);
	if (!op->answered) /* else its client already has an answer */
		op->done(&op->res, op->done_arg);
	json_decref(op->origin.request_id);
	json_decref(op->config);
	free(op->acks);
	free(op);
	current = NULL;
	if (!TAILQ_EMPTY(&queue))
		event_active(kick, 0, 0);
}

static void fail(struct op *op, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void fail(struct op *op, int rc, const char *fmt, ...)
{
	va_list ap;

	op->res.rc = rc;
	va_start(ap, fmt);
	vsnprintf(op->res.reason, sizeof(op->res.reason), fmt, ap);
	va_end(ap);
	finish(op);
}

/* ---- test builds: a pause between two steps ---------------------------- */

#ifdef HPD_FAULT_HOOKS
/*
 * Test builds only (meson -Dfault_hooks=true): HOTPLUGD_PRIMARY_PAUSE=
 * KIND:STEP:MS makes the primary wait MS after STEP of an operation of
 * KIND (a round: ping, attach, detach, quiesce; its own call: probe,
 * remove, start, stop), once, so that a test can act between two steps
 * of one operation (a member joining there). The loop goes on meanwhile.
 */
static struct event *pause_timer;
static phase_t paused_next;

static bool pause_here(struct op *op, const char *step, phase_t next)
{
	static bool fired;
	const char *f = getenv("HOTPLUGD_PRIMARY_PAUSE");
	char kind[16], want[16];
	int ms;

	if (fired || f == NULL || sscanf(f, "%15[a-z]:%15[a-z]:%d", kind, want, &ms) != 3 ||
	    strcmp(kind, op_kind_name(op->kind)) != 0 || strcmp(step, want) != 0)
		return false;
	fired = true;
	log_warn("fault injection: pause of %d ms after the %s step of %s %s", ms, step, kind,
		 op->res.name);
	paused_next = next;
	struct timeval tv = {ms / 1000, (ms % 1000) * 1000};

	evtimer_add(pause_timer, &tv);
	return true;
}

static void pause_over(evutil_socket_t fd, short what, void *arg)
{
	(void)fd, (void)what, (void)arg;
	if (current)
		paused_next(current);
}

static void pause_init(struct event_base *base)
{
	pause_timer = evtimer_new(base, pause_over, NULL);
}

static void pause_fini(void)
{
	if (pause_timer)
		event_free(pause_timer);
}
#else
static bool pause_here(struct op *op, const char *step, phase_t next)
{
	(void)op, (void)step, (void)next;
	return false;
}

static void pause_init(struct event_base *base)
{
	(void)base;
}

static void pause_fini(void)
{
}
#endif

/* ---- rounds ------------------------------------------------------------ */

/* Fence a member, and say in the operation's answer which and why. */
static void fence(struct op *op, pid_t pid, const char *why)
{
	const unsigned max = sizeof(op->res.fenced_member) / sizeof(op->res.fenced_member[0]);
	struct member *mb = members_find(pid);

	if (op->res.fenced < max) {
		op->res.fenced_member[op->res.fenced].pid = pid;
		snprintf(op->res.fenced_member[op->res.fenced].name,
			 sizeof(op->res.fenced_member[0].name), "%s", mb ? mb->name : "?");
		snprintf(op->res.fenced_member[op->res.fenced].why,
			 sizeof(op->res.fenced_member[0].why), "%s", why);
	}
	op->res.fenced++;
	members_fence(pid, why);
}

static void round_done(struct op *op)
{
	step_end(op, op->round_what, true);
	log_debug("%s %s: %s round done at %.2f ms", op_kind_name(op->kind), op->res.name,
		  op->round_what, hpd_ms_since(&op->t0));
	evtimer_del(round_timer);
	evtimer_del(receipt_timer);
	evtimer_del(fence_timer);
	if (pause_here(op, op->round_what, op->after_round))
		return;
	op->after_round(op);
}

/*
 * Broadcast one message and collect an ack from every member, then run
 * next. The op may be over when this returns (no member to wait for, or
 * out of memory): callers do nothing after it. Members already fenced are
 * not waited for; with --unresponsive refuse an operation never starts
 * while a member is unresponsive (see ping_begin), so nothing more is
 * queued on a hung member's socket than the ping that found it.
 */
static void round_begin(struct op *op, enum hpd_mp_type type, const char *arg,
			int timeout_ms, const char *what, phase_t next)
{
	struct hpd_mp_msg m;
	struct member *mb;
	struct timeval tv;
	unsigned n = 0;
	int rc;

	free(op->acks);
	op->acks = calloc(members_count() + 1, sizeof(*op->acks));
	if (op->acks == NULL) {
		op->nacks = op->waiting = 0;
		fail(op, -ENOMEM, "%s: out of memory", what);
		return;
	}
	TAILQ_FOREACH(mb, &members, next) {
		/* fenced: dying; unresponsive (--unresponsive refuse): its messages wait
		 * in its queue and run in order when it wakes up */
		if (mb->state != MEMBER_HEALTHY)
			continue;
		op->acks[n].pid = mb->pid;
		op->acks[n].st = ACK_WAIT;
		n++;
	}
	op->nacks = op->waiting = n;
	op->seq = ++next_seq;
	op->round_joins = members_joins();
	op->round_what = what;
	op->round_ms = timeout_ms;
	step_begin(op);
	op->after_round = next;
	if (n > op->res.members)
		op->res.members = n;
	if (n == 0) {
		step_end(op, what, true);
		next(op);
		return;
	}
	mp_msg_init(&m, type, op->seq);
	if (arg)
		snprintf(m.u.arg, sizeof(m.u.arg), "%s", arg);
	rc = mp_broadcast(&m);
	if (rc)
		log_err("%s: mp broadcast: %s", what, strerror(-rc));
	/* deadlines count from now, not from when the loop last woke */
	event_base_update_cache_time(evbase);
	tv = hpd_ms_timeval(timeout_ms);
	evtimer_add(round_timer, &tv);
	/* Liveness: every member's mp thread must at least confirm receipt
	 * within the ping deadline, however long the work itself may take. */
	if (type != HPD_MP_PING && hpd.opt.ping_timeout_ms < timeout_ms) {
		tv = hpd_ms_timeval(hpd.opt.ping_timeout_ms);
		evtimer_add(receipt_timer, &tv);
	}
}

static struct ack *find_ack(struct op *op, pid_t pid)
{
	for (unsigned i = 0; i < op->nacks; i++)
		if (op->acks[i].pid == pid)
			return &op->acks[i];
	return NULL;
}

/* Give fenced members FENCE_DEADLINE_MS to die (fence_timeout). */
static void fence_deadline(void)
{
	struct timeval tv = hpd_ms_timeval(FENCE_DEADLINE_MS);

	evtimer_add(fence_timer, &tv);
}

/* Members still owing an answer (or, for the receipt deadline, even the
 * receipt) are unresponsive: fence them, or fail the round (refuse). */
static void overdue(bool receipt_only)
{
	struct op *op = current;
	bool fencing = false;

	if (op == NULL || op->waiting == 0)
		return;
	for (unsigned i = 0; i < op->nacks; i++) {
		struct ack *a = &op->acks[i];
		char why[96];

		if (a->st != ACK_WAIT || a->fencing || (receipt_only && a->received))
			continue;
		members_unresponsive(a->pid);
		if (hpd.opt.unresponsive == HPD_UNRESPONSIVE_FENCE) {
			snprintf(why, sizeof(why), "no answer to %s within the deadline",
				 op->round_what);
			fence(op, a->pid, why);
			/* Go on only once it is gone: until its process has
			 * exited its mp socket still takes messages, and the
			 * next step may wait on every secondary (DPDK's
			 * mp_malloc_sync when the heap grows). */
			a->fencing = fencing = true;
			continue;
		}
		a->st = ACK_FAIL;
		a->rc = -ETIMEDOUT;
		snprintf(a->reason, sizeof(a->reason), "no answer to %s within %d ms",
			 op->round_what, receipt_only ? hpd.opt.ping_timeout_ms : op->round_ms);
		op->waiting--;
	}
	if (fencing)
		fence_deadline();
	if (op->waiting == 0)
		round_done(op);
}

/* A fenced member that has not died in time: go on without its exit. */
static void fence_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct op *op = current;

	(void)fd, (void)what, (void)arg;
	if (op == NULL)
		return;
	for (unsigned i = 0; i < op->nacks; i++)
		if (op->acks[i].st == ACK_WAIT && op->acks[i].fencing) {
			log_err("fenced member %d has not exited after %d ms; going on",
				op->acks[i].pid, FENCE_DEADLINE_MS);
			op->acks[i].st = ACK_GONE;
			op->waiting--;
		}
	if (op->waiting == 0)
		round_done(op);
}

static void round_timeout(evutil_socket_t fd, short what, void *arg)
{
	(void)fd, (void)what, (void)arg;
	overdue(false);
}

static void receipt_timeout(evutil_socket_t fd, short what, void *arg)
{
	(void)fd, (void)what, (void)arg;
	overdue(true);
}

/* HPD_MP_ACK and HPD_MP_RECEIVED */
static void on_ack(const struct inbox_item *it)
{
	const struct hpd_mp_msg *m = &it->msg;
	struct op *op = current;
	struct ack *a;

	members_touch(m->h.pid);
	if (op == NULL || op->waiting == 0 || m->h.seq != op->seq)
		return; /* a late answer: it still proves the member is alive */
	a = find_ack(op, m->h.pid);
	if (a == NULL || a->st != ACK_WAIT || a->fencing)
		return;
	a->received = true;
	if (m->h.type == HPD_MP_RECEIVED)
		return;
	if (m->h.rc == -ETIMEDOUT && hpd.opt.unresponsive == HPD_UNRESPONSIVE_FENCE) {
		/* it answered, but its workers would not let go in time:
		 * handled like a member that does not answer (and waited for
		 * until it is gone, as in overdue()) */
		fence(op, m->h.pid, m->u.reason);
		a->fencing = true;
		fence_deadline();
		return;
	}
	a->st = m->h.rc ? ACK_FAIL : ACK_OK;
	a->rc = m->h.rc;
	snprintf(a->reason, sizeof(a->reason), "%s", m->u.reason);
	if (--op->waiting == 0)
		round_done(op);
}

/* members.c: a member left (exited, was fenced or said goodbye). */
static void member_gone(pid_t pid)
{
	struct op *op = current;
	struct ack *a;

	if (op == NULL || op->waiting == 0)
		return;
	a = find_ack(op, pid);
	if (a == NULL || a->st != ACK_WAIT)
		return;
	a->st = ACK_GONE;
	if (--op->waiting == 0)
		round_done(op);
}

/* First member failure of the last round into the result; true if any. */
static bool round_failed(struct op *op)
{
	for (unsigned i = 0; i < op->nacks; i++) {
		struct ack *a = &op->acks[i];
		struct member *mb;

		if (a->st != ACK_FAIL)
			continue;
		mb = members_find(a->pid);
		op->res.rc = a->rc ? a->rc : -EIO;
		op->res.member = a->pid;
		snprintf(op->res.member_name, sizeof(op->res.member_name), "%s",
			 mb ? mb->name : "?");
		snprintf(op->res.reason, sizeof(op->res.reason),
			 "member %d (%s) failed to %s %s: %s", a->pid,
			 op->res.member_name, op->round_what, op->res.name,
			 a->reason[0] ? a->reason : strerror(-op->res.rc));
		return true;
	}
	return false;
}

/* A member that failed to roll back cannot be trusted to match the group:
 * fence it whatever --unresponsive says, so it restarts and re-syncs. One
 * that only did not answer in time (--unresponsive refuse) is not fenced:
 * it runs the queued operation and its rollback in order once it wakes
 * up, and no change is allowed until it answers. */
static void fence_rollback_failures(struct op *op)
{
	for (unsigned i = 0; i < op->nacks; i++)
		if (op->acks[i].st == ACK_FAIL && op->acks[i].rc != -ETIMEDOUT) {
			fence(op, op->acks[i].pid, "rollback failed in this member");
		}
}

/* With --unresponsive refuse, an unresponsive member blocks every change. */
static bool refuse_for_unresponsive(struct op *op)
{
	struct member *mb;

	if (hpd.opt.unresponsive != HPD_UNRESPONSIVE_REFUSE)
		return false;
	TAILQ_FOREACH(mb, &members, next)
		if (mb->state == MEMBER_UNRESPONSIVE) {
			op->res.member = mb->pid;
			snprintf(op->res.member_name, sizeof(op->res.member_name), "%s", mb->name);
			fail(op, -EHOSTDOWN, "member %d (%s) is unresponsive; policy 'refuse' "
			     "allows no change until it answers or leaves", mb->pid, mb->name);
			return true;
		}
	return false;
}

/*
 * Every member must answer before the primary changes anything, whatever
 * --unresponsive says: the primary's own step can itself wait on every secondary (a
 * probe or a start that grows DPDK's heap sends mp_malloc_sync to all of
 * them and fails with ENOMEM after 5 s if one is frozen; the EAL's PCI
 * path and net_tap's fd sync do the same). Members answer pings from
 * DPDK's mp thread, so this costs one parallel round trip.
 */
static void ping_begin(struct op *op, phase_t next)
{
	if (refuse_for_unresponsive(op))
		return;
	round_begin(op, HPD_MP_PING, NULL, hpd.opt.ping_timeout_ms, "ping", next);
}

static bool ping_failed(struct op *op)
{
	if (!round_failed(op))
		return false;
	op->res.rc = -EHOSTDOWN;
	finish(op);
	return true;
}

/* ---- local steps: on the device-job thread, so the loop never blocks -- */

enum local_step { L_ATTACH, L_DETACH, L_START, L_STOP, L_CONFIGURE, L_CHECK, L_RECONF };

static int local_job(void *arg, char *reason, size_t len)
{
	struct op *op = arg;

	switch (op->local) {
	case L_ATTACH: /* op->parsed is local_arg's parse */
		return dev_attach(op->local_arg, &op->parsed, reason, len);
	case L_DETACH:
		return dev_detach(op->res.name, reason, len);
	case L_START:
		return dev_start(op->port, &op->conf, reason, len);
	case L_STOP:
		return dev_stop(op->port, reason, len);
	case L_CONFIGURE:
		return dev_configure(op->port, &op->conf, reason, len);
	case L_CHECK:
		return dev_check_conf(op->port, &op->conf, reason, len);
	case L_RECONF:
		return dev_reconfigure(op->port, &op->conf, reason, len);
	}
	return -EINVAL;
}

static const char *const call_name[] = {
	[L_ATTACH] = "probe", [L_DETACH] = "remove", [L_START] = "start", [L_STOP] = "stop",
	[L_CONFIGURE] = "configure", [L_CHECK] = "check", [L_RECONF] = "reconfigure",
};

/* --call-timeout, or the member deadline when not given */
static int call_deadline_ms(void)
{
	return hpd.opt.call_timeout_ms ? hpd.opt.call_timeout_ms : hpd.opt.op_timeout_ms;
}

static void attach_rolled_back_here(struct op *op);
static void local(struct op *op, enum local_step step, const char *arg, phase_t next);

/*
 * A device call that outlived its deadline has returned. The client was
 * told ETIMEDOUT, so an attach whose probe succeeded after all is undone
 * (no member has the device yet); any other step goes on as it would have
 * (a detach or a stop the members already took part in is completed), so
 * that every process agrees again either way.
 */
static bool late_return(struct op *op)
{
	if (!stuck_active())
		return false;
	if (op->kind == OP_ATTACH && op->local == L_ATTACH) {
		stuck_end(op->local_rc, op->local_reason, op->local_rc ?
			  "failed: nothing to undo" : "succeeded late: rolling it back");
		if (op->local_rc) {
			finish(op);
			return true;
		}
		local(op, L_DETACH, NULL, attach_rolled_back_here);
		return true;
	}
	stuck_end(op->local_rc, op->local_reason, "the operation goes on from here");
	op->res.rc = 0;
	op->res.reason[0] = '\0';
	return false;
}

static void local_done(void *arg, int rc, const char *reason)
{
	struct op *op = arg;

	evtimer_del(call_timer);
	op->in_local = false;
	op->local_rc = rc;
	snprintf(op->local_reason, sizeof(op->local_reason), "%s", reason);
	step_end(op, call_name[op->local], false);
	log_debug("%s %s: local step done at %.2f ms", op_kind_name(op->kind), op->res.name,
		  hpd_ms_since(&op->t0));
	if (late_return(op))
		return;
	if (pause_here(op, call_name[op->local], op->after_local))
		return;
	op->after_local(op);
}

static void local(struct op *op, enum local_step step, const char *arg, phase_t next)
{
	int ms = call_deadline_ms();
	struct timeval tv = {ms / 1000, (ms % 1000) * 1000};

	op->local = step;
	op->local_arg = arg;
	op->after_local = next;
	op->in_local = true;
	step_begin(op);
	devjob_submit(local_job, local_done, op);
	event_base_update_cache_time(evbase);
	evtimer_add(call_timer, &tv);
}

static void refuse(enum op_kind kind, const char *arg, op_done_t done, void *done_arg);

/* The device call has not returned in time: answer its client now, and
 * every operation waiting behind it, rather than leave them hanging on a
 * driver that may never return. */
static void call_overdue(evutil_socket_t fd, short what, void *unused)
{
	struct op *op = current, *w;
	int ms = call_deadline_ms();

	(void)fd, (void)what, (void)unused;
	if (op == NULL || !op->in_local)
		return;
	stuck_begin(call_name[op->local], op->res.name, op_kind_name(op->kind), ms);
	if (!op->answered) {
		struct op_result r = op->res;

		r.rc = -ETIMEDOUT;
		snprintf(r.reason, sizeof(r.reason), "%s of %s has not returned after %.1f s; %s",
			 call_name[op->local], op->res.name, ms / 1e3,
			 op->kind == OP_ATTACH && op->local == L_ATTACH ?
			 "it is rolled back if it ever returns" :
			 "the operation is completed if it ever returns");
		r.ms = hpd_ms_since(&op->t0);
		log_notice("%s %s from pid %d: %s", op_kind_name(op->kind), op->arg,
			   op->origin.pid, r.reason);
		op->answered = true;
		op->done(&r, op->done_arg);
	}
	while ((w = TAILQ_FIRST(&queue)) != NULL) {
		TAILQ_REMOVE(&queue, w, next);
		queued--;
		refuse(w->kind, w->arg, w->done, w->done_arg);
		json_decref(w->origin.request_id);
		json_decref(w->config);
		free(w);
	}
}

/* The local step's failure becomes the operation's answer. */
static bool local_failed(struct op *op)
{
	if (op->local_rc == 0)
		return false;
	op->res.rc = op->local_rc;
	snprintf(op->res.reason, sizeof(op->res.reason), "%s", op->local_reason);
	return true;
}

/* ---- attach ------------------------------------------------------------ *
 * attach_begin      parse once, devargs policy, PCI check, EEXIST
 * -> ping round     attach_pinged
 * -> local probe    attach_probed            (the primary's EAL: vdev here,
 *                                             other buses to every member)
 * -> attach round   attach_fanned_out        ok: device.attached, answer
 * on a member's failure, rollback:
 *    vdev:          detach round -> attach_rolled_back
 *    EAL-carried:   attach_rolled_back at once (the EAL's remove is group-wide)
 * -> local detach   attach_rolled_back_here  device.rolled_back, answer
 */

/* A rollback's last (local) step is over: the answer is still the
 * original failure; the local step's own is only logged. */
static void rollback_over(struct op *op, const char *step)
{
	if (op->local_rc)
		log_err("%s %s: %s", step, op->res.name, op->local_reason);
	op->res.rolled_back = true;
	publish(op, "device.rolled_back");
	finish(op);
}

static void attach_rolled_back_here(struct op *op)
{
	rollback_over(op, "rollback: local detach of");
}

static void attach_rolled_back(struct op *op)
{
	fence_rollback_failures(op);
	local(op, L_DETACH, NULL, attach_rolled_back_here);
}

/*
 * A member that joined while a round went round the group missed it: it
 * caught up from the port table as the table was then (a detach not yet
 * done in the primary still lists the device). The round goes round once
 * more; it is idempotent for the members that had it.
 */
static bool repeat_for_joiners(struct op *op, enum hpd_mp_type type, const char *arg,
			       phase_t next)
{
	if (members_joins() == op->round_joins || op->repeats >= 3)
		return false;
	op->repeats++;
	log_info("%s %s: a member joined during the %s round; sending it again",
		 op_kind_name(op->kind), op->res.name, op->round_what);
	round_begin(op, type, arg, hpd.opt.op_timeout_ms, op->round_what, next);
	return true;
}

static void attach_fanned_out(struct op *op)
{
	if (round_failed(op) && op->eal_fanout) {
		/* the EAL's own remove takes it out of every process */
		attach_rolled_back(op);
		return;
	}
	if (op->res.rc) {
		/* the rollback round's own failures are fenced, not answered:
		 * the original failure stays the answer */
		round_begin(op, HPD_MP_DETACH, op->res.name, hpd.opt.op_timeout_ms,
			    "detach", attach_rolled_back);
		return;
	}
	if (repeat_for_joiners(op, HPD_MP_ATTACH, op->arg, attach_fanned_out))
		return;
	publish(op, "device.attached");
	finish(op);
}

/* A probe that failed without the driver saying why: an argument it does
 * not take is the usual cause, and the driver's own list says which. */
static void explain_probe_failure(struct op *op)
{
	if (strcmp(op->res.reason, strerror(-op->res.rc)) == 0 &&
	    drvparams_explain(op->arg, op->res.reason, sizeof(op->res.reason)) != 0)
		op->res.rc = -EINVAL;
}

static void attach_probed(struct op *op)
{
	uint16_t port;

	if (local_failed(op)) {
		explain_probe_failure(op);
		finish(op);
		return;
	}
	if (dev_port_by_name(op->res.name, &port) == 0)
		op->res.port = port;
	round_begin(op, HPD_MP_ATTACH, op->arg, hpd.opt.op_timeout_ms, "attach",
		    attach_fanned_out);
}

static void attach_pinged(struct op *op)
{
	if (ping_failed(op))
		return;
	local(op, L_ATTACH, op->arg, attach_probed);
}

/* PCI safety: never probe a device the kernel holds, or one that is not
 * there; say which and what to do instead of DPDK's generic failure. */
static int pci_check(const char *name, char *reason, size_t len)
{
	char addr[HPD_PCI_ADDR_LEN], drv[64];
	int rc;

	if (!hpd_pci_addr_canon(name, addr))
		return 0;
	rc = eal_pci_driver("/sys", addr, drv, sizeof(drv));
	if (rc == -ENOENT) {
		snprintf(reason, len, "no PCI device %s on this host", addr);
		return -ENODEV;
	}
	if (rc == 0 && !eal_pci_driver_is_user(drv)) {
		snprintf(reason, len, "%s is %s%s; bind it to vfio-pci or uio_pci_generic first",
			 addr, *drv ? "bound to kernel driver " : "not bound to any driver", drv);
		return -EBUSY;
	}
	return 0;
}

/*
 * DPDK finds a PCI device by its full name only: "01:00.0" reaches no
 * device ("Cannot find device"), and the same function spelled two ways
 * would be two devices to the duplicate check. The devargs go on (to the
 * EAL, the members, the state file) with the name as res.name has it.
 */
static int pci_spelled_canonically(struct op *op)
{
	const char *args = strchr(op->arg, ',');
	char canon[sizeof(op->arg)];
	int n = snprintf(canon, sizeof(canon), "%s%s", op->res.name, args ? args : "");

	if (n < 0 || (size_t)n >= sizeof(canon)) {
		snprintf(op->res.reason, sizeof(op->res.reason),
			 "devargs with the PCI address in full (%s) are over DPDK's multi-process "
			 "hotplug limit of %d bytes", op->res.name, HPD_DEVARGS_MAX);
		return -ENAMETOOLONG;
	}
	memcpy(op->arg, canon, (size_t)n + 1);
	return 0;
}

/* Every interface carrying a default route, IPv4 and IPv6. */
static void default_routes(char (*buf)[16], const char **list)
{
	unsigned n = policy_default_routes("/proc/net/route", "/proc/net/ipv6_route", buf,
					   POLICY_MAX_ROUTES);

	for (unsigned i = 0; i < n; i++)
		list[i] = buf[i];
	list[n] = NULL;
}

static void attach_begin(struct op *op)
{
	char routes[POLICY_MAX_ROUTES][16], pci[HPD_PCI_ADDR_LEN];
	const char *route_list[POLICY_MAX_ROUTES + 1];
	struct hpd_devspec spec;
	uint16_t port;
	int rc;

	/* One parse, DPDK's: the policy, the duplicate check and the name
	 * all work on what DPDK will probe. */
	rc = devspec_parse(op->arg, &spec, op->res.reason, sizeof(op->res.reason));
	if (rc == 0) {
		bool is_pci = strcmp(spec.bus, "pci") == 0;

		snprintf(op->res.name, sizeof(op->res.name), "%s",
			 is_pci && hpd_pci_addr_canon(spec.name, pci) ? pci : spec.name);
		snprintf(op->parsed.name, sizeof(op->parsed.name), "%s", op->res.name);
		op->parsed.vdev = strcmp(spec.bus, "vdev") == 0;
		op->eal_fanout = dev_eal_fanout(&op->parsed);
		default_routes(routes, route_list);
		rc = policy_check_spec(&hpd.devargs_policy, &spec, route_list, op->res.reason,
				       sizeof(op->res.reason));
		if (rc == 0 && is_pci)
			rc = pci_spelled_canonically(op);
	}
	if (rc == 0 && strcmp(spec.bus, "pci") == 0)
		rc = pci_check(op->res.name, op->res.reason, sizeof(op->res.reason));
	if (rc) {
		op->res.rc = rc;
		finish(op);
		return;
	}
	/* DPDK 22.11 "succeeds" on a duplicate probe and replaces the stored
	 * devargs; checked here, inside the serialized queue, it is race-free. */
	if (dev_port_by_name(op->res.name, &port) == 0) {
		op->res.port = port;
		fail(op, -EEXIST, "device %s is already attached (port %u)",
		     op->res.name, port);
		return;
	}
	ping_begin(op, attach_pinged);
}

/* ---- detach ------------------------------------------------------------ *
 * detach_begin      resolve, remember devargs and whether started
 * -> ping round     detach_pinged
 * -> [started: quiesce (below) -> detach_quiesced -> local stop]
 *                   detach_stopped           port.stopped if it was started
 * vdev:        -> detach round   detach_fanned_out
 *              -> local detach   detach_removed     device.detached, answer
 * EAL-carried: -> local detach   detach_eal_removed (the EAL's remove)
 *              -> detach round   detach_verified    device.detached, answer
 * on a failure, rollback: detach_rollback: attach round -> detach_rolled_back
 *   -> [was started: local start] -> detach_over   device.rolled_back, answer
 */

static void detach_over(struct op *op)
{
	rollback_over(op, "rollback of detach");
}

static void detach_rolled_back(struct op *op)
{
	fence_rollback_failures(op);
	op->local_rc = 0;
	if (op->was_started)
		local(op, L_START, NULL, detach_over);
	else
		detach_over(op);
}

/* The failure in res stays the answer (round_begin does not touch it, and
 * the op may be over when it returns: nothing may follow it here). */
static void detach_rollback(struct op *op)
{
	round_begin(op, HPD_MP_ATTACH, op->devargs, hpd.opt.op_timeout_ms, "attach",
		    detach_rolled_back);
}

/* A removal's end: the device is recorded as gone by itself, in the same
 * commit that takes it out of the state file's devices. */
static void detach_done(struct op *op)
{
	if (op->kind == OP_REMOVAL) {
		op->gone_ms = hpd_ms_since(&op->t0);
		gone_add(op->res.name, op->devargs, op->was_started, &op->conf, op->origin.signal,
			 (long long)time(NULL));
		publish(op, "device.removed");
	} else {
		publish(op, "device.detached");
	}
	finish(op);
}

/* A removal is not rolled back: the device is going whatever a member
 * says, so a member that failed to let go is stale and fenced. */
static bool removal_goes_on(struct op *op)
{
	if (op->kind != OP_REMOVAL)
		return false;
	log_err("removal of %s: %s; going on", op->res.name, op->res.reason);
	fence_rollback_failures(op);
	op->res.rc = 0;
	op->res.reason[0] = '\0';
	return true;
}

static void detach_removed(struct op *op)
{
	if (local_failed(op) && !removal_goes_on(op)) {
		detach_rollback(op);
		return;
	}
	detach_done(op);
}

static void detach_fanned_out(struct op *op)
{
	if (round_failed(op) && !removal_goes_on(op)) {
		detach_rollback(op);
		return;
	}
	if (repeat_for_joiners(op, HPD_MP_DETACH, op->res.name, detach_fanned_out))
		return;
	local(op, L_DETACH, NULL, detach_removed);
}

/* EAL-carried devices: the primary's rte_dev_remove() already went round
 * the group; this round only confirms every member lost the device. */
static void detach_verified(struct op *op)
{
	if (round_failed(op) && !removal_goes_on(op)) {
		fence_rollback_failures(op); /* a member that kept it is stale */
		log_err("detach %s: %s", op->res.name, op->res.reason);
		local(op, L_ATTACH, op->devargs, detach_over);
		return;
	}
	detach_done(op);
}

static void detach_eal_removed(struct op *op)
{
	if (local_failed(op)) { /* the EAL rolled back by itself */
		finish(op);
		return;
	}
	round_begin(op, HPD_MP_DETACH, op->res.name, hpd.opt.op_timeout_ms, "detach",
		    detach_verified);
}

static void detach_stopped(struct op *op)
{
	/* a removed device's registers may be gone: its stop may fail, the
	 * remove must still happen */
	if (op->kind == OP_REMOVAL && op->local_rc && op->local_rc != -EALREADY)
		log_notice("removal of %s: stop failed (%s); removing it anyway", op->res.name,
			   op->local_reason);
	else if (op->local_rc && op->local_rc != -EALREADY) {
		local_failed(op);
		finish(op);
		return;
	}
	if (op->was_started)
		publish(op, "port.stopped");
	if (op->eal_fanout)
		local(op, L_DETACH, NULL, detach_eal_removed);
	else
		round_begin(op, HPD_MP_DETACH, op->res.name, hpd.opt.op_timeout_ms, "detach",
			    detach_fanned_out);
}

/* Workers everywhere let go of the port before the primary stops it (a
 * stop frees queues a secondary may be polling). */
static void quiesce_begin(struct op *op, phase_t next)
{
	snprintf(op->port_arg, sizeof(op->port_arg), "%u", op->port);
	op->res.quiesce_ms = -hpd_ms_since(&op->t0);
	ports_set_ready(op->port, false);
	round_begin(op, HPD_MP_QUIESCE, op->port_arg, hpd.opt.op_timeout_ms, "quiesce", next);
}

/* A member that could not confirm (--unresponsive refuse): the port stays as it
 * was, usable again. */
static bool quiesce_failed(struct op *op)
{
	op->res.quiesce_ms += hpd_ms_since(&op->t0);
	if (!round_failed(op))
		return false;
	ports_set_ready(op->port, true);
	finish(op);
	return true;
}

static void detach_quiesced(struct op *op)
{
	if (quiesce_failed(op))
		return;
	/* no member polls the port now: its queues are free */
	leases_port_down(op->port, "detached");
	local(op, L_STOP, NULL, detach_stopped);
}

static void detach_pinged(struct op *op)
{
	if (ping_failed(op))
		return;
	/* DPDK refuses to close a started port (and its remove would then
	 * roll back), so a detach stops it first. */
	op->local_rc = 0;
	if (op->was_started)
		quiesce_begin(op, detach_quiesced);
	else
		detach_stopped(op);
}

/* The device the request names, or the operation ends here (ENOENT). */
static bool resolve(struct op *op)
{
	struct hpd_devref ref;
	int rc;

	rc = hpd_devref_parse(op->arg, &ref, op->res.reason, sizeof(op->res.reason));
	if (rc == 0 && dev_resolve(&ref, op->res.name, sizeof(op->res.name), &op->port) != 0) {
		snprintf(op->res.reason, sizeof(op->res.reason), "no device %s is attached",
			 op->arg);
		rc = -ENOENT;
	}
	/* a port another is built on (a bond's slave) stays as it is */
	if (rc == 0 && (op->kind == OP_DETACH || op->kind == OP_STOP || op->kind == OP_REMOVAL ||
			(op->config && dev_started(op->port))))
		rc = dev_dependants(op->port, op_kind_name(op->kind), op->res.reason,
				    sizeof(op->res.reason));
	if (rc) {
		op->res.rc = rc;
		finish(op);
		return false;
	}
	op->res.port = op->port;
	return true;
}

static void detach_begin(struct op *op)
{
	if (!resolve(op))
		return;
	dev_devargs(op->res.name, op->devargs, sizeof(op->devargs));
	/* devargs that do not parse are not the EAL fan-out's to carry */
	if (local_parse(op->devargs, &op->parsed) != 0)
		op->parsed.vdev = true;
	op->eal_fanout = dev_eal_fanout(&op->parsed);
	op->was_started = dev_started(op->port);
	dev_conf(op->port, &op->conf); /* a rollback starts it as it was */
	ping_begin(op, detach_pinged);
}

/* ---- start / stop / configure: the primary's own business, port state is shared *
 * port_begin        resolve; start/configure: the asked config onto the port's
 * -> ping round     port_pinged
 * start:            -> local start  port_done  ready, port.started, answer
 * stop:             -> [started: quiesce (below) -> stop_quiesced]
 *                   -> local stop   port_done  port.stopped, answer
 * configure, stopped: -> local configure (check, record)  port_done
 *                   port.configured, answer
 * start/configure of a started port with another configuration:
 *                   -> local check  reconf_checked (refused: nothing changed)
 *                   -> quiesce (below) -> reconf_quiesced
 *                   -> local reconfigure (stop, apply, start; a failure
 *                      puts the old configuration back, started)
 *                   reconf_done  ready again, port.configured (or
 *                   device.rolled_back), answer
 *
 * quiesce (inside detach, stop and a reconfiguration of a started port):
 * quiesce_begin     the port is no longer ready for the data path
 * -> quiesce round  every member's workers have left it; quiesce_failed:
 *                   a member could not confirm, the port is ready again
 */

static void port_done(struct op *op)
{
	int rc = op->local_rc;

	/* started: the data path may use it from now on; a failed stop
	 * leaves it started, so usable again */
	if ((op->kind == OP_START && rc == 0) || (op->kind == OP_STOP && rc && rc != -EALREADY)) {
		ports_set_ready(op->port, true);
		/* the standing claims take their queues (again) */
		leases_port_up(op->port);
	}
	local_failed(op);
	if (rc == -EALREADY)
		snprintf(op->res.reason, sizeof(op->res.reason), "port %u is already %s",
			 op->port, op->kind == OP_START ? "started" : "stopped");
	if (rc == 0)
		publish(op, op->kind == OP_START ? "port.started" : op->kind == OP_STOP ?
			"port.stopped" : "port.configured");
	finish(op);
}

static void reconf_over(struct op *op)
{
	bool started = dev_started(op->port);

	/* new configuration or old, a started port is usable again, and
	 * the standing claims take its queues as they are now */
	if (started) {
		ports_set_ready(op->port, true);
		leases_port_up(op->port);
	}
	if (!local_failed(op)) {
		publish(op, "port.configured");
	} else if (started) {
		op->res.rolled_back = true;
		publish(op, "device.rolled_back");
	} else {
		publish(op, "port.stopped");
	}
	finish(op);
}

/* A member that could not take part in probing the port again is out of
 * step with it: fenced (it restarts and re-syncs); the answer stays the
 * reconfiguration's own (reconf_over reads it from the local step). */
static void fence_reprobe_failures(struct op *op)
{
	if (!round_failed(op))
		return;
	fence_rollback_failures(op);
	op->res.rc = 0;
	op->res.reason[0] = '\0';
	op->res.member = 0;
}

static void reconf_reattached(struct op *op)
{
	fence_reprobe_failures(op);
	reconf_over(op);
}

static void reconf_detached(struct op *op)
{
	fence_reprobe_failures(op);
	round_begin(op, HPD_MP_ATTACH, op->devargs, hpd.opt.op_timeout_ms, "attach",
		    reconf_reattached);
}

static void reconf_done(struct op *op)
{
	/* new queue counts: the members' old view of the port goes, then they
	 * probe it as it is now (not ready meanwhile: their workers leave it
	 * alone). A rollback restarted it with the rings it had. */
	bool requeued = op->local_rc == 0 &&
			(op->was.rxq != op->conf.rxq || op->was.txq != op->conf.txq);

	if (requeued && dev_members_reprobe(op->port) &&
	    dev_devargs(op->res.name, op->devargs, sizeof(op->devargs)) == 0) {
		round_begin(op, HPD_MP_DETACH, op->res.name, hpd.opt.op_timeout_ms, "detach",
			    reconf_detached);
		return;
	}
	reconf_over(op);
}

static void reconf_quiesced(struct op *op)
{
	if (quiesce_failed(op))
		return;
	/* no member polls it now: its leases may go, and must, since the
	 * queues they name may not exist after the change */
	leases_port_down(op->port, "reconfigured");
	local(op, L_RECONF, NULL, reconf_done);
}

/* Checked before the workers are disturbed: a configuration the device
 * cannot take leaves the data path as it was. */
static void reconf_checked(struct op *op)
{
	if (local_failed(op)) {
		finish(op);
		return;
	}
	quiesce_begin(op, reconf_quiesced);
}

static void stop_quiesced(struct op *op)
{
	if (quiesce_failed(op))
		return;
	leases_port_down(op->port, "stopped");
	local(op, L_STOP, NULL, port_done);
}

static void port_pinged(struct op *op)
{
	struct hpd_port_conf now;

	if (ping_failed(op))
		return;
	if (op->kind == OP_STOP && dev_started(op->port)) {
		quiesce_begin(op, stop_quiesced);
		return;
	}
	dev_conf(op->port, &now);
	if (op->kind != OP_STOP && dev_started(op->port) && !portconf_equal(&now, &op->conf)) {
		op->was = now;
		local(op, L_CHECK, NULL, reconf_checked);
		return;
	}
	if (op->kind == OP_CONFIGURE && dev_started(op->port)) {
		/* started with this very configuration already */
		op->local_rc = 0;
		port_done(op);
		return;
	}
	local(op, op->kind == OP_START ? L_START : op->kind == OP_STOP ? L_STOP : L_CONFIGURE,
	      NULL, port_done);
}

static void port_begin(struct op *op)
{
	char msg[sizeof(op->res.reason)];

	if (!resolve(op))
		return;
	dev_conf(op->port, &op->conf);
	/* the one parse of a configuration, whoever gave it (a request, the
	 * state file, --devices) */
	if (portconf_merge(&op->conf, op->config, msg, sizeof(msg)) != 0) {
		fail(op, -EINVAL, "%s", msg);
		return;
	}
	ping_begin(op, port_pinged);
}

/* ---- queue ------------------------------------------------------------- */

static void begin(struct op *op)
{
	static const phase_t first[] = {
		[OP_ATTACH] = attach_begin, [OP_DETACH] = detach_begin,
		[OP_START] = port_begin, [OP_STOP] = port_begin, [OP_CONFIGURE] = port_begin,
		[OP_REMOVAL] = detach_begin,
	};

	first[op->kind](op);
}

/* --require-state: the state as it is now is written first, and a change
 * that could not be recorded is refused before anything changes. */
static void state_checked(void *arg)
{
	struct op *op = arg;
	char why[sizeof(op->res.reason)];
	int err;

	if (commit_outcome && commit_outcome(&err, why, sizeof(why)) == 0) {
		fail(op, -err, "%s; --require-state allows no change that would not survive a "
		     "restart", why);
		return;
	}
	begin(op);
}

static void run_next(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	if (current || TAILQ_EMPTY(&queue))
		return;
	current = TAILQ_FIRST(&queue);
	TAILQ_REMOVE(&queue, current, next);
	queued--;
	if (hpd.opt.require_state && commit)
		commit(state_checked, current);
	else
		begin(current);
}

/* While a device call is stuck nothing can change: say so at once. */
static void refuse(enum op_kind kind, const char *arg, op_done_t done, void *done_arg)
{
	struct op_result r = {.rc = -EBUSY, .port = -1};
	char what[160];

	stuck_describe(what, sizeof(what));
	snprintf(r.name, sizeof(r.name), "%s", arg);
	snprintf(r.reason, sizeof(r.reason), "the primary's %s; no change is possible until "
		 "it returns (hpctl status shows it)", what);
	log_notice("%s %s refused: %s", op_kind_name(kind), arg, r.reason);
	done(&r, done_arg);
}

void engine_submit(enum op_kind kind, const char *arg, const struct op_origin *origin,
		   op_done_t done, void *done_arg)
{
	engine_submit_config(kind, arg, NULL, origin, done, done_arg);
}

void engine_submit_config(enum op_kind kind, const char *arg, json_t *config,
			  const struct op_origin *origin, op_done_t done, void *done_arg)
{
	struct op *op;

	if (stuck_active()) {
		refuse(kind, arg, done, done_arg);
		return;
	}
	op = calloc(1, sizeof(*op));

	if (op == NULL) {
		struct op_result r = {.rc = -ENOMEM, .port = -1};

		/* never cut: a shortened name could name another device */
		if (strlen(arg) > HPD_DEVARGS_MAX)
			r.rc = -ENAMETOOLONG;
		snprintf(r.reason, sizeof(r.reason), "%s", r.rc == -ENOMEM ? "out of memory" :
			 "argument longer than 127 bytes");
		done(&r, done_arg);
		return;
	}
	op->kind = kind;
	snprintf(op->arg, sizeof(op->arg), "%s", arg);
	op->origin = *origin;
	json_incref(op->origin.request_id);
	op->config = json_incref(config);
	op->res.port = -1;
	op->done = done;
	op->done_arg = done_arg;
	clock_gettime(CLOCK_MONOTONIC, &op->t0);
	/* a kernel signal's time counts from when it arrived */
	if (origin->t0.tv_sec || origin->t0.tv_nsec)
		op->t0 = origin->t0;
	TAILQ_INSERT_TAIL(&queue, op, next);
	queued++;
	event_active(kick, 0, 0);
}

unsigned engine_queued(void)
{
	return queued + (current != NULL);
}

void engine_init(struct event_base *base)
{
	mp_handler(HPD_MP_ACK, on_ack);
	mp_handler(HPD_MP_RECEIVED, on_ack);
	members_on_gone(member_gone);
	/* Sequence numbers start from the pid so that a late ack meant for a
	 * previous primary never matches an operation of this one. */
	next_seq = (uint64_t)getpid() << 32;
	evbase = base;
	round_timer = evtimer_new(base, round_timeout, NULL);
	receipt_timer = evtimer_new(base, receipt_timeout, NULL);
	fence_timer = evtimer_new(base, fence_timeout, NULL);
	call_timer = evtimer_new(base, call_overdue, NULL);
	pause_init(base);
	kick = event_new(base, -1, 0, run_next, NULL);
}

void engine_fini(void)
{
	if (round_timer)
		event_free(round_timer);
	if (receipt_timer)
		event_free(receipt_timer);
	if (fence_timer)
		event_free(fence_timer);
	if (call_timer)
		event_free(call_timer);
	pause_fini();
	if (kick)
		event_free(kick);
}
