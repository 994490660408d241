/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Ports other ports are built on. A bond drives its slaves itself: one
 * detached or stopped under it leaves the bond using a port that is gone
 * (the bonding PMD then faults in the primary). Such a port is busy until
 * its dependant lets it go.
 */
#ifndef HPD_DEPEND_H
#define HPD_DEPEND_H

#include <stddef.h>
#include <stdint.h>

/* 0, or -EBUSY with the dependant named in reason ("net_null1 (port 1) is
 * a slave of bond net_bonding0 (port 2): detach the bond first"). */
int dev_dependants(uint16_t port, const char *verb, char *reason, size_t len);

/* Before a bond is removed: close its port, which lets its slaves go (the
 * bonding PMD refuses to remove a bond that still has slaves). 1 if it
 * did (the device is then removed by name), 0 if the port is no bond or
 * has none, or a negative errno. */
int dev_release_slaves(uint16_t port);

#endif
