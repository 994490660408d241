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

int dev_init(void);
int dev_attach(const char *devargs, char *reason, size_t rlen);
/* True when the EAL itself carries this device to the secondaries (every
 * bus but vdev in DPDK 22.11); members then only confirm. */
bool dev_eal_fanout(const char *devargs);
int dev_detach(const char *name, char *reason, size_t rlen);
bool dev_exists(const char *name);
/* Resolve a user's reference to a device name and its first port. */
int dev_resolve(const struct hpd_devref *ref, char *name, size_t len, uint16_t *port);
int dev_port_by_name(const char *name, uint16_t *port);
/* The devargs a device was attached with (name plus arguments). */
int dev_devargs(const char *name, char *out, size_t len);
int dev_start(uint16_t port, char *reason, size_t rlen);
int dev_stop(uint16_t port, char *reason, size_t rlen);
bool dev_started(uint16_t port);
uint64_t dev_list_gen(void);
/* This process's ports; while a device job runs on the worker, the
 * snapshot taken before it (see worker.h). */
json_t *dev_list_json(void);
void dev_snapshot_take(void);
void dev_snapshot_drop(void);
unsigned dev_count(void);
json_t *dev_port_json(uint16_t port);

#endif
