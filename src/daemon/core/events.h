/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The event bus. Lower layers publish what happened (a device attached, a
 * member left); upper layers subscribe: the control socket sends events to
 * its subscribed clients, main.c's status notifier updates systemd's
 * STATUS= line. Publishers never know who listens, so nothing calls up.
 * Loop thread only.
 */
#ifndef HPD_EVENTS_H
#define HPD_EVENTS_H

#include <jansson.h>

/* params: {"event":name,"time":...,"publisher":pid,<data>}, borrowed. */
typedef void (*event_cb_t)(const char *event, json_t *params, void *arg);

/* 0, or -ENOSPC when every subscriber slot is taken. */
int events_subscribe(event_cb_t cb, void *arg);
/* Publish an event to every subscriber. Steals data. */
void events_publish(const char *event, json_t *data);

#endif
