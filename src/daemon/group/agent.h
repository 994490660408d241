/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A secondary's side of the group protocol: join the primary, bring the
 * local device table in line with the primary's, carry out the primary's
 * attach/detach messages, and exit when the primary dies.
 */
#ifndef HPD_AGENT_H
#define HPD_AGENT_H

#include "wire.h"

struct event_base;

/* Registers for the primary's mp messages, joins, catches up. */
int agent_start(struct event_base *base);
void agent_stop(void);

#endif
