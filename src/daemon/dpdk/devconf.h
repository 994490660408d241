/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A port's configuration (common/portconf.h) against its device, in the
 * primary, on the device-job thread: the check against rte_eth_dev_info
 * (each refusal names the limit), applying it (configure, queue setup,
 * promiscuous mode) and the mbuf pools.
 *
 * Pools: one per distinct (size, cache, socket), named for them
 * ("hpd_mbufs" for the default one, as before), shared by the ports whose
 * queues were set up with it. A pool no port uses is freed only once every
 * mbuf is back in it: a secondary's worker may still hold some (in a burst,
 * or queued on another port's tx ring), and freeing the pool under them
 * would be a use after free in that process. Until then it stays, and a
 * port asking for the same pool gets it back.
 */
#ifndef HPD_DEVCONF_H
#define HPD_DEVCONF_H

#include <stddef.h>
#include <stdint.h>

#include "portconf.h"

/* 0, or -EINVAL (-ENOMEM for a pool the hugepages cannot hold) with the
 * limit in reason ("net_null0 supports at most 1024 rx queues, asked 2000"). */
int devconf_check(uint16_t port, const struct hpd_port_conf *c, char *reason, size_t rlen);
/* Take a reference on the pool c needs, creating it: -ENOMEM naming the pool. */
int devconf_pool_get(const struct hpd_port_conf *c, int *pool, char *reason, size_t rlen);
void devconf_pool_put(int pool);
/*
 * Configure a stopped port with c: rte_eth_dev_configure, every queue,
 * promiscuous mode. On success the port holds c's pool (taken here) and
 * lets go of its previous one. On failure the port may be half-configured:
 * the caller applies the previous configuration again (devconf_restore).
 */
int devconf_apply(uint16_t port, const struct hpd_port_conf *c, char *reason, size_t rlen);
/* Back to what the last successful devconf_apply set up (or, never
 * applied, the bare 1+1 queue configuration members attached with). */
int devconf_restore(uint16_t port, char *reason, size_t rlen);
/* The port is gone: its pool reference with it. */
void devconf_forget(uint16_t port);

#endif
