/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The primary's queue leases: which member polls which (port, rx|tx,
 * queue). A member claims by rule (docs/protocol.md, "Queue leases"); a
 * claim is a standing rule, granted on every port it matches that is
 * started now or later, and exclusive: a claim that would take a queue
 * another member holds is refused whole with EBUSY naming the holder.
 * Leases go with the member (it left, died or was fenced), with the port
 * (stopped or detached, after the engine's quiesce round) and with a
 * release by the holder itself, which withdrew the queues from its own
 * pollers first. The grants live in the shared table of
 * src/member/queues.h, which the members' pollers read.
 */
#ifndef HPD_LEASES_H
#define HPD_LEASES_H

#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>

/* Registers for the members' CLAIM and RELEASE requests. */
void leases_init(void);
void leases_fini(void);

/*
 * Claim for member pid by rule: the claim id (> 0), or a negative errno
 * with the reason in reason; on -EBUSY, *holder is the pid holding the
 * first queue in the way (nothing changed).
 */
int leases_claim(pid_t pid, const char *rule, char *reason, size_t len, pid_t *holder);
/* Release claim id of pid (0: all of them): 0 or -ENOENT. */
int leases_release(pid_t pid, uint32_t claim, char *reason, size_t len);

/* The member left ("member_gone") or was fenced ("fenced"). */
void leases_member_gone(pid_t pid, const char *reason);
/* The port was quiesced and goes down (reason "stopped", "detached",
 * "reconfigured"): its leases go; the claims stay, for its next start. */
void leases_port_down(uint16_t port, const char *reason);
/* The port is ready (started): the standing claims are granted on it. */
void leases_port_up(uint16_t port);

/* {"claims": [...], "queues": [...], "violations": n} */
json_t *leases_json(void);
/* The member's leases for ps: [{"port", "rx": [q...], "tx": [q...]}] */
json_t *leases_member_json(pid_t pid);
/* The port's queues for list, from the shared table (any process):
 * {"rx": n, "tx": n, "leases": [{"dir", "queue", "pid"}]} */
json_t *leases_port_json(uint16_t port);

#endif
