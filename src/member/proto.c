/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_log.h>
#include <rte_version.h>

#include "local.h"
#include "ports.h"
#include "proto.h"
#include "roster.h"

#ifdef HPD_FAULT_HOOKS
/*
 * Test builds only (meson -Dfault_hooks=true): HOTPLUGD_MP_MAGIC=N makes
 * this process speak another protocol version, so that a test can show a
 * member of another version never joins.
 */
static uint32_t own_magic(void)
{
	const char *e = getenv("HOTPLUGD_MP_MAGIC");

	return e ? (uint32_t)strtoul(e, NULL, 0) : HPD_MP_MAGIC;
}
#else
static uint32_t own_magic(void)
{
	return HPD_MP_MAGIC;
}
#endif

const char *proto_dpdk_version(void)
{
#ifdef HPD_FAULT_HOOKS
	const char *e = getenv("HOTPLUGD_DPDK_VERSION");

	if (e)
		return e;
#endif
	return rte_version();
}

void proto_msg_init(struct hpd_mp_msg *m, enum hpd_mp_type type, uint64_t seq)
{
	memset(m, 0, sizeof(*m));
	m->h.magic = own_magic();
	m->h.type = type;
	m->h.seq = seq;
	m->h.pid = getpid();
}

int proto_decode(const struct rte_mp_msg *in, struct hpd_mp_msg *out)
{
	if (in->len_param < (int)sizeof(struct hpd_mp_hdr) || in->len_param > (int)sizeof(*out))
		return -EBADMSG;
	memset(out, 0, sizeof(*out));
	memcpy(out, in->param, in->len_param);
	if (out->h.magic != HPD_MP_MAGIC)
		return -EBADMSG;
	out->u.arg[sizeof(out->u.arg) - 1] = '\0';
	return 0;
}

static void fill(struct rte_mp_msg *out, const char *action, const struct hpd_mp_msg *m)
{
	memset(out, 0, sizeof(*out));
	snprintf(out->name, sizeof(out->name), "%s", action);
	memcpy(out->param, m, sizeof(*m));
	out->len_param = sizeof(*m);
}

int proto_send(const char *action, const struct hpd_mp_msg *m)
{
	struct rte_mp_msg out;

	fill(&out, action, m);
	return rte_mp_sendmsg(&out) ? -rte_errno : 0;
}

int proto_reply(const struct hpd_mp_msg *m, const char *peer)
{
	struct rte_mp_msg out;

	fill(&out, HPD_MP_JOIN, m);
	return rte_mp_reply(&out, peer) ? -rte_errno : 0;
}

/* A request to the primary on hpd_join, its one reply in r. */
static int request(struct hpd_mp_msg *m, enum hpd_mp_type want, int timeout_ms,
		   struct hpd_mp_msg *r)
{
	struct timespec ts = {.tv_sec = timeout_ms / 1000,
			      .tv_nsec = (timeout_ms % 1000) * 1000000L};
	struct rte_mp_reply reply = {0};
	struct rte_mp_msg out;

	memset(r, 0, sizeof(*r));
	fill(&out, HPD_MP_JOIN, m);
	if (rte_mp_request_sync(&out, &reply, &ts) != 0)
		return -rte_errno;
	if (reply.nb_received != 1) {
		/* no hotplugd primary answered: a plain DPDK primary? */
		free(reply.msgs);
		return -ENOMSG;
	}
	memcpy(r, reply.msgs[0].param, RTE_MIN((size_t)reply.msgs[0].len_param, sizeof(*r)));
	free(reply.msgs);
	if (r->h.magic != own_magic() || r->h.type != want) {
		RTE_LOG(ERR, USER1, "hotplugd: the primary speaks hotplugd protocol 0x%08x, this "
			"process 0x%08x: every process of a group must run the same hotplugd\n",
			r->h.magic, own_magic());
		r->u.reason[0] = '\0';
		return -EPROTO;
	}
	r->u.reason[sizeof(r->u.reason) - 1] = '\0';
	return r->h.rc;
}

int proto_join(const char *name, unsigned flags, int timeout_ms)
{
	struct hpd_mp_msg m, r;
	int rc;

	proto_msg_init(&m, HPD_MP_JOIN_REQ, 0);
	m.h.flags = (uint16_t)flags;
	snprintf(m.u.join.name, sizeof(m.u.join.name), "%s", name);
	snprintf(m.u.join.dpdk, sizeof(m.u.join.dpdk), "%s", proto_dpdk_version());
	rc = request(&m, HPD_MP_JOIN_REP, timeout_ms, &r);
	if (rc < 0 && r.u.reason[0])
		RTE_LOG(ERR, USER1, "hotplugd: the primary refused this member: %s\n", r.u.reason);
	return rc < 0 ? rc : r.h.pid;
}

int proto_claim(const char *ports, const char *rule, int timeout_ms, char *reason, size_t len)
{
	struct hpd_mp_msg m, r;
	int n, rc;

	rule = rule && *rule ? rule : "all";
	proto_msg_init(&m, HPD_MP_CLAIM, 0);
	/* a rule that names no ports is for the member's own (its patterns) */
	if (strstr(rule, "port=") || ports == NULL || *ports == '\0')
		n = snprintf(m.u.arg, sizeof(m.u.arg), "%s", rule);
	else
		n = snprintf(m.u.arg, sizeof(m.u.arg), "port=%s:%s%s", ports,
			     strspn(rule, "0123456789") == strlen(rule) ? "n=" : "", rule);
	if (n >= (int)sizeof(m.u.arg)) {
		snprintf(reason, len, "the rule \"%s\" is %d bytes; the limit is %zu", m.u.arg, n,
			 sizeof(m.u.arg) - 1);
		return -ENAMETOOLONG;
	}
	rc = request(&m, HPD_MP_CLAIM_REP, timeout_ms, &r);
	snprintf(reason, len, "%s", rc < 0 ? r.u.reason : "");
	return rc < 0 ? rc : (int)r.h.seq;
}

int proto_release(unsigned claim, int timeout_ms, char *reason, size_t len)
{
	struct hpd_mp_msg m, r;
	int rc;

	proto_msg_init(&m, HPD_MP_RELEASE, 0);
	snprintf(m.u.arg, sizeof(m.u.arg), "%u", claim);
	rc = request(&m, HPD_MP_CLAIM_REP, timeout_ms, &r);
	snprintf(reason, len, "%s", rc < 0 ? r.u.reason : "");
	return rc;
}

/*
 * A member answers liveness on DPDK's mp thread itself, without the hop to
 * the thread that does the work: a ping is answered at once, and a request
 * is acknowledged as received before the work starts. A frozen process runs
 * no thread, so this still proves it is alive; a worker that hangs is caught
 * by the operation deadline.
 */
bool proto_answer_now(const struct hpd_mp_msg *m, bool pings)
{
	struct hpd_mp_msg a;

	switch (m->h.type) {
	case HPD_MP_PING:
		if (!pings)
			return false;
		/* fall through */
	case HPD_MP_ATTACH:
	case HPD_MP_DETACH:
	case HPD_MP_QUIESCE:
		proto_msg_init(&a, m->h.type == HPD_MP_PING ? HPD_MP_ACK : HPD_MP_RECEIVED,
			       m->h.seq);
		proto_send(HPD_MP_TO_PRIMARY, &a);
		return m->h.type == HPD_MP_PING;
	default:
		return false;
	}
}

void proto_ack(const struct hpd_mp_msg *m, int rc, const char *reason)
{
	struct hpd_mp_msg a;

	/* before the ack: when the primary counts this member done, the
	 * roster already shows what it has */
	roster_publish();
	proto_msg_init(&a, HPD_MP_ACK, m->h.seq);
	a.h.rc = rc;
	snprintf(a.u.reason, sizeof(a.u.reason), "%s", reason ? reason : "");
	if ((rc = proto_send(HPD_MP_TO_PRIMARY, &a)) != 0)
		RTE_LOG(ERR, USER1, "hotplugd: ack to primary: %s\n", strerror(-rc));
}

void proto_leave(void)
{
	struct hpd_mp_msg m;

	roster_leave();
	proto_msg_init(&m, HPD_MP_LEAVE, 0);
	proto_send(HPD_MP_TO_PRIMARY, &m);
}

/* Without the daemon's EAL log capture: the errno's text. */
static int plain(int rc, const char *what, char *reason, size_t len)
{
	rc = local_errno(rc);
	if (rc)
		snprintf(reason, len, "%s: %s", what, strerror(-rc));
	return rc;
}

static int plain_attach(const char *devargs, char *reason, size_t len)
{
	return plain(local_attach(devargs), devargs, reason, len);
}

static int plain_detach(const char *name, char *reason, size_t len)
{
	return plain(local_detach(name), name, reason, len);
}

const struct proto_ops proto_local_ops = {.attach = plain_attach, .detach = plain_detach};

static bool fault(const struct proto_ops *ops, const char *step, const char *dev,
		  char *reason, size_t len)
{
	return ops->fault && ops->fault(step, dev, reason, len);
}

#ifdef HPD_FAULT_HOOKS
/*
 * Test builds only (meson -Dfault_hooks=true): HOTPLUGD_LIE=attach:DEVICE
 * makes this member acknowledge the attach of DEVICE without doing it, in
 * the daemon's secondaries and in library members alike: a member that
 * diverges while the primary counts it done, which `hpctl check` must
 * find from what the member really has.
 */
static bool lie(const char *step, const char *dev)
{
	const char *e = getenv("HOTPLUGD_LIE");
	size_t n = strlen(step);

	return e && strncmp(e, step, n) == 0 && e[n] == ':' && strcmp(e + n + 1, dev) == 0;
}
#else
static bool lie(const char *step, const char *dev)
{
	(void)step, (void)dev;
	return false;
}
#endif

/* Readers stop using a port and confirm it; a stuck one is reported with
 * ETIMEDOUT, which the primary handles like an unresponsive member. */
static int quiesce(uint16_t port, bool leaving, int timeout_ms, char *reason, size_t len)
{
	int rc = ports_quiesce(port, leaving, timeout_ms);

	if (rc)
		snprintf(reason, len, "data-path workers did not leave port %u within %d ms",
			 port, timeout_ms);
	return rc;
}

int proto_job(const struct hpd_mp_msg *m, const struct proto_ops *ops, int timeout_ms,
	      char *reason, size_t len)
{
	char name[RTE_DEV_NAME_MAX_LEN];
	uint16_t port;
	int rc;

	switch (m->h.type) {
	case HPD_MP_ATTACH:
		if (local_parse_name(m->u.arg, name, sizeof(name)) != 0) {
			snprintf(reason, len, "cannot parse devargs %s", m->u.arg);
			return -EINVAL;
		}
		if (fault(ops, "attach", name, reason, len))
			return -EIO;
		if (lie("attach", name))
			return 0;
		rc = local_find(name, NULL) == 0 ? 0 : ops->attach(m->u.arg, reason, len);
		if (rc == 0 && local_find(name, &port) == 0)
			ports_local_attached(port);
		return rc;
	case HPD_MP_QUIESCE:
		return quiesce((uint16_t)atoi(m->u.arg), false, timeout_ms, reason, len);
	case HPD_MP_DETACH:
		if (fault(ops, "detach", m->u.arg, reason, len))
			return -EIO;
		if (local_find(m->u.arg, &port) != 0)
			return 0;
		rc = quiesce(port, true, timeout_ms, reason, len);
		return rc ? rc : ops->detach(m->u.arg, reason, len);
	default:
		snprintf(reason, len, "unexpected message type %u", m->h.type);
		return -EPROTO;
	}
}

static bool primary_has(const char *device)
{
	const struct hpd_ports_mz *t = ports_table();

	for (unsigned p = 0; p < RTE_MAX_ETHPORTS; p++)
		if (t->port[p].devargs[0] && strcmp(t->port[p].device, device) == 0)
			return true;
	return false;
}

int proto_reconcile(const struct proto_ops *ops)
{
	const struct hpd_ports_mz *t = ports_table();
	char reason[HPD_REASON_MAX + 1], name[RTE_DEV_NAME_MAX_LEN];
	struct rte_eth_dev_info info;
	int failures = 0;
	uint16_t p;

	for (unsigned i = 0; i < RTE_MAX_ETHPORTS; i++) {
		char devargs[HPD_DEVARGS_MAX + 1], device[HPD_NAME_MAX + 1];

		/* copies: the primary may rewrite the entry meanwhile; a
		 * change after this is carried to us by its own message */
		memcpy(devargs, t->port[i].devargs, sizeof(devargs));
		memcpy(device, t->port[i].device, sizeof(device));
		devargs[HPD_DEVARGS_MAX] = device[HPD_NAME_MAX] = '\0';
		if (!devargs[0] || local_find(device, NULL) == 0)
			continue;
		if (ops->attach(devargs, reason, sizeof(reason)) != 0) {
			RTE_LOG(ERR, USER1, "hotplugd: sync: cannot attach %s: %s\n", devargs, reason);
			failures++;
		}
	}
	/* and drop what the primary no longer has */
	RTE_ETH_FOREACH_DEV(p) {
		if (rte_eth_dev_info_get(p, &info) != 0 || info.device == NULL)
			continue;
		snprintf(name, sizeof(name), "%s", rte_dev_name(info.device));
		if (!primary_has(name) && ops->detach(name, reason, sizeof(reason)) != 0) {
			RTE_LOG(ERR, USER1, "hotplugd: sync: cannot detach %s: %s\n", name, reason);
			failures++;
		}
	}
	/* what this process has now (probed at EAL init or just now) */
	RTE_ETH_FOREACH_DEV(p)
		ports_local_attached(p);
	roster_publish();
	return failures;
}
