/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * libhotplugd-member: make a DPDK secondary process a member of a hotplugd
 * group, with the same hotplug guarantees as hotplugd's own secondaries.
 *
 *  - Devices attached or detached anywhere in the group are attached and
 *    detached in this process too: by the hotplugd primary's request, in a
 *    thread of the application's choosing (hpd_member_dispatch()).
 *  - A port is handed to the polling lcores only once it is attached in
 *    every process of the group and the primary has configured and started
 *    it (hpd_member_ports()).
 *  - Before a port is stopped or detached anywhere, every polling lcore of
 *    every member has stopped using it: this library waits for the lcores
 *    to pass a quiescent state (DPDK's RCU, rte_rcu_qsbr) and only then
 *    tells the primary to go on. A member that cannot confirm in time is
 *    handled by the primary's policy for unresponsive members (by default
 *    it is killed, and the operation goes on without it).
 *
 * Usage (see examples/hpd_fwd.c):
 *
 *   rte_eal_init()                      as a secondary (--proc-type=secondary)
 *   hpd_member_join(&conf, &m)          from the main thread
 *   hpd_member_claim(m, "all")          the queues this member polls
 *   on each polling lcore:
 *       hpd_member_lcore_online(m, id)
 *       loop: if gen changed, n = hpd_member_queues(m, id, qs, max)
 *             rx/tx bursts on the queues of qs[] (hpd_member_rx_burst)
 *             hpd_member_quiescent(m, id)   (between bursts, holding nothing)
 *       hpd_member_lcore_offline(m, id)
 *   in the application's control thread: poll(hpd_member_fd(m)),
 *       then hpd_member_dispatch(m) (events arrive through conf.on_event)
 *   hpd_member_leave(m), then rte_eal_cleanup()
 *
 * Functions returning int give 0 (or a count) on success and a negative
 * errno on failure. Link with `pkg-config --libs libhotplugd-member`.
 */
#ifndef HOTPLUGD_MEMBER_H
#define HOTPLUGD_MEMBER_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define HPD_MEMBER_API_VERSION 2

struct hpd_member;
struct rte_mbuf;

enum hpd_member_event_type {
	/** The port's device was attached in this process. Polling lcores get
	 * the port once it is usable (attached everywhere and started). */
	HPD_MEMBER_PORT_ATTACHED = 1,
	/** Polling lcores have left the port: it is about to be stopped. */
	HPD_MEMBER_PORT_QUIESCED,
	/** The port's device was detached from this process; the polling
	 * lcores had left it before. The port id may be reused. */
	HPD_MEMBER_PORT_DETACHED,
	/** The primary exited. The group is gone: the application should
	 * leave and exit (DPDK secondaries cannot outlive their primary's
	 * memory). hpd_member_dispatch() returns -ESHUTDOWN from now on. */
	HPD_MEMBER_PRIMARY_GONE,
};

struct hpd_member_event {
	enum hpd_member_event_type type;
	uint16_t port;      /**< not for PRIMARY_GONE; UINT16_MAX for a failed attach */
	const char *device; /**< device name (devargs for ATTACHED) */
	int rc;             /**< 0, or the failure this process reported */
};

struct hpd_member_conf {
	/** Shown by `hpctl ps` (at most 63 bytes). */
	const char *name;
	/** Polling lcores that will call hpd_member_quiescent(): ids 0..n-1.
	 * 0 is allowed: the application then does not poll (no readers). */
	unsigned int lcores;
	/** fnmatch(3) patterns of port names to hand to the lcores,
	 * comma-separated; NULL or "" for every port. Ports whose driver has no
	 * data path in a secondary (af_packet, vhost, virtio-user in DPDK
	 * 22.11) are never handed out. */
	const char *ports;
	/** Deadline for joining and for the lcores to quiesce, in ms
	 * (0: 5000). Keep it below the primary's --op-timeout. */
	int timeout_ms;
	/** Called from hpd_member_dispatch(), in its thread. May be NULL. */
	void (*on_event)(struct hpd_member *m, const struct hpd_member_event *ev, void *arg);
	void *arg;
};

/**
 * Join the group of this process's hotplugd primary, and bring the local
 * device list in line with the primary's. Call after rte_eal_init() in a
 * secondary, from the main thread. -ENOENT: the primary is not a hotplugd
 * (no port table); -ETIMEDOUT: the primary did not answer (another hotplugd
 * release: the protocol is versioned); -EEXIST: already joined; -EINVAL:
 * not a secondary or bad conf. libhotplugd-member(3) lists the rest.
 */
int hpd_member_join(const struct hpd_member_conf *conf, struct hpd_member **m);

/**
 * A file descriptor that becomes readable when hpd_member_dispatch() has
 * work: a request from the primary, or the primary's exit. Level-triggered;
 * for poll(2)/epoll/libevent. Owned by the library.
 */
int hpd_member_fd(const struct hpd_member *m);

/**
 * Carry out the primary's pending requests in the calling thread (attach,
 * quiesce, detach: a detach waits up to timeout_ms for the polling lcores)
 * and answer them; on_event follows each. Never blocks waiting for
 * requests. Must not run on a polling lcore (-EDEADLK). Returns the number
 * of requests handled, or -ESHUTDOWN once the primary is gone.
 */
int hpd_member_dispatch(struct hpd_member *m);

/** Polling lcore id (0..conf.lcores-1) starts / stops using ports. An
 * offline lcore is never waited for. Call from the polling thread. */
int hpd_member_lcore_online(struct hpd_member *m, unsigned int id);
void hpd_member_lcore_offline(struct hpd_member *m, unsigned int id);

/** Between bursts, holding no mbuf or pointer of any port: from now on
 * this lcore may have lost ports. Cheap (a store). */
void hpd_member_quiescent(struct hpd_member *m, unsigned int id);

/** Changes whenever the usable port set may have changed: compare it on
 * every loop iteration and re-read the set when it differs. Cheap (two
 * loads). */
uint64_t hpd_member_ports_gen(const struct hpd_member *m);

/**
 * The ports usable now, in port order (at most max of them): attached in
 * every process, started by the primary, wanted (conf.ports), with a data
 * path in this process. Safe to call from polling lcores; a port stays
 * valid for the caller until its next hpd_member_quiescent().
 */
unsigned int hpd_member_ports(const struct hpd_member *m, uint16_t *ports, unsigned int max);

/**
 * Claim queues of the group's ports for this member, by rule (the grammar
 * of libhotplugd-member(3) and docs/protocol.md: "all", "N",
 * "port=PATTERNS:q=0-1", "port=P:n=2", "port=P:all", each with an optional
 * ":dir=rx|tx|both"; a rule without port= is for conf.ports). A claim is a
 * standing rule: it is granted on the ports it matches now and on those
 * started later. Exclusive: -EBUSY when a queue it needs is another
 * member's (nothing granted; the holder is logged). Returns the claim id
 * (> 0). Not on a polling lcore.
 */
int hpd_member_claim(struct hpd_member *m, const char *rule);

/**
 * Give back claim id (0: every claim): its queues leave the polling
 * lcores first (this waits for their quiescent state), then the primary
 * frees them. Not on a polling lcore (-EDEADLK).
 */
int hpd_member_release(struct hpd_member *m, int claim);

/** One queue pair this member holds: rx and/or tx queue `queue` of port. */
struct hpd_member_queue {
	uint16_t port;
	uint16_t queue;
	bool rx; /**< rx queue `queue` of port is this member's */
	bool tx; /**< tx queue `queue` of port is this member's */
};

/**
 * This member's leased queues of the usable ports that belong to polling
 * lcore id (at most max): queue numbers are dealt to the lcores in order,
 * so every queue numbered q (of every port) is on one lcore, and sending
 * on the queue of the same number of another port never shares a tx queue
 * between lcores. Re-read when hpd_member_ports_gen() changes (leases
 * change it too); valid until the next hpd_member_quiescent(). Poll only
 * these: a queue is not safe for concurrent use.
 */
unsigned int hpd_member_queues(const struct hpd_member *m, unsigned int id,
			       struct hpd_member_queue *q, unsigned int max);

/** rte_eth_rx_burst / rte_eth_tx_burst on a leased queue. Test builds of
 * the library also check here that no other poller is inside a burst on
 * the same queue (counted in `hpctl queues`, "violations"). */
uint16_t hpd_member_rx_burst(uint16_t port, uint16_t queue, struct rte_mbuf **pkts,
			     uint16_t n);
uint16_t hpd_member_tx_burst(uint16_t port, uint16_t queue, struct rte_mbuf **pkts,
			     uint16_t n);

/** The primary's pid (for logs). */
int hpd_member_primary_pid(const struct hpd_member *m);

/** Leave the group (the primary stops waiting for this process) and free
 * m. Polling lcores must be offline. */
void hpd_member_leave(struct hpd_member *m);

#ifdef __cplusplus
}
#endif

#endif
