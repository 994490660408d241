/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_eal.h>
#include <rte_errno.h>

#include "hotplugd.h"
#include "inbox.h"
#include "log.h"
#include "mp.h"

/*
 * A member answers liveness on DPDK's mp thread itself, without the hop to
 * its event loop: a ping is answered at once, and an attach or detach is
 * acknowledged as received before the loop does the work. A frozen process
 * runs no thread, so this still proves it is alive; a loop that hangs is
 * caught by the operation deadline.
 */
static bool answer_now(const struct hpd_mp_msg *m)
{
	struct hpd_mp_msg a;

	if (m->h.type != HPD_MP_PING && m->h.type != HPD_MP_ATTACH &&
	    m->h.type != HPD_MP_DETACH && m->h.type != HPD_MP_QUIESCE)
		return false;
#ifdef HPD_FAULT_HOOKS
	/* ping faults act in the loop: let it answer pings itself */
	if (m->h.type == HPD_MP_PING && getenv("HOTPLUGD_FAULT"))
		return false;
#endif
	mp_msg_init(&a, m->h.type == HPD_MP_PING ? HPD_MP_ACK : HPD_MP_RECEIVED, m->h.seq);
	mp_to_primary(&a);
	return m->h.type == HPD_MP_PING;
}

/* Runs on DPDK's mp thread: validate and hand over, nothing else. */
static int receive(const struct rte_mp_msg *msg, const void *peer, bool request)
{
	struct hpd_mp_msg m;

	if (msg->len_param < (int)sizeof(struct hpd_mp_hdr) ||
	    msg->len_param > (int)sizeof(m)) {
		log_warn("mp: dropping %s message of %d bytes", msg->name, msg->len_param);
		return 0;
	}
	memset(&m, 0, sizeof(m));
	memcpy(&m, msg->param, msg->len_param);
	if (m.h.magic != HPD_MP_MAGIC) {
		log_warn("mp: dropping %s message with bad magic (mixed versions?)", msg->name);
		return 0;
	}
	m.u.arg[sizeof(m.u.arg) - 1] = '\0';
	if (!hpd_is_primary() && answer_now(&m))
		return 0;
	inbox_post(&m, peer, request);
	return 0;
}

static int on_message(const struct rte_mp_msg *msg, const void *peer)
{
	return receive(msg, peer, false);
}

static int on_join(const struct rte_mp_msg *msg, const void *peer)
{
	return receive(msg, peer, true);
}

int mp_init(void)
{
	int rc;

	if (hpd_is_primary()) {
		rc = rte_mp_action_register(HPD_MP_TO_PRIMARY, on_message);
		if (rc == 0)
			rc = rte_mp_action_register(HPD_MP_JOIN, on_join);
	} else {
		rc = rte_mp_action_register(HPD_MP_TO_MEMBERS, on_message);
	}
	return rc ? -rte_errno : 0;
}

void mp_fini(void)
{
	if (hpd_is_primary()) {
		rte_mp_action_unregister(HPD_MP_TO_PRIMARY);
		rte_mp_action_unregister(HPD_MP_JOIN);
	} else {
		rte_mp_action_unregister(HPD_MP_TO_MEMBERS);
	}
}

void mp_msg_init(struct hpd_mp_msg *m, enum hpd_mp_type type, uint64_t seq)
{
	memset(m, 0, sizeof(*m));
	m->h.magic = HPD_MP_MAGIC;
	m->h.type = type;
	m->h.seq = seq;
	m->h.pid = hpd.pid;
}

static void fill(struct rte_mp_msg *out, const char *action, const struct hpd_mp_msg *m)
{
	memset(out, 0, sizeof(*out));
	snprintf(out->name, sizeof(out->name), "%s", action);
	memcpy(out->param, m, sizeof(*m));
	out->len_param = sizeof(*m);
}

static int send_to(const char *action, const struct hpd_mp_msg *m)
{
	struct rte_mp_msg out;

	fill(&out, action, m);
	return rte_mp_sendmsg(&out) ? -rte_errno : 0;
}

int mp_broadcast(const struct hpd_mp_msg *m)
{
	return send_to(HPD_MP_TO_MEMBERS, m);
}

int mp_to_primary(const struct hpd_mp_msg *m)
{
	return send_to(HPD_MP_TO_PRIMARY, m);
}

int mp_join_reply(const struct hpd_mp_msg *m, const char *peer)
{
	struct rte_mp_msg out;

	fill(&out, HPD_MP_JOIN, m);
	return rte_mp_reply(&out, peer) ? -rte_errno : 0;
}

int mp_join(const char *name, int timeout_ms)
{
	struct timespec ts = {.tv_sec = timeout_ms / 1000,
			      .tv_nsec = (timeout_ms % 1000) * 1000000L};
	struct rte_mp_reply reply = {0};
	struct rte_mp_msg out;
	struct hpd_mp_msg m, r;
	int rc;

	mp_msg_init(&m, HPD_MP_JOIN_REQ, 0);
	snprintf(m.u.name, sizeof(m.u.name), "%s", name);
	fill(&out, HPD_MP_JOIN, &m);
	if (rte_mp_request_sync(&out, &reply, &ts) != 0)
		return -rte_errno;
	if (reply.nb_received != 1) {
		/* no hotplugd primary answered: a plain DPDK primary? */
		free(reply.msgs);
		return -ENOMSG;
	}
	memset(&r, 0, sizeof(r));
	memcpy(&r, reply.msgs[0].param,
	       RTE_MIN((size_t)reply.msgs[0].len_param, sizeof(r)));
	free(reply.msgs);
	if (r.h.magic != HPD_MP_MAGIC || r.h.type != HPD_MP_JOIN_REP)
		return -EPROTO;
	rc = r.h.rc;
	return rc < 0 ? rc : r.h.pid;
}
