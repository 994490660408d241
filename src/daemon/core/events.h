/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef HPD_EVENTS_H
#define HPD_EVENTS_H

#include <jansson.h>

/* Publish an event to every subscriber as a JSON-RPC notification
 * {"method":"event","params":{"event":name,"time":...,"pid":...,<data>}}.
 * Steals data. */
void events_publish(const char *event, json_t *data);

#endif
