/* SPDX-License-Identifier: BSD-3-Clause */
/* A new port configured before the members probe it (preconf.c). */
#ifndef HPD_PRECONF_H
#define HPD_PRECONF_H

#include <stdbool.h>

/* One queue each way, the default configuration (the primary, after its
 * own probe of a vdev: the members attach it next). */
void preconf_port(const char *name);
/* A PCI device being probed while the members hold: configure its port as
 * soon as it exists, then let the members go. disarm, once rte_dev_probe()
 * has returned, lets them go anyway; true if the port was configured. */
void preconf_early_arm(const char *name);
bool preconf_early_disarm(void);

#endif
