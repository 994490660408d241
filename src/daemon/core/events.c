/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <time.h>

#include "events.h"
#include "hotplugd.h"

/* The control socket, the status notifier, metrics, the journal: a fixed
 * table is enough. */
#define EVENT_SUBSCRIBERS_MAX 8

static struct {
	event_cb_t cb;
	void *arg;
} subs[EVENT_SUBSCRIBERS_MAX];
static unsigned nsubs;

int events_subscribe(event_cb_t cb, void *arg)
{
	if (nsubs == EVENT_SUBSCRIBERS_MAX)
		return -ENOSPC;
	subs[nsubs].cb = cb;
	subs[nsubs].arg = arg;
	nsubs++;
	return 0;
}

void events_publish(const char *event, json_t *data)
{
	struct timespec ts;
	json_t *p = data ? data : json_object();

	clock_gettime(CLOCK_REALTIME, &ts);
	json_object_set_new(p, "event", json_string(event));
	json_object_set_new(p, "time", json_real(ts.tv_sec + ts.tv_nsec / 1e9));
	json_object_set_new(p, "publisher", json_integer(hpd.pid));
	for (unsigned i = 0; i < nsubs; i++)
		subs[i].cb(event, p, subs[i].arg);
	json_decref(p);
}
