/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One thread for the slow, blocking device calls (probe, remove, start,
 * stop): a driver may take a second (virtio-user negotiating with its
 * vhost-user peer) and the event loop must keep answering meanwhile. Jobs
 * run one at a time; their completion runs on the loop. While a job runs,
 * reads use dev_snapshot() instead of touching ethdev structures the job
 * may be changing.
 */
#ifndef HPD_WORKER_H
#define HPD_WORKER_H

#include <stdbool.h>
#include <stddef.h>

#include "wire.h"

struct event_base;
struct worker_job;

typedef int (*worker_fn)(void *arg, char *reason, size_t len);
/* rc and reason are the job's; called on the loop thread. */
typedef void (*worker_done)(void *arg, int rc, const char *reason);

int worker_init(struct event_base *base);
/* -EBUSY: a job is still running (a stuck driver call); not waited for */
int worker_fini(void);
/* Queue fn(arg) on the worker; done(arg, rc, reason) follows on the loop. */
void worker_submit(worker_fn fn, worker_done done, void *arg);
bool worker_busy(void);

#endif
