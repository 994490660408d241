/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Hand-over from DPDK's mp thread (mp.c's action handlers) to the event
 * loop: a mutex-protected FIFO and an eventfd that wakes the loop, where
 * mp_dispatch() routes each message to its type's handler.
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
	void (*call)(void *arg); /* inbox_call(): run this instead of dispatching */
	void *call_arg;
};

struct event_base;
typedef void (*inbox_handler_t)(struct inbox_item *it);

int inbox_init(struct event_base *base, inbox_handler_t handler);
/* Thread-safe. */
void inbox_post(const struct hpd_mp_msg *msg, const char *peer, bool is_request);
/* Thread-safe: run fn(arg) on the loop, in order with the messages. For
 * DPDK's own callbacks (its interrupt thread), which must not act there. */
void inbox_call(void (*fn)(void *arg), void *arg);

#endif
