/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "climits.h"
#include "hotplugd.h"

struct uid_use {
	uid_t uid;
	unsigned conns, subs;
	struct uid_use *next;
};

static struct uid_use *uses;
static unsigned total, readers;

unsigned climit_reserved(int max)
{
	return max >= 4 ? (unsigned)max / 4 : 1;
}

unsigned climit_per_user(int max)
{
	return max >= 8 ? (unsigned)max / 8 : 1;
}

static struct uid_use *use_of(uid_t uid, bool create)
{
	struct uid_use *u;

	for (u = uses; u; u = u->next)
		if (u->uid == uid)
			return u;
	if (!create || (u = calloc(1, sizeof(*u))) == NULL)
		return NULL;
	u->uid = uid;
	u->next = uses;
	uses = u;
	return u;
}

static void drop_if_unused(struct uid_use *gone)
{
	struct uid_use **p;

	if (gone->conns || gone->subs)
		return;
	for (p = &uses; *p && *p != gone; p = &(*p)->next)
		;
	if (*p) {
		*p = gone->next;
		free(gone);
	}
}

int climit_admit(uid_t uid, bool admin, char *reason, size_t len)
{
	int max = hpd.opt.max_clients;
	struct uid_use *u;

	if (total >= (unsigned)max) {
		snprintf(reason, len, "EMFILE: too many clients (limit %d)", max);
		return -EMFILE;
	}
	if (!admin) {
		if (readers >= (unsigned)max - climit_reserved(max)) {
			snprintf(reason, len, "EMFILE: too many clients; the last %u of %d "
				 "connections are kept for admins", climit_reserved(max), max);
			return -EMFILE;
		}
		u = use_of(uid, false);
		if (u && u->conns >= climit_per_user(max)) {
			snprintf(reason, len, "EMFILE: uid %d has %u connections (limit per user %u)",
				 (int)uid, u->conns, climit_per_user(max));
			return -EMFILE;
		}
	}
	if ((u = use_of(uid, true)) == NULL) {
		snprintf(reason, len, "ENOMEM: out of memory");
		return -ENOMEM;
	}
	u->conns++;
	total++;
	readers += !admin;
	return 0;
}

void climit_release(uid_t uid, bool admin)
{
	struct uid_use *u = use_of(uid, false);

	if (u == NULL)
		return;
	u->conns--;
	total--;
	readers -= !admin;
	drop_if_unused(u);
}

int climit_subscribe(uid_t uid, bool admin, char *reason, size_t len)
{
	struct uid_use *u = use_of(uid, true);

	if (u == NULL) {
		snprintf(reason, len, "out of memory");
		return -ENOMEM;
	}
	if (!admin && u->subs >= climit_per_user(hpd.opt.max_clients)) {
		snprintf(reason, len, "uid %d has %u subscriptions (limit per user %u)", (int)uid,
			 u->subs, climit_per_user(hpd.opt.max_clients));
		return -EMFILE;
	}
	u->subs++;
	return 0;
}

void climit_unsubscribe(uid_t uid, bool admin)
{
	struct uid_use *u = use_of(uid, false);

	(void)admin;
	if (u) {
		u->subs--;
		drop_if_unused(u);
	}
}
