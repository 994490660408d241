/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hotplugd's messages on DPDK's multi-process channel (wire.h), and a
 * member's side of the protocol: join, answer liveness from the mp thread,
 * carry out the primary's attach/detach/quiesce requests and acknowledge
 * them. Shared by the daemon (mp.c, agent.c) and libhotplugd-member, so a
 * third-party secondary is a member exactly like a hotplugd secondary.
 */
#ifndef HPD_PROTO_H
#define HPD_PROTO_H

#include <stdbool.h>
#include <stddef.h>

#include "wire.h"

struct rte_mp_msg;

void proto_msg_init(struct hpd_mp_msg *m, enum hpd_mp_type type, uint64_t seq);
/* Validate and copy a received message. -EBADMSG: wrong size or magic. */
int proto_decode(const struct rte_mp_msg *in, struct hpd_mp_msg *out);
int proto_send(const char *action, const struct hpd_mp_msg *m);
int proto_reply(const struct hpd_mp_msg *m, const char *peer);

/* ---- member side ---- */

/* Register as a member (flags: HPD_JOIN_*): returns the primary's pid,
 * -ENOMSG when no hotplugd primary answered, or the primary's refusal. */
/* The primary's pid, or a negative errno: -EPROTO when the primary refused
 * this member (another hotplugd protocol or another DPDK); the reason,
 * naming both sides, is logged. */
int proto_join(const char *name, unsigned flags, int timeout_ms);
/* Claim queues by rule (the grammar is docs/protocol.md's, parsed by the
 * primary; NULL: "all"); a rule without port= is for the ports matching
 * this member's patterns. The claim's id (> 0), or a negative errno and
 * the primary's reason (-EBUSY names the holder). */
int proto_claim(const char *ports, const char *rule, int timeout_ms, char *reason, size_t len);
/* Release claim (0: all of this member's); the caller withdrew its queues
 * from its pollers first (queues_withdraw, ports_quiesce). */
int proto_release(unsigned claim, int timeout_ms, char *reason, size_t len);
/* This process's DPDK, as a join names it (test builds:
 * HOTPLUGD_DPDK_VERSION pretends another). */
const char *proto_dpdk_version(void);
/* On the mp thread: confirm receipt of a request (RECEIVED), or answer a
 * ping. True if the message needs nothing more (a ping). */
bool proto_answer_now(const struct hpd_mp_msg *m, bool pings);
void proto_ack(const struct hpd_mp_msg *m, int rc, const char *reason);
void proto_leave(void);

/* How a member attaches and detaches: the daemon adds the EAL's words to
 * reasons; fault is NULL except in the daemon's test builds. */
struct proto_ops {
	int (*attach)(const char *devargs, char *reason, size_t len);
	int (*detach)(const char *name, char *reason, size_t len);
	bool (*fault)(const char *step, const char *device, char *reason, size_t len);
};
extern const struct proto_ops proto_local_ops; /* local.c, errno texts */

/* Carry out ATTACH, DETACH (readers leave the port first) or QUIESCE;
 * ports_local_attached() follows a successful attach. */
int proto_job(const struct hpd_mp_msg *m, const struct proto_ops *ops, int timeout_ms,
	      char *reason, size_t len);
/* Bring this process's devices in line with the primary's (the shared port
 * table): after joining. Returns how many changes failed. */
int proto_reconcile(const struct proto_ops *ops);

#endif
