/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What one local user may take of the control socket. Without limits a
 * reader could hold every connection (--max-clients) with subscriptions
 * and lock root, the admins and the members out. So: a member's relay
 * connection is never counted (it carries its own clients' requests); the
 * last quarter of --max-clients is kept for admins; and each user without
 * the admin right has at most an eighth of it in connections and in
 * subscriptions.
 */
#ifndef HPD_CLIMITS_H
#define HPD_CLIMITS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* 0, or -EMFILE with the limit that refused in reason. Counted until
 * climit_release (only when admitted). */
int climit_admit(uid_t uid, bool admin, char *reason, size_t len);
void climit_release(uid_t uid, bool admin);
/* 0, or -EMFILE: this user's subscriptions are at their limit. */
int climit_subscribe(uid_t uid, bool admin, char *reason, size_t len);
void climit_unsubscribe(uid_t uid, bool admin);
/* The limits for a --max-clients value (for messages and docs). */
unsigned climit_reserved(int max_clients);
unsigned climit_per_user(int max_clients);

#endif
