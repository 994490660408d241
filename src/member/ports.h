/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The port state a hotplugd group shares, and one process's safe use of it.
 *
 * Shared (memzone "hpd_ports", written by the primary only): per port the
 * devargs it was attached with, whether the primary started it and whether
 * it is ready for data-path workers (attached everywhere and started). A
 * generation number changes with every ready flag, so a polling loop notices
 * a change with one load.
 *
 * Local (this process): which ports the process has attached, which of them
 * its workers want (name patterns, a driver with a data path here), and the
 * RCU (rte_rcu_qsbr) readers that poll them. ports_quiesce() withdraws a port
 * and waits until every reader has passed a quiescent state, so none is
 * inside a burst on it when the port is stopped or removed.
 *
 * Used by the daemon (both roles) and by libhotplugd-member.
 */
#ifndef HPD_PORTS_H
#define HPD_PORTS_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_config.h>

#include "portconf.h"
#include "wire.h"

#define HPD_PORTS_MZ "hpd_ports"

struct hpd_port_state {
	uint8_t started;
	/* usable by data-path workers: set by the primary once a port is
	 * attached everywhere and started, cleared before it is quiesced */
	uint8_t ready;
	uint8_t pad[2];
	uint32_t gen; /* bumped on every change */
	/* the queues the primary configured at its last start (ethdev's
	 * nb_rx_queues/nb_tx_queues): what queue leases cover */
	uint16_t nb_rxq, nb_txq;
	/* the devargs the primary attached its device with ("" if none):
	 * what a member that joins later brings itself in line with */
	char device[HPD_NAME_MAX + 1];
	char devargs[HPD_DEVARGS_MAX + 1];
	/* the configuration the primary starts it with (list shows it in
	 * every process); valid while device is set */
	struct hpd_port_conf conf;
};

struct hpd_ports_mz {
	uint32_t gen; /* bumped on any ready change: workers re-read then */
	struct hpd_port_state port[RTE_MAX_ETHPORTS];
};

/* Reserve (primary) or find (secondary) the shared table. -ENOENT: no
 * hotplugd primary made it. */
int ports_table_init(bool primary);
struct hpd_ports_mz *ports_table(void);

/* primary */
void ports_set_ready(uint16_t port, bool ready);
void ports_record(uint16_t port, const char *device, const char *devargs);
void ports_set_queues(uint16_t port, uint16_t nb_rxq, uint16_t nb_txq);

/* anyone */
bool ports_ready(uint16_t port);
uint32_t ports_ready_gen(void);

/* ---- this process's use of the ports ---- */

/* fnmatch patterns, comma-separated ("*" when NULL or empty) */
void ports_set_patterns(const char *patterns);
const char *ports_patterns(void);
/* Drivers without a data path in a secondary in DPDK 22.11. */
bool ports_driver_capable(const char *driver);
/* This process's fast-path table has the port's queues. */
bool ports_queues_here(uint16_t port);
/* The port was attached here / is attached no more (the latter does not
 * wait: see ports_quiesce). */
void ports_local_attached(uint16_t port);
/* Something of this process's use changed (its withdrawn leases): the
 * readers re-read. */
void ports_local_changed(void);

/* Readers: up to n polling threads, ids 0..n-1. */
int ports_readers_init(unsigned n);
void ports_readers_fini(void);
unsigned ports_readers(void);
void ports_reader_online(unsigned id);
void ports_reader_offline(unsigned id);
void ports_reader_quiescent(unsigned id);

/* Changes whenever the usable set, or this process's leases, may have
 * changed. */
uint64_t ports_usable_gen(void);
/* Ports usable now, in port order: attached here, wanted, ready, queues
 * here. Returns how many (at most max). */
unsigned ports_usable(uint16_t *list, unsigned max);

/*
 * Wait up to timeout_ms until no reader is inside a burst on port: after
 * the primary cleared its ready flag (a stop), or, with leaving, after this
 * process withdrew it (a local detach). 0 or -ETIMEDOUT.
 */
int ports_quiesce(uint16_t port, bool leaving, int timeout_ms);
/* The same wait after any change of what the readers may use (queues
 * withdrawn): 0 or -ETIMEDOUT. */
int ports_wait_readers(int timeout_ms);

#endif
