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
/* Mirror the primary's event stream into this process's (events.h), so
 * that a client subscribed here gets the group's events, with the
 * primary's seq and epoch. After the join: the primary then counts this
 * connection as a member's. A lost connection is retried every second,
 * resuming from the last event mirrored. */
int relay_follow_events(void);

#endif
