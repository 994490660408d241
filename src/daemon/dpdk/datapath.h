/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The data-path worker of a secondary: on its worker lcores it forwards
 * (io: port pairs, like testpmd's io mode) or counts (rxonly) packets of
 * the ports it is configured to use, as they come and go.
 *
 * Safety against hotplug is ports.c's (src/member, shared with
 * libhotplugd-member): the workers are its RCU readers, poll only the
 * ports it calls usable, and report a quiescent state between bursts.
 * Of those ports they poll only the queues leased to this process
 * (queues.c), dealt out to the lcores by queue number.
 */
#ifndef HPD_DATAPATH_H
#define HPD_DATAPATH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

enum datapath_mode { DP_NONE, DP_IO, DP_RXONLY };

/* rule: the queues to claim (--worker-queues, NULL: all); the worker
 * polls exactly the leases the claim gets it, now and later. */
int datapath_init(enum datapath_mode mode, const char *patterns, const char *rule);
void datapath_fini(void);
bool datapath_enabled(void);
/* A new device took this port id here: fresh counters. */
void datapath_port_new(uint16_t port);
json_t *datapath_port_json(uint16_t port); /* counters and use, or NULL */
json_t *datapath_json(void);

#endif
