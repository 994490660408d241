/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control socket: UNIX stream, newline-delimited JSON-RPC 2.0. One
 * struct conn per client in a list; every line goes to api.c; events go to
 * the connections that subscribed (relayd's control.c is the model).
 */
#ifndef HPD_CONTROL_H
#define HPD_CONTROL_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

struct api_req;
struct event_base;

/* Listen on path, or take the socket systemd passed (sd_listen_fds). */
int control_init(struct event_base *base, const char *path);
void control_fini(void);
/* Send a notification to every subscriber (stolen). */
void control_publish(json_t *notification);
/* Make the request's connection a subscriber: 0, -ENOTSUP (it has none)
 * or -EMFILE (its user's subscriptions are at their limit), with reason. */
int control_subscribe(struct api_req *req, char *reason, size_t len);
unsigned control_clients(void);
unsigned control_subscribers(void);

#endif
