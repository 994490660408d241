/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hpctl: one file per command (cmd-*.c), each a struct cmd_entry listed in
 * cmd_table (hpctl.c), like tmux's commands.
 */
#ifndef HPCTL_H
#define HPCTL_H

#include <getopt.h>
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
	bool json, json_pretty; /* --json[=pretty] */
	bool no_legend;
	int timeout_ms;
	json_t *config; /* start/configure: the port configuration options */
};

/* Command option ids (getopt's val), one block per command file: the parser merges every
 * command's options into one getopt table by name, so two names may not
 * share an id (the merge refuses it: see all_options in hpctl.c). */
#define CTL_CMD_OPT 1000                  /* start, configure (portopts.c) */
#define CTL_WATCH_OPT (CTL_CMD_OPT + 100) /* watch */

struct cmd_entry {
	const char *name;
	const char *usage; /* arguments */
	int min_args, max_args;
	const char *help;
	int (*exec)(struct ctl *ctl, int argc, char **argv);
	/* options of this command only (NULL-name-terminated; ids from
	 * CTL_CMD_OPT), anywhere on the line like the global ones */
	const struct option *options;
	int (*option)(struct ctl *ctl, int id, const char *arg);
};

/* Call method, print the error (reason included) on failure. Returns an
 * exit status; on EXIT_OK *result holds a reference the caller drops. */
int ctl_call(struct ctl *ctl, const char *method, json_t *params, json_t **result);
/* Connect to another socket of the group (check, --pid). */
int ctl_connect(struct ctl *ctl, const char *path);
/* format.c: JSON as --json or --json=pretty asked */
void ctl_print_json(const struct ctl *ctl, const json_t *v);
/* Seconds for a reader: 850ms, 12.1s, 3min 12s, 2h 5min, 1d 3h. */
const char *ctl_duration(double seconds, char *buf, size_t len);
/* Every field of an object as (key, word): nested objects flattened to
 * dotted keys, durations rounded by the unit of their key (uptime, *_s,
 * *_ms), booleans yes/no, arrays comma-separated. */
/* One field's word, as ctl_fields() gives it ("-" when absent). */
const char *ctl_value(const char *key, json_t *v, char *buf, size_t len);
typedef void (*ctl_field_cb)(const char *key, const char *value, void *arg);
void ctl_fields(json_t *obj, ctl_field_cb cb, void *arg);

/* table.c: a table whose columns are as wide as their widest cell; no
 * headings with --no-legend. NULL-name-terminated columns. A failed
 * allocation anywhere makes ctl_table_print() return -ENOMEM. */
struct ctl_column {
	const char *name;
	bool right; /* numbers */
	const char *key; /* ctl_table_rows(): the row's field, as ctl_value() words it */
	/* or a cell of the command's own making */
	const char *(*cell)(json_t *row, char *buf, size_t len);
};
/* A table of one row per object of rows; 0 or -errno. */
int ctl_table_rows(const struct ctl *ctl, const struct ctl_column *cols, json_t *rows);
struct ctl_table;
struct ctl_table *ctl_table_new(const struct ctl *ctl, const struct ctl_column *cols);
void ctl_table_row(struct ctl_table *t);
/* the next cell of the current row */
void ctl_table_cell(struct ctl_table *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int ctl_table_print(struct ctl_table *t);

/* suggest.c: the one name near a mistyped word, or NULL. */
const char *ctl_suggest(const char *word, const char *const *names);
/* Strict decimal in [min, max] (no trailing junk); EXIT_USAGE with a
 * message naming what otherwise. */
int ctl_number(const char *s, long min, long max, const char *what, long *out);
/* Call a method without params; print the result as JSON (--json) or
 * with the command's own printer (0 or -errno). */
int ctl_show(struct ctl *ctl, const char *method,
	     int (*table)(const struct ctl *ctl, json_t *result));
/* Shared by commands that take one device/devargs argument and print
 * what the daemon answered. */
int ctl_simple_op(struct ctl *ctl, const char *method, const char *key,
		  const char *value, const char *verb);
/* The same with params of the caller's making (taken). */
int ctl_op(struct ctl *ctl, const char *method, json_t *params, const char *verb);

/* portopts.c: --rxq N ... of start and configure, into ctl->config */
extern const struct option ctl_port_options[];
int ctl_port_option(struct ctl *ctl, int id, const char *arg);
int ctl_port_op(struct ctl *ctl, const char *method, const char *device, const char *verb);

extern const struct cmd_entry cmd_list_entry, cmd_attach_entry, cmd_detach_entry,
	cmd_start_entry, cmd_stop_entry, cmd_ps_entry, cmd_status_entry,
	cmd_check_entry, cmd_watch_entry, cmd_stats_entry, cmd_configure_entry,
	cmd_queues_entry, cmd_metrics_entry;

#endif
