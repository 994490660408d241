/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Queue leases as the group shares them (memzone "hpd_leases", written by
 * the primary only), and one member's safe use of its own.
 *
 * A DPDK rx or tx queue is not safe for concurrent use, so each one has at
 * most one holder: a slot per (port, rx|tx, queue) names the holder's pid
 * and the claim that granted it. The primary keeps the rules behind the
 * claims (src/daemon/group/leases.c); members only read the slots.
 *
 * Why a shared table and no message: a grant is safe at any moment (a free
 * queue is polled by nobody), so the primary writes it without waiting for
 * anyone, and a member that joins late reads the present state without a
 * message to miss. A slot is freed only when its holder cannot be polling
 * it: the holder is dead (pidfd), it withdrew the queue from its own
 * pollers and waited for their quiescent state before asking for the
 * release (queues_withdraw), or the port went through the engine's quiesce
 * round (not ready, every member's readers past a quiescent state) before a
 * stop or a detach. The readers re-read their leases whenever the
 * generation changes, together with the port set (ports_usable_gen).
 *
 * Test builds (fault_hooks) also keep an owner token per queue: every burst
 * through queues_rx_burst/queues_tx_burst swaps in its poller's token and
 * swaps it out after, so two pollers inside bursts on one queue are seen
 * and counted (violations), whatever the lease table says.
 */
#ifndef HPD_QUEUES_H
#define HPD_QUEUES_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <rte_config.h>
#include <rte_ethdev.h>

#define HPD_LEASES_MZ "hpd_leases"
#define HPD_QUEUES_MAX RTE_MAX_QUEUES_PER_PORT

enum hpd_qdir { HPD_QRX, HPD_QTX };

struct hpd_queue_slot {
	int32_t owner;  /* pid of the holder, 0: free */
	uint32_t claim; /* the claim (rule) that granted it */
};

struct hpd_leases_port {
	uint16_t nq[2]; /* queues of the port the slots cover (ethdev's counts) */
	struct hpd_queue_slot q[2][HPD_QUEUES_MAX];
};

struct hpd_leases_mz {
	uint32_t gen;        /* bumped on any change: readers re-read */
	uint32_t violations; /* test builds: two pollers seen on one queue */
	struct hpd_leases_port port[RTE_MAX_ETHPORTS];
	/* test builds: the poller inside a burst on each queue, 0 if none */
	uint64_t token[RTE_MAX_ETHPORTS][2][HPD_QUEUES_MAX];
};

/* Reserve (primary, from ports_table_init) or find (member). */
int queues_table_init(bool primary);
struct hpd_leases_mz *queues_table(void);
uint32_t queues_gen(void);

/* One queue pair an lcore uses: rx and/or tx queue `queue` of `port`. */
struct hpd_queue_use {
	uint16_t port;
	uint16_t queue;
	bool rx, tx;
};

/*
 * This process's leased queues of the usable ports (ports_usable) that
 * belong to lcore id of n, at most max: queue numbers are dealt to the
 * lcores in order (the member's k-th distinct queue number goes to lcore
 * k % n), so every queue numbered q of every port is on one lcore and a
 * forwarder that sends on the queue of the same number of another port
 * never shares a tx queue between lcores. Call on the polling lcore when
 * ports_usable_gen() changed. Test builds with HOTPLUGD_NO_LEASE_CHECK set
 * ignore the leases (every queue of every usable port): the broken code
 * the owner tokens must catch.
 */
unsigned queues_mine(unsigned id, unsigned n, struct hpd_queue_use *out, unsigned max);
/* The pairs of a port in out[0..n) of queues_mine: whether tx queue q of
 * port is leased here (a forwarder sends only on queues it holds). */
bool queues_tx_held(const struct hpd_queue_use *use, unsigned n, uint16_t port,
		    uint16_t queue);

/* Before asking the primary to release claim: its queues leave this
 * process's pollers now (the caller then waits for their quiescent state,
 * ports_quiesce). claim 0: every claim. */
void queues_withdraw(uint32_t claim);
/* The primary granted this process claim (ids only grow). */
void queues_claimed(uint32_t claim);

/* The bursts every poller of a leased queue goes through. */
#ifdef HPD_FAULT_HOOKS
uint16_t queues_rx_burst(uint16_t port, uint16_t queue, struct rte_mbuf **pkts, uint16_t n);
uint16_t queues_tx_burst(uint16_t port, uint16_t queue, struct rte_mbuf **pkts, uint16_t n);
/* The poller's identity in the owner tokens (per lcore: set once). */
void queues_poller(unsigned id);
#else
static inline uint16_t queues_rx_burst(uint16_t port, uint16_t queue, struct rte_mbuf **pkts,
				       uint16_t n)
{
	return rte_eth_rx_burst(port, queue, pkts, n);
}

static inline uint16_t queues_tx_burst(uint16_t port, uint16_t queue, struct rte_mbuf **pkts,
				       uint16_t n)
{
	return rte_eth_tx_burst(port, queue, pkts, n);
}

static inline void queues_poller(unsigned id)
{
	(void)id;
}
#endif

#endif
