/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The device-job thread: one thread for the slow, blocking device calls
 * (probe, remove, start, stop) and the state file's fsync. A driver may
 * take a second (virtio-user negotiating with its vhost-user peer) and the
 * event loop must keep answering meanwhile. Jobs run one at a time, in
 * submission order; their completion runs on the loop. Not to be confused
 * with the data path's worker lcores (datapath.h).
 */
#ifndef HPD_DEVJOB_H
#define HPD_DEVJOB_H

#include <stdbool.h>
#include <stddef.h>

#include "wire.h"

struct event_base;

typedef int (*devjob_fn)(void *arg, char *reason, size_t len);
/* rc and reason are the job's; called on the loop thread. */
typedef void (*devjob_done_t)(void *arg, int rc, const char *reason);

int devjob_init(struct event_base *base);
/* -EBUSY: a job is still running (a stuck driver call); not waited for */
int devjob_fini(void);
/* Queue fn(arg) on the thread; done(arg, rc, reason) follows on the loop. */
void devjob_submit(devjob_fn fn, devjob_done_t done, void *arg);
bool devjob_busy(void);
/* begin() runs on the loop before the first of a run of jobs, end() once
 * the last has completed: the device layer takes a snapshot of the port
 * table there, so that reads meanwhile do not touch ethdev structures a
 * job may be changing. */
void devjob_on_busy(void (*begin)(void), void (*end)(void));

#endif
