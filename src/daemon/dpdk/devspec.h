/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The one canonical parse of a devargs string: DPDK's own
 * (rte_devargs_parse, rte_kvargs), reduced to the struct hpd_devspec the
 * policy, the duplicate check and the engine work on. Only the plain form
 * "[bus:]name[,key=value...]" is accepted, and only when DPDK reads it
 * back as exactly that: whatever else DPDK's grammar allows (layers
 * "bus=.../class=.../driver=...", a name DPDK reads another way) would make
 * the policy judge one device while DPDK probes another.
 */
#ifndef HPD_DEVSPEC_H
#define HPD_DEVSPEC_H

#include <stddef.h>

#include "devargs.h"

/* 0; -EINVAL (DPDK cannot parse it: unknown driver, bad syntax) or -EPERM
 * (a form the policy cannot fully interpret), with the reason. */
int devspec_parse(const char *devargs, struct hpd_devspec *spec, char *reason, size_t len);

#endif
