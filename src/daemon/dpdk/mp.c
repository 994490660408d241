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
#include "proto.h"

/*
 * A join from a process of another hotplugd protocol: answered here, at
 * once and in this version's own words (the header's layout is the one
 * thing every version shares), so that it stops with a reason instead of
 * waiting out its join deadline. It never becomes a member.
 */
static void refuse_join(const struct rte_mp_msg *msg, const void *peer)
{
	struct hpd_mp_msg rep;
	uint32_t theirs = 0;

	if (msg->len_param < (int)sizeof(theirs))
		return;
	memcpy(&theirs, msg->param, sizeof(theirs));
	proto_msg_init(&rep, HPD_MP_JOIN_REP, 0);
	rep.h.rc = -EPROTO;
	snprintf(rep.u.reason, sizeof(rep.u.reason), "the primary speaks hotplugd protocol "
		 "0x%08x, the member 0x%08x: every process of a group must run the same "
		 "hotplugd", HPD_MP_MAGIC, theirs);
	log_err("refused a join: %s", rep.u.reason);
	proto_reply(&rep, peer);
}

/* Runs on DPDK's mp thread: validate and hand over, nothing else. A
 * member confirms receipt here (proto_answer_now); pings are answered here
 * too, except in test builds with a ping fault set, where the loop answers. */
static int receive(const struct rte_mp_msg *msg, const void *peer, bool request)
{
	struct hpd_mp_msg m;
	bool pings = true;

	if (proto_decode(msg, &m) != 0) {
		log_warn("mp: dropping %s message of %d bytes (bad size or magic: mixed versions?)",
			 msg->name, msg->len_param);
		if (request)
			refuse_join(msg, peer);
		return 0;
	}
#ifdef HPD_FAULT_HOOKS
	pings = getenv("HOTPLUGD_FAULT") == NULL;
#endif
	if (!hpd_is_primary() && proto_answer_now(&m, pings))
		return 0;
	inbox_post(&m, peer, request);
	return 0;
}

static mp_handler_t handlers[HPD_MP_TYPES];

void mp_handler(enum hpd_mp_type type, mp_handler_t fn)
{
	if ((unsigned)type < HPD_MP_TYPES)
		handlers[type] = fn;
}

void mp_dispatch(struct inbox_item *it)
{
	unsigned type = it->msg.h.type;

	if (type < HPD_MP_TYPES && handlers[type])
		handlers[type](it);
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
	proto_msg_init(m, type, seq);
}

int mp_broadcast(const struct hpd_mp_msg *m)
{
	return proto_send(HPD_MP_TO_MEMBERS, m);
}

int mp_join_reply(const struct hpd_mp_msg *m, const char *peer)
{
	return proto_reply(m, peer);
}
