/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control socket: UNIX stream, newline-delimited JSON-RPC 2.0. One
 * struct conn per client in a list; every line goes to api.c; events go to
 * the connections that subscribed (relayd's control.c is the model).
 */
#ifndef HPD_CONTROL_H
#define HPD_CONTROL_H

struct event_base;

/* Listen on path, or take the socket systemd passed (sd_listen_fds). */
/* Subscribes to the event bus (events.h) and adds "clients" to status. */
int control_init(struct event_base *base, const char *path);
void control_fini(void);

#endif
