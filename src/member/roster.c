/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_memzone.h>

#include "roster.h"

struct roster_slot {
	int32_t pid; /* 0: free */
	uint32_t seq; /* odd while the owner writes */
	uint16_t n;
	struct roster_port port[RTE_MAX_ETHPORTS];
};

struct roster_mz {
	struct roster_slot slot[HPD_ROSTER_SLOTS];
};

static struct roster_mz *roster;
static struct roster_slot *mine;

int roster_init(bool primary)
{
	const struct rte_memzone *mz;

	mz = primary ? rte_memzone_reserve(HPD_ROSTER_MZ, sizeof(*roster), SOCKET_ID_ANY, 0)
		     : rte_memzone_lookup(HPD_ROSTER_MZ);
	if (mz == NULL)
		return primary ? -rte_errno : -ENOENT;
	roster = mz->addr;
	if (primary)
		memset(roster, 0, sizeof(*roster));
	return 0;
}

static struct roster_slot *find(pid_t pid)
{
	for (unsigned i = 0; roster && i < HPD_ROSTER_SLOTS; i++)
		if (__atomic_load_n(&roster->slot[i].pid, __ATOMIC_ACQUIRE) == pid)
			return &roster->slot[i];
	return NULL;
}

static struct roster_slot *claim(void)
{
	int32_t self = (int32_t)getpid();

	for (unsigned i = 0; roster && i < HPD_ROSTER_SLOTS; i++) {
		int32_t free_ = 0;

		if (__atomic_compare_exchange_n(&roster->slot[i].pid, &free_, self, false,
						__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
			return &roster->slot[i];
	}
	return NULL; /* full: check reports this member as not published */
}

void roster_publish(void)
{
	struct roster_port now[RTE_MAX_ETHPORTS];
	uint16_t p, n = 0;

	if (roster == NULL || (mine == NULL && (mine = claim()) == NULL))
		return;
	/* the truth of this process: its own ethdev table */
	RTE_ETH_FOREACH_DEV(p) {
		now[n].port = p;
		if (rte_eth_dev_get_name_by_port(p, now[n].name) != 0)
			snprintf(now[n].name, sizeof(now[n].name), "port %u", p);
		n++;
	}
	__atomic_fetch_add(&mine->seq, 1, __ATOMIC_ACQ_REL);
	memcpy(mine->port, now, n * sizeof(*now));
	mine->n = n;
	__atomic_fetch_add(&mine->seq, 1, __ATOMIC_RELEASE);
}

void roster_leave(void)
{
	if (mine) {
		__atomic_store_n(&mine->seq, 0, __ATOMIC_RELAXED);
		__atomic_store_n(&mine->pid, 0, __ATOMIC_RELEASE);
	}
	mine = NULL;
}

int roster_read(pid_t pid, struct roster_port *ports, unsigned max)
{
	struct roster_slot *s = find(pid);
	uint32_t seq;
	unsigned n;

	if (s == NULL)
		return -ENOENT;
	unsigned tries = 0;

	do { /* retry while the owner is in the middle of a write; one that
	      * died there leaves the count odd: give up, do not spin */
		while ((seq = __atomic_load_n(&s->seq, __ATOMIC_ACQUIRE)) & 1)
			if (++tries > 100000)
				return -EBUSY;
		n = RTE_MIN((unsigned)s->n, max);
		memcpy(ports, s->port, n * sizeof(*ports));
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
	} while (__atomic_load_n(&s->seq, __ATOMIC_RELAXED) != seq);
	if (seq == 0)
		return -ENOENT; /* claimed, nothing written yet */
	for (unsigned i = 0; i < n; i++)
		ports[i].name[sizeof(ports[i].name) - 1] = '\0';
	return (int)n;
}

void roster_release(pid_t pid)
{
	struct roster_slot *s = find(pid);

	if (s) {
		__atomic_store_n(&s->seq, 0, __ATOMIC_RELAXED);
		__atomic_store_n(&s->pid, 0, __ATOMIC_RELEASE);
	}
}
