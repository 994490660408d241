/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The roster: every member's own port list, in shared memory (memzone
 * "hpd_roster", reserved by the primary). Each member writes its slot from
 * what its own ethdev layer has, after every request it carries out; the
 * primary reads them for `ps`, so that `hpctl check` compares members
 * without a control socket (libhotplugd-member applications) too, instead
 * of taking their agreement on trust.
 *
 * A slot is claimed by a member's pid (compare-and-swap from 0) and
 * released by the member when it leaves or by the primary when it sees the
 * member go. Writers use a sequence count (odd while writing), so that a
 * reader never takes half a list.
 */
#ifndef HPD_ROSTER_H
#define HPD_ROSTER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <rte_config.h>
#include <rte_ethdev.h>

struct roster_port {
	uint16_t port;
	char name[RTE_ETH_NAME_MAX_LEN];
};

#define HPD_ROSTER_MZ "hpd_roster"
#define HPD_ROSTER_SLOTS 128

/* Reserve (primary) or find (member) the roster. A member of a primary
 * without one (-ENOENT) simply publishes nothing. */
int roster_init(bool primary);

/* member: publish this process's ports now (claims a slot the first time) */
void roster_publish(void);
/* member: give the slot back (leaving) */
void roster_leave(void);

/* primary: the ports member pid published, at most max, in port order;
 * -ENOENT when it has no slot (it never published), -EBUSY when its last
 * write never ended (it died in the middle of one). */
int roster_read(pid_t pid, struct roster_port *ports, unsigned max);
/* primary: the member is gone; its slot is free again */
void roster_release(pid_t pid);

#endif
