/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Hand-over from DPDK's threads (mp handler, alarm callbacks) to the event
 * loop: a mutex-protected FIFO and an eventfd that wakes the loop.
 */
#ifndef HPD_INBOX_H
#define HPD_INBOX_H

#include <stdbool.h>
#include <stddef.h>

#include "paths.h"
#include "wire.h"

struct inbox_item {
	struct inbox_item *next;
	struct hpd_mp_msg msg;
	char peer[HPD_SUN_MAX]; /* sender's mp socket, for rte_mp_reply */
	bool is_request;        /* a sync request awaiting rte_mp_reply */
};

struct event_base;
typedef void (*inbox_handler_t)(struct inbox_item *it);

int inbox_init(struct event_base *base, inbox_handler_t handler);
/* Thread-safe. */
void inbox_post(const struct hpd_mp_msg *msg, const char *peer, bool is_request);

#endif
