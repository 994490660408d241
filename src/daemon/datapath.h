/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The data-path worker of a secondary: on its worker lcores it forwards
 * (io: port pairs, like testpmd's io mode) or counts (rxonly) packets of
 * the ports it is configured to use, as they come and go.
 *
 * Safety against hotplug: a worker uses a port only while (1) this process
 * has it attached (local flag, set by the agent after its attach and
 * cleared before its detach) and (2) the primary has marked it ready
 * (shared flag, set once the port is attached everywhere and started,
 * cleared before a stop or detach). Workers report a quiescent state
 * (rte_rcu_qsbr) between bursts; datapath_quiesce() clears the local flag
 * and waits until every worker has passed one, so none is inside a burst
 * on that port when the primary stops or removes it.
 */
#ifndef HPD_DATAPATH_H
#define HPD_DATAPATH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

enum datapath_mode { DP_NONE, DP_IO, DP_RXONLY };

int datapath_init(enum datapath_mode mode, const char *patterns);
void datapath_fini(void);
bool datapath_enabled(void);
/* The agent: a port became usable locally / is about to go. */
void datapath_port_attached(uint16_t port);
/* Wait (up to timeout_ms) until no worker is inside a burst on port: after
 * the primary cleared its ready flag (a stop), or, with leaving, after this
 * process stopped using it (a local detach). 0 or -ETIMEDOUT. */
int datapath_quiesce(uint16_t port, bool leaving, int timeout_ms);
/* Drivers without a data path in a secondary in DPDK 22.11. */
bool datapath_capable(const char *driver);
json_t *datapath_port_json(uint16_t port); /* counters and use, or NULL */
json_t *datapath_json(void);

#endif
