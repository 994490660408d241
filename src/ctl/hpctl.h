/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hpctl: one file per command (cmd-*.c), each a struct cmd_entry listed in
 * cmd_table (hpctl.c), like tmux's commands.
 */
#ifndef HPCTL_H
#define HPCTL_H

#include <stdbool.h>

#include <jansson.h>

#include "client.h"
#include "paths.h"

/* Exit status, documented in hpctl(8). */
#define EXIT_OK 0
#define EXIT_FAILED 1
#define EXIT_USAGE 2
#define EXIT_UNREACHABLE 3

struct ctl {
	struct hpd_client client;
	struct hpd_paths paths;
	char socket[HPD_SUN_MAX];
	bool json;
	int timeout_ms;
};

struct cmd_entry {
	const char *name;
	const char *usage; /* arguments */
	int min_args, max_args;
	const char *help;
	int (*exec)(struct ctl *ctl, int argc, char **argv);
};

/* Call method, print the error (reason included) on failure. Returns an
 * exit status; on EXIT_OK *result holds a reference the caller drops. */
int ctl_call(struct ctl *ctl, const char *method, json_t *params, json_t **result);
/* Connect to another socket of the group (check, --pid). */
int ctl_connect(struct ctl *ctl, const char *path);
void ctl_print_json(const json_t *v);
/* Strict decimal in [min, max] (no trailing junk); EXIT_USAGE with a
 * message naming what otherwise. */
int ctl_number(const char *s, long min, long max, const char *what, long *out);
/* Call a method without params; print the result as JSON (--json) or
 * with the command's own table printer. */
int ctl_show(struct ctl *ctl, const char *method, void (*table)(json_t *result));
/* Shared by commands that take one device/devargs argument and print
 * what the daemon answered. */
int ctl_simple_op(struct ctl *ctl, const char *method, const char *key,
		  const char *value, const char *verb);

extern const struct cmd_entry cmd_list_entry, cmd_attach_entry, cmd_detach_entry,
	cmd_start_entry, cmd_stop_entry, cmd_ps_entry, cmd_status_entry,
	cmd_check_entry, cmd_watch_entry, cmd_stats_entry;

#endif
