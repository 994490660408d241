/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A secondary hands requests that change the group (and group-wide reads
 * such as ps) to the primary, over the primary's control socket, naming the
 * original client in "origin". The answer relayed back is the primary's
 * final outcome, never a timeout while the work goes on.
 */
#ifndef HPD_RELAY_H
#define HPD_RELAY_H

struct event_base;

/* Installs the API's forwarder: from now on API_PRIMARY methods go to the
 * primary. */
void relay_init(struct event_base *base);
void relay_fini(void);

#endif
