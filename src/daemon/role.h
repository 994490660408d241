/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What differs between a primary and a secondary, in one table each:
 * main() picks the table once, from the EAL's process type, and runs the
 * same start-up and shutdown order for both.
 */
#ifndef HPD_ROLE_H
#define HPD_ROLE_H

#include <stddef.h>

struct cli_options;
struct event_base;

struct role_ops {
	const char *name; /* "primary", "secondary": default names, logs */
	/* This role's control socket (unless --socket chose one). */
	int (*socket_path)(char *buf, size_t len);
	/* Before the loop exists: the role's files and option checks
	 * (optional). */
	int (*configure)(const struct cli_options *cli);
	/* The group side, once the loop, the mp channel and the devices are up. */
	int (*start)(struct event_base *base);
	/* Answering now: the primary brings its devices back, then calls
	 * serving(), which says the process is ready (optional: without it
	 * serving() is called at once). */
	void (*ready)(void (*serving)(void));
	/* systemd STATUS= line: what the process is doing now. */
	void (*status)(void);
	void (*stop)(void);
};

extern const struct role_ops role_primary, role_secondary;

#endif
