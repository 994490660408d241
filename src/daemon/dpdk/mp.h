/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hotplugd's own actions on DPDK's multi-process channel (rte_mp). We do not
 * use the EAL's hotplug actions: they visit secondaries one at a time with a
 * 5 s timeout each and cannot fence a hung member. Messages are struct
 * hpd_mp_msg (wire.h); received ones are queued to the event loop (inbox).
 */
#ifndef HPD_MP_H
#define HPD_MP_H

#include "wire.h"

struct inbox_item;

/* A received message of one type, on the loop thread. Like the API's
 * method table: the layer that handles a type registers for it (the engine
 * for acks, the group for joins and leaves, the agent in a secondary for
 * the primary's requests); a type nobody registered is dropped. */
typedef void (*mp_handler_t)(const struct inbox_item *it);
void mp_handler(enum hpd_mp_type type, mp_handler_t fn);
/* The inbox's consumer: route one message to its type's handler. */
void mp_dispatch(struct inbox_item *it);

int mp_init(void);
void mp_fini(void);
void mp_msg_init(struct hpd_mp_msg *m, enum hpd_mp_type type, uint64_t seq);
/* primary: to every secondary of the group */
int mp_broadcast(const struct hpd_mp_msg *m);
/* primary: answer a join request received with its peer address */
int mp_join_reply(const struct hpd_mp_msg *m, const char *peer);

#endif
