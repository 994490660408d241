/* SPDX-License-Identifier: BSD-3-Clause */
/* A new port configured before the members probe it (preconf.c). */
#ifndef HPD_PRECONF_H
#define HPD_PRECONF_H

/* One queue each way, the default configuration (the primary, after its
 * own probe of a vdev: the members attach it next). */
void preconf_port(const char *name);

#endif
