/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "events.h"
#include "hotplugd.h"
#include "jsonrpc.h"
#include "log.h"

/* The control socket, the status notifier, metrics, the journal: a fixed
 * table is enough. */
#define EVENT_SUBSCRIBERS_MAX 8

static struct {
	event_cb_t cb;
	void *arg;
} subs[EVENT_SUBSCRIBERS_MAX];
static unsigned nsubs;

/* The history: a ring of encoded events, oldest at head. */
static struct hpd_event *ring;
static unsigned ring_cap = EVENTS_HISTORY_COUNT, head, kept;
static size_t bytes, bytes_max = EVENTS_HISTORY_BYTES;
static uint64_t last_seq;
static char epoch[33];

int events_subscribe(event_cb_t cb, void *arg)
{
	if (nsubs == EVENT_SUBSCRIBERS_MAX)
		return -ENOSPC;
	subs[nsubs].cb = cb;
	subs[nsubs].arg = arg;
	nsubs++;
	return 0;
}

void events_history_limits(unsigned count, size_t max_bytes)
{
	ring_cap = count ? count : 1;
	bytes_max = max_bytes;
}

/* A new epoch per primary start: a client that sees another one knows
 * the seq it holds means nothing here (the primary restarted). */
static void make_epoch(void)
{
	unsigned char r[16];

	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r)) {
		struct timespec ts;

		/* no entropy yet (early boot): the time and pid are unique enough */
		clock_gettime(CLOCK_REALTIME, &ts);
		snprintf(epoch, sizeof(epoch), "%016llx%08x%08x", (unsigned long long)ts.tv_sec,
			 (unsigned)ts.tv_nsec, (unsigned)hpd.pid);
		return;
	}
	for (unsigned i = 0; i < sizeof(r); i++)
		sprintf(epoch + 2 * i, "%02x", r[i]);
}

const char *events_epoch(void)
{
	if (!*epoch && hpd_is_primary())
		make_epoch();
	return epoch;
}

uint64_t events_last_seq(void)
{
	return last_seq;
}

uint64_t events_oldest_seq(void)
{
	return kept ? ring[head].seq : last_seq + 1;
}

static void drop_oldest(void)
{
	free((char *)ring[head].line);
	bytes -= ring[head].len;
	head = (head + 1) % ring_cap;
	kept--;
}

static void forget_all(void)
{
	while (kept)
		drop_oldest();
	head = 0;
}

/* Keep line (taken) as event seq, dropping the oldest past either bound. */
static const struct hpd_event *keep(uint64_t seq, char *line, size_t len)
{
	struct hpd_event *e;

	if (ring == NULL && (ring = calloc(ring_cap, sizeof(*ring))) == NULL) {
		free(line);
		return NULL;
	}
	while (kept && (kept == ring_cap || bytes + len > bytes_max))
		drop_oldest();
	e = &ring[(head + kept) % ring_cap];
	e->seq = seq;
	e->line = line;
	e->len = len;
	bytes += len;
	kept++;
	return e;
}

const struct hpd_event *events_next(uint64_t after)
{
	uint64_t oldest = events_oldest_seq();

	if (after >= last_seq || after + 1 < oldest)
		return NULL;
	return &ring[(head + (after + 1 - oldest)) % ring_cap];
}

static void deliver(const char *event, json_t *p, uint64_t seq)
{
	json_t *n = rpc_notification("event", json_incref(p));
	const struct hpd_event *e = NULL;
	struct hpd_event unkept;
	size_t len;
	char *line = rpc_encode(n, &len);

	json_decref(n);
	last_seq = seq;
	if (line)
		e = keep(seq, line, len);
	if (e == NULL) {
		/* out of memory: the history restarts after it, so that a
		 * subscriber behind is told it lost events, never skips one
		 * unaware; the status notifier still hears of it */
		log_err("event %s (seq %llu) could not be kept: out of memory", event,
			(unsigned long long)seq);
		forget_all();
		unkept = (struct hpd_event){.seq = seq, .line = "", .len = 0};
		e = &unkept;
	}
	for (unsigned i = 0; i < nsubs; i++)
		subs[i].cb(event, p, e, subs[i].arg);
}

void events_publish(const char *event, json_t *data)
{
	struct timespec ts;
	json_t *p = data ? data : json_object();

	clock_gettime(CLOCK_REALTIME, &ts);
	json_object_set_new(p, "event", json_string(event));
	json_object_set_new(p, "seq", json_integer((json_int_t)(last_seq + 1)));
	json_object_set_new(p, "epoch", json_string(events_epoch()));
	json_object_set_new(p, "time", json_real(ts.tv_sec + ts.tv_nsec / 1e9));
	json_object_set_new(p, "publisher", json_integer(hpd.pid));
	deliver(event, p, last_seq + 1);
	json_decref(p);
}

void events_adopt(const char *ep, uint64_t seq)
{
	/* another primary, or a gap: nothing kept runs up to seq */
	if (strcmp(ep, epoch) != 0 || seq != last_seq)
		forget_all();
	snprintf(epoch, sizeof(epoch), "%s", ep);
	last_seq = seq;
}

void events_mirror(json_t *params)
{
	json_t *s = json_object_get(params, "seq");
	const char *ep = json_string_value(json_object_get(params, "epoch"));
	const char *event = json_string_value(json_object_get(params, "event"));

	if (!json_is_integer(s) || json_integer_value(s) < 1 || ep == NULL || event == NULL)
		return;
	if (strcmp(ep, epoch) != 0 || (uint64_t)json_integer_value(s) != last_seq + 1)
		events_adopt(ep, (uint64_t)json_integer_value(s) - 1);
	deliver(event, params, (uint64_t)json_integer_value(s));
}

bool events_own(const json_t *params)
{
	return json_integer_value(json_object_get(params, "publisher")) == hpd.pid;
}
