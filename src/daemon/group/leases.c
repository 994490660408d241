/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include "events.h"
#include "inbox.h"
#include "leases.h"
#include "log.h"
#include "members.h"
#include "mp.h"
#include "ports.h"
#include "queues.h"

#define DIR_RX 0x1
#define DIR_TX 0x2
#define RULES_PER_MEMBER 32

enum rule_kind { R_LIST, R_COUNT, R_ALL };

struct rule {
	TAILQ_ENTRY(rule) next;
	uint32_t id;
	pid_t pid;
	char text[HPD_DEVARGS_MAX + 1];
	char ports[HPD_DEVARGS_MAX + 1]; /* fnmatch patterns, comma-separated */
	enum rule_kind kind;
	unsigned dirs;
	unsigned n;                            /* R_COUNT */
	uint8_t want[HPD_QUEUES_MAX / 8];      /* R_LIST: a bitmap */
};

static TAILQ_HEAD(, rule) rules = TAILQ_HEAD_INITIALIZER(rules);
static uint32_t next_id = 1;

static const char *const dir_name[] = {"rx", "tx"};

/* ---- the rule grammar -------------------------------------------------- *
 * all | N | fields separated by ':' — port=PATTERNS, q=LIST, n=N, all
 * (also: exclusive), dir=rx|tx|both. A ':' splits only before a field
 * name, so a PCI address in a pattern stays whole. */

static const char *const field[] = {"port=", "q=", "n=", "dir=", "all", "exclusive"};

static bool field_at(const char *s)
{
	for (unsigned i = 0; i < RTE_DIM(field); i++)
		if (strncmp(s, field[i], strlen(field[i])) == 0) {
			char c = s[strlen(field[i])];

			return field[i][strlen(field[i]) - 1] == '=' || c == ':' || c == '\0';
		}
	return false;
}

/* The value of the field starting at s, up to the next ":field". */
static size_t value_len(const char *s)
{
	const char *p = s;

	while ((p = strchr(p, ':')) != NULL && !field_at(p + 1))
		p++;
	return p ? (size_t)(p - s) : strlen(s);
}

static int number(const char *s, size_t len, unsigned max, unsigned *out)
{
	char buf[16], *end;
	unsigned long v;

	if (len == 0 || len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, len);
	buf[len] = '\0';
	v = strtoul(buf, &end, 10);
	if (*end || buf[0] == '-' || buf[0] == '+' || v > max)
		return -EINVAL;
	*out = (unsigned)v;
	return 0;
}

static int queue_list(struct rule *r, const char *s, size_t len, char *reason, size_t rlen)
{
	const char *end = s + len;

	if (len == 0) {
		snprintf(reason, rlen, "q= names no queue: a list of N or N-M");
		return -EINVAL;
	}
	while (s < end) {
		const char *comma = memchr(s, ',', (size_t)(end - s)), *dash;
		size_t item = comma ? (size_t)(comma - s) : (size_t)(end - s);
		unsigned lo, hi;

		dash = memchr(s, '-', item);
		if (number(s, dash ? (size_t)(dash - s) : item, HPD_QUEUES_MAX - 1, &lo) ||
		    number(dash ? dash + 1 : s, dash ? item - (size_t)(dash - s) - 1 : item,
			   HPD_QUEUES_MAX - 1, &hi) || hi < lo) {
			snprintf(reason, rlen, "q=%.*s: queues are numbers 0-%d, a list of N "
				 "or N-M", (int)len, s, HPD_QUEUES_MAX - 1);
			return -EINVAL;
		}
		for (unsigned q = lo; q <= hi; q++)
			r->want[q / 8] |= (uint8_t)(1u << (q % 8));
		s += item + (comma != NULL);
	}
	return 0;
}

static int parse(struct rule *r, const char *text, char *reason, size_t rlen)
{
	const char *s = text;
	bool have_kind = false;

	snprintf(r->text, sizeof(r->text), "%s", text);
	snprintf(r->ports, sizeof(r->ports), "*");
	r->dirs = DIR_RX | DIR_TX;
	if (*s && strspn(s, "0123456789") == strlen(s)) { /* N */
		r->kind = R_COUNT;
		if (number(s, strlen(s), HPD_QUEUES_MAX, &r->n) || r->n == 0)
			goto bad;
		return 0;
	}
	while (*s) {
		size_t n = value_len(s);
		const char *v = memchr(s, '=', n);
		size_t vlen = v ? n - (size_t)(v - s) - 1 : 0;

		v = v ? v + 1 : s + n;
		if (strncmp(s, "port=", 5) == 0) {
			if (vlen == 0 || vlen >= sizeof(r->ports))
				goto bad;
			snprintf(r->ports, sizeof(r->ports), "%.*s", (int)vlen, v);
		} else if (strncmp(s, "dir=", 4) == 0) {
			r->dirs = vlen == 2 && !strncmp(v, "rx", 2) ? DIR_RX :
				  vlen == 2 && !strncmp(v, "tx", 2) ? DIR_TX :
				  vlen == 4 && !strncmp(v, "both", 4) ? DIR_RX | DIR_TX : 0;
			if (r->dirs == 0)
				goto bad;
		} else if (!have_kind && strncmp(s, "q=", 2) == 0) {
			r->kind = R_LIST;
			if (queue_list(r, v, vlen, reason, rlen))
				return -EINVAL;
			have_kind = true;
		} else if (!have_kind && strncmp(s, "n=", 2) == 0) {
			r->kind = R_COUNT;
			if (number(v, vlen, HPD_QUEUES_MAX, &r->n) || r->n == 0)
				goto bad;
			have_kind = true;
		} else if (!have_kind && ((n == 3 && !strncmp(s, "all", 3)) ||
					  (n == 9 && !strncmp(s, "exclusive", 9)))) {
			r->kind = R_ALL;
			have_kind = true;
		} else {
			goto bad;
		}
		s += n + (s[n] == ':');
	}
	if (have_kind)
		return 0;
bad:
	snprintf(reason, rlen, "queue rule \"%s\": all, N, or fields port=PATTERNS, one of "
		 "q=LIST n=N all, dir=rx|tx|both, separated by ':'", text);
	return -EINVAL;
}

/* ---- matching and granting --------------------------------------------- */

static struct hpd_leases_port *slots(uint16_t port)
{
	return &queues_table()->port[port];
}

static const char *port_name(uint16_t port)
{
	return ports_table()->port[port].device;
}

static bool matches(const struct rule *r, uint16_t port)
{
	char pats[sizeof(r->ports)], *p, *save;

	if (!ports_ready(port) || !*port_name(port))
		return false;
	snprintf(pats, sizeof(pats), "%s", r->ports);
	for (p = strtok_r(pats, ",", &save); p; p = strtok_r(NULL, ",", &save))
		if (fnmatch(p, port_name(port), 0) == 0)
			return true;
	return false;
}

static uint16_t nq(uint16_t port, unsigned d)
{
	const struct hpd_port_state *s = &ports_table()->port[port];
	unsigned n = d == HPD_QRX ? s->nb_rxq : s->nb_txq;

	return (uint16_t)(n < HPD_QUEUES_MAX ? n : HPD_QUEUES_MAX);
}

/* What rule r wants on port: want[d][q]. 0, -EBUSY (*holder, queue in
 * the way), -EINVAL (the port has not the queues asked for). */
struct plan {
	uint8_t take[2][HPD_QUEUES_MAX];
	unsigned count;
};

static int conflict(const struct rule *r, uint16_t port, unsigned d, unsigned q, pid_t *holder,
		    char *reason, size_t rlen)
{
	const struct hpd_queue_slot *s = &slots(port)->q[d][q];
	struct member *m = members_find(s->owner);

	*holder = s->owner;
	snprintf(reason, rlen, "%s queue %u of %s (port %u) is held by %s (pid %d, claim %u); "
		 "claim \"%s\" changed nothing", dir_name[d], q, port_name(port), port,
		 m ? m->name : "?", s->owner, s->claim, r->text);
	return -EBUSY;
}

static int plan_port(const struct rule *r, uint16_t port, struct plan *pl, pid_t *holder,
		     char *reason, size_t rlen)
{
	const struct hpd_leases_port *lp = slots(port);
	unsigned counts[2] = {nq(port, HPD_QRX), nq(port, HPD_QTX)}, top = 0, got = 0;

	memset(pl, 0, sizeof(*pl));
	for (unsigned d = 0; d < 2; d++)
		if (r->dirs & (1u << d))
			top = top > counts[d] ? top : counts[d];
	/* a list may name queues the port has not: that is an error */
	for (unsigned q = 0; q < (r->kind == R_LIST ? HPD_QUEUES_MAX : top); q++) {
		bool wanted = r->kind == R_ALL || r->kind == R_COUNT ||
			      (r->want[q / 8] & (1u << (q % 8)));
		bool free_here = true;

		if (!wanted)
			continue;
		for (unsigned d = 0; d < 2; d++) {
			int32_t o = lp->q[d][q].owner;

			if (!(r->dirs & (1u << d)))
				continue;
			if (q >= counts[d]) {
				if (r->kind == R_LIST) {
					snprintf(reason, rlen, "%s has %u %s queue(s) (0-%d): "
						 "claim \"%s\" asks for queue %u", port_name(port),
						 counts[d], dir_name[d], (int)counts[d] - 1, r->text,
						 q);
					return -EINVAL;
				}
				free_here = false;
			} else if (o != 0 && o != r->pid) {
				if (r->kind != R_COUNT)
					return conflict(r, port, d, q, holder, reason, rlen);
				free_here = false;
			}
		}
		if (r->kind == R_COUNT && (!free_here || got == r->n))
			continue;
		got++;
		for (unsigned d = 0; d < 2; d++)
			if ((r->dirs & (1u << d)) && q < counts[d] && lp->q[d][q].owner == 0) {
				pl->take[d][q] = 1;
				pl->count++;
			}
	}
	if (r->kind == R_COUNT && got < r->n) {
		for (unsigned q = 0; q < top; q++)
			for (unsigned d = 0; d < 2; d++)
				if ((r->dirs & (1u << d)) && q < counts[d] && lp->q[d][q].owner &&
				    lp->q[d][q].owner != r->pid)
					return conflict(r, port, d, q, holder, reason, rlen);
		snprintf(reason, rlen, "%s has %u queue(s): claim \"%s\" asks for %u",
			 port_name(port), top, r->text, r->n);
		return -EINVAL;
	}
	return 0;
}

static json_t *member_ref(pid_t pid)
{
	struct member *m = members_find(pid);

	return json_pack("{s:i, s:s}", "pid", pid, "name", m ? m->name : "?");
}

static void publish(const char *event, uint16_t port, pid_t pid, uint32_t claim,
		    const uint8_t (*qs)[HPD_QUEUES_MAX], const char *reason)
{
	json_t *d = json_pack("{s:i, s:s, s:o, s:i}", "port", port, "device", port_name(port),
			      "member", member_ref(pid), "claim", claim);

	for (unsigned dir = 0; dir < 2; dir++) {
		json_t *a = json_array();

		for (unsigned q = 0; q < HPD_QUEUES_MAX; q++)
			if (qs[dir][q])
				json_array_append_new(a, json_integer(q));
		json_object_set_new(d, dir_name[dir], a);
	}
	if (reason)
		json_object_set_new(d, "reason", json_string(reason));
	events_publish(event, d);
}

static void grant(const struct rule *r, uint16_t port, const struct plan *pl)
{
	struct hpd_leases_port *lp = slots(port);

	if (pl->count == 0)
		return;
	lp->nq[HPD_QRX] = nq(port, HPD_QRX);
	lp->nq[HPD_QTX] = nq(port, HPD_QTX);
	for (unsigned d = 0; d < 2; d++)
		for (unsigned q = 0; q < HPD_QUEUES_MAX; q++)
			if (pl->take[d][q]) {
				lp->q[d][q].claim = r->id;
				__atomic_store_n(&lp->q[d][q].owner, r->pid, __ATOMIC_RELEASE);
			}
	__atomic_fetch_add(&queues_table()->gen, 1, __ATOMIC_RELEASE);
	publish("queue.claimed", port, r->pid, r->id, pl->take, NULL);
}

static unsigned member_rules(pid_t pid)
{
	struct rule *r;
	unsigned n = 0;

	TAILQ_FOREACH(r, &rules, next)
		n += r->pid == pid;
	return n;
}

int leases_claim(pid_t pid, const char *text, char *reason, size_t rlen, pid_t *holder)
{
	static struct plan plans[RTE_MAX_ETHPORTS];
	struct rule *r;
	int rc;

	*holder = 0;
	if (members_find(pid) == NULL) {
		snprintf(reason, rlen, "pid %d is not a member of the group", pid);
		return -ENOENT;
	}
	if (member_rules(pid) >= RULES_PER_MEMBER) {
		snprintf(reason, rlen, "member %d has %d claims, the limit", pid, RULES_PER_MEMBER);
		return -E2BIG;
	}
	if (strlen(text) > HPD_DEVARGS_MAX) {
		snprintf(reason, rlen, "the rule is %zu bytes; the limit is %d", strlen(text),
			 HPD_DEVARGS_MAX);
		return -ENAMETOOLONG;
	}
	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return -ENOMEM;
	r->pid = pid;
	if ((rc = parse(r, text, reason, rlen)) != 0)
		goto fail;
	/* every port first, then the grants: a refusal changes nothing */
	for (uint16_t p = 0; p < RTE_MAX_ETHPORTS; p++)
		if (matches(r, p) && (rc = plan_port(r, p, &plans[p], holder, reason, rlen)) != 0)
			goto fail;
	r->id = next_id++;
	TAILQ_INSERT_TAIL(&rules, r, next);
	for (uint16_t p = 0; p < RTE_MAX_ETHPORTS; p++)
		if (matches(r, p))
			grant(r, p, &plans[p]);
	log_notice("member %d claims \"%s\" (claim %u)", pid, text, r->id);
	return (int)r->id;
fail:
	free(r);
	return rc;
}

/* Free the slots for which keep() is false, one queue.released per (port,
 * holder, claim). Only ever called when no holder can be polling them
 * (see queues.h). */
static void free_slots(uint16_t port, pid_t pid, uint32_t claim, const char *reason)
{
	static uint8_t gone[2][HPD_QUEUES_MAX];
	struct hpd_leases_port *lp = slots(port);

	for (;;) {
		pid_t who = 0;
		uint32_t which = 0;
		bool any = false;

		memset(gone, 0, sizeof(gone));
		for (unsigned d = 0; d < 2; d++)
			for (unsigned q = 0; q < lp->nq[d]; q++) {
				struct hpd_queue_slot *s = &lp->q[d][q];

				if (s->owner == 0 || (pid && s->owner != pid) ||
				    (claim && s->claim != claim))
					continue;
				if (!any) {
					who = s->owner;
					which = s->claim;
					any = true;
				}
				if (s->owner != who || s->claim != which)
					continue;
				__atomic_store_n(&s->owner, 0, __ATOMIC_RELEASE);
				gone[d][q] = 1;
			}
		if (!any)
			return;
		__atomic_fetch_add(&queues_table()->gen, 1, __ATOMIC_RELEASE);
		publish("queue.released", port, who, which, gone, reason);
	}
}

int leases_release(pid_t pid, uint32_t claim, char *reason, size_t rlen)
{
	struct rule *r, *t;
	bool found = false;

	for (r = TAILQ_FIRST(&rules); r; r = t) {
		t = TAILQ_NEXT(r, next);
		if (r->pid != pid || (claim && r->id != claim))
			continue;
		found = true;
		for (uint16_t p = 0; p < RTE_MAX_ETHPORTS; p++)
			free_slots(p, pid, r->id, "released");
		TAILQ_REMOVE(&rules, r, next);
		free(r);
	}
	if (!found && claim) {
		snprintf(reason, rlen, "member %d has no claim %u", pid, claim);
		return -ENOENT;
	}
	return 0;
}

void leases_member_gone(pid_t pid, const char *reason)
{
	struct rule *r, *t;

	for (uint16_t p = 0; p < RTE_MAX_ETHPORTS; p++)
		free_slots(p, pid, 0, reason);
	for (r = TAILQ_FIRST(&rules); r; r = t) {
		t = TAILQ_NEXT(r, next);
		if (r->pid == pid) {
			TAILQ_REMOVE(&rules, r, next);
			free(r);
		}
	}
}

void leases_port_down(uint16_t port, const char *reason)
{
	if (port >= RTE_MAX_ETHPORTS || queues_table() == NULL)
		return;
	free_slots(port, 0, 0, reason);
	slots(port)->nq[HPD_QRX] = slots(port)->nq[HPD_QTX] = 0;
}

/* Claims in the order they were made: an older claim wins a queue two
 * standing claims want; the younger is skipped on this port, and said so. */
void leases_port_up(uint16_t port)
{
	static struct plan pl;
	char reason[HPD_REASON_MAX + 64];
	struct rule *r;
	pid_t holder;

	if (port >= RTE_MAX_ETHPORTS || queues_table() == NULL)
		return;
	TAILQ_FOREACH(r, &rules, next) {
		if (!matches(r, port))
			continue;
		if (plan_port(r, port, &pl, &holder, reason, sizeof(reason)) == 0) {
			grant(r, port, &pl);
			continue;
		}
		log_warn("claim %u of member %d not granted on %s: %s", r->id, r->pid,
			 port_name(port), reason);
		events_publish("queue.conflict", json_pack("{s:i, s:s, s:o, s:i, s:s}", "port",
			       port, "device", port_name(port), "member", member_ref(r->pid),
			       "claim", r->id, "reason", reason));
	}
}

/* ---- the members' requests (mp) ---------------------------------------- */

static void reply(const struct inbox_item *it, int rc, uint64_t id, const char *reason)
{
	struct hpd_mp_msg rep;

	mp_msg_init(&rep, HPD_MP_CLAIM_REP, id);
	rep.h.rc = rc;
	snprintf(rep.u.reason, sizeof(rep.u.reason), "%s", reason);
	if (it->is_request && mp_join_reply(&rep, it->peer) != 0)
		log_err("claim reply to %d failed", it->msg.h.pid);
}

static void on_claim(const struct inbox_item *it)
{
	char reason[HPD_REASON_MAX + 64] = "", rule[sizeof(it->msg.u.arg)];
	pid_t holder;
	int rc;

	snprintf(rule, sizeof(rule), "%s", it->msg.u.arg);
	rc = leases_claim(it->msg.h.pid, rule, reason, sizeof(reason), &holder);
	reply(it, rc < 0 ? rc : 0, rc < 0 ? 0 : (uint64_t)rc, reason);
}

static void on_release(const struct inbox_item *it)
{
	char reason[HPD_REASON_MAX + 64] = "";
	unsigned long id = strtoul(it->msg.u.arg, NULL, 10);

	reply(it, leases_release(it->msg.h.pid, (uint32_t)id, reason, sizeof(reason)), id,
	      reason);
}

void leases_init(void)
{
	mp_handler(HPD_MP_CLAIM, on_claim);
	mp_handler(HPD_MP_RELEASE, on_release);
}

void leases_fini(void)
{
	struct rule *r;

	while ((r = TAILQ_FIRST(&rules)) != NULL) {
		TAILQ_REMOVE(&rules, r, next);
		free(r);
	}
}

/* ---- views ------------------------------------------------------------- */

static json_t *queue_lists(uint16_t port, pid_t pid)
{
	const struct hpd_leases_port *lp = slots(port);
	json_t *o = json_object();
	bool any = false;

	for (unsigned d = 0; d < 2; d++) {
		json_t *a = json_array();

		for (unsigned q = 0; q < lp->nq[d]; q++)
			if (__atomic_load_n(&lp->q[d][q].owner, __ATOMIC_ACQUIRE) == pid) {
				json_array_append_new(a, json_integer(q));
				any = true;
			}
		json_object_set_new(o, dir_name[d], a);
	}
	if (!any) {
		json_decref(o);
		return NULL;
	}
	json_object_set_new(o, "port", json_integer(port));
	json_object_set_new(o, "device", json_string(port_name(port)));
	return o;
}

json_t *leases_member_json(pid_t pid)
{
	json_t *a = json_array(), *o;

	for (uint16_t p = 0; queues_table() && p < RTE_MAX_ETHPORTS; p++)
		if ((o = queue_lists(p, pid)) != NULL)
			json_array_append_new(a, o);
	return a;
}

json_t *leases_port_json(uint16_t port)
{
	const struct hpd_leases_port *lp;
	json_t *a;

	if (queues_table() == NULL || port >= RTE_MAX_ETHPORTS)
		return json_null();
	lp = slots(port);
	a = json_array();
	for (unsigned d = 0; d < 2; d++)
		for (unsigned q = 0; q < lp->nq[d]; q++) {
			int32_t o = __atomic_load_n(&lp->q[d][q].owner, __ATOMIC_ACQUIRE);

			if (o)
				json_array_append_new(a, json_pack("{s:s, s:i, s:i}", "dir",
						      dir_name[d], "queue", q, "pid", o));
		}
	return json_pack("{s:i, s:i, s:o}", "rx", ports_table()->port[port].nb_rxq, "tx",
			 ports_table()->port[port].nb_txq, "leases", a);
}

json_t *leases_json(void)
{
	json_t *claims = json_array(), *qs = json_array();
	struct rule *r;

	TAILQ_FOREACH(r, &rules, next)
		json_array_append_new(claims, json_pack("{s:i, s:o, s:s}", "claim", r->id,
					"member", member_ref(r->pid), "rule", r->text));
	for (uint16_t p = 0; p < RTE_MAX_ETHPORTS; p++) {
		const struct hpd_leases_port *lp = slots(p);

		for (unsigned d = 0; d < 2; d++)
			for (unsigned q = 0; q < lp->nq[d]; q++) {
				const struct hpd_queue_slot *s = &lp->q[d][q];

				if (s->owner)
					json_array_append_new(qs, json_pack(
						"{s:i, s:s, s:s, s:i, s:o, s:i}", "port", p,
						"device", port_name(p), "dir", dir_name[d],
						"queue", q, "member", member_ref(s->owner),
						"claim", s->claim));
			}
	}
	return json_pack("{s:o, s:o, s:i}", "claims", claims, "queues", qs, "violations",
			 queues_table()->violations);
}
