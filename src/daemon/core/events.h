/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The event bus. Lower layers publish what happened (a device attached, a
 * member left); upper layers subscribe: the control socket sends events to
 * its subscribed clients, main.c's status notifier updates systemd's
 * STATUS= line. Publishers never know who listens, so nothing calls up.
 * Loop thread only.
 *
 * Every event gets a sequence number (1, 2, ... for the life of the
 * primary) and the primary's epoch (random, new at each start), and is
 * kept, encoded once, in a history bounded in count and in bytes: a
 * subscriber that was away, or that reads slowly, is served from it
 * instead of holding a copy of its own. A secondary mirrors the primary's
 * stream (the same seq and epoch), so any process can serve the group's
 * events.
 */
#ifndef HPD_EVENTS_H
#define HPD_EVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/* One kept event: its notification line, encoded, '\n' included. */
struct hpd_event {
	uint64_t seq;
	const char *line;
	size_t len;
};

/* params: {"event":name,"seq":n,"epoch":id,"time":...,"publisher":pid,
 * <data>}, borrowed; ev: the same, encoded. */
typedef void (*event_cb_t)(const char *event, json_t *params, const struct hpd_event *ev,
			   void *arg);

/* 0, or -ENOSPC when every subscriber slot is taken. */
int events_subscribe(event_cb_t cb, void *arg);
/* Publish an event to every subscriber. Steals data. */
void events_publish(const char *event, json_t *data);

/* The history's bounds (at start-up; defaults EVENTS_HISTORY_COUNT and
 * EVENTS_HISTORY_BYTES). */
#define EVENTS_HISTORY_COUNT 1024
#define EVENTS_HISTORY_BYTES (1024 * 1024)
void events_history_limits(unsigned count, size_t bytes);
/* The stream's epoch (32 hex digits; "" in a secondary not yet connected
 * to the primary's stream), its last seq (0: none yet) and the first seq
 * still kept (last + 1 when nothing is). */
const char *events_epoch(void);
uint64_t events_last_seq(void);
uint64_t events_oldest_seq(void);
/* The kept event following seq `after` (NULL: none kept; either after is
 * the last, or it is older than the history). */
const struct hpd_event *events_next(uint64_t after);

/* A secondary: the primary's stream is at (epoch, seq) and carries on from
 * there; what was kept of another epoch is dropped. */
void events_adopt(const char *epoch, uint64_t seq);
/* A secondary: one event of the primary's stream, as published there
 * (params with its seq and epoch; borrowed). A seq that does not follow
 * the last one restarts the history there (what came between is lost). */
void events_mirror(json_t *params);
/* Was this event published by this process, not mirrored from the
 * primary's stream? (What a process counts or journals as its own.) */
bool events_own(const json_t *params);

#endif
