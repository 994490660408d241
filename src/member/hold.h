/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A member holds the EAL's hotplug requests while the primary sets up a
 * PCI port it is probing (HPD_MP_HOLD .. HPD_MP_UNHOLD), so that the
 * member probes the port with its queue arrays there. See hold.c.
 */
#ifndef HPD_HOLD_H
#define HPD_HOLD_H

#include "wire.h"

/* How long a member holds at most, whatever the primary does: under the
 * EAL's own 5 s for a secondary's answer to a hotplug request. */
#define HPD_HOLD_MAX_MS 3000

/* On the mp thread: HOLD (acknowledged once the hold is in place) and
 * UNHOLD. */
void hold_begin(const struct hpd_mp_msg *m);
void hold_end(void);

#endif
