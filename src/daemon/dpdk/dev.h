/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DPDK ethdev glue: local (this process only) attach and detach, lookup,
 * port start/stop and the JSON view of ports. Nothing here talks to other
 * processes; carrying an operation to the group is engine.c's job.
 * Functions returning int give 0 or a negative errno, and write the EAL's or
 * driver's own words into reason.
 */
#ifndef HPD_DEV_H
#define HPD_DEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "devargs.h"
#include "local.h"
#include "portconf.h"

int dev_init(void);
/* devargs as DPDK's bus parser sees them: the device name ("net_null0",
 * "0000:00:04.0") and its bus. Parsed once per operation and handed on. */
int dev_parse(const char *devargs, struct local_devargs *out, char *reason, size_t rlen);
/* True when the EAL itself carries this device to the secondaries (every
 * bus but vdev in DPDK 22.11); members then only confirm. */
static inline bool dev_eal_fanout(const struct local_devargs *d)
{
	return !d->vdev;
}
/* Attach devargs, already parsed into d. */
int dev_attach(const char *devargs, const struct local_devargs *d, char *reason, size_t rlen);
int dev_detach(const char *name, char *reason, size_t rlen);
bool dev_exists(const char *name);
/* Resolve a user's reference to a device name and its first port. */
int dev_resolve(const struct hpd_devref *ref, char *name, size_t len, uint16_t *port);
int dev_port_by_name(const char *name, uint16_t *port);
/* The devargs a device was attached with (name plus arguments). */
int dev_devargs(const char *name, char *out, size_t len);
/* The configuration a port starts with (the default until it is given one). */
void dev_conf(uint16_t port, struct hpd_port_conf *c);
/* c against what the device can do: 0, or -EINVAL/-ENOMEM naming the limit. */
int dev_check_conf(uint16_t port, const struct hpd_port_conf *c, char *reason, size_t rlen);
/* A stopped port: checked, and recorded for its next start. */
int dev_configure(uint16_t port, const struct hpd_port_conf *c, char *reason, size_t rlen);
/* Configure with c and start; -EALREADY if started. A failure leaves the
 * port stopped and configured as before. */
int dev_start(uint16_t port, const struct hpd_port_conf *c, char *reason, size_t rlen);
/* A started port, its workers quiesced: stop, configure with c, start. A
 * failure puts the previous configuration back, started (reason says so). */
/* After a reconfiguration the members must probe this port again to
 * follow it (memif's rings are mapped once in a secondary). */
bool dev_members_reprobe(uint16_t port);
int dev_reconfigure(uint16_t port, const struct hpd_port_conf *c, char *reason, size_t rlen);
int dev_stop(uint16_t port, char *reason, size_t rlen);
bool dev_started(uint16_t port);
uint64_t dev_list_gen(void);
/* This process's ports; while a device job runs, the snapshot taken
 * before it (see devjob.h). */
json_t *dev_list_json(void);
unsigned dev_count(void);
json_t *dev_port_json(uint16_t port);

#endif
