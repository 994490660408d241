/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tables of every command, through util-linux's libsmartcols (what lsblk
 * and findmnt use): column widths from the rows themselves, so a long
 * device name widens its column instead of pushing the others out of line.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include <libsmartcols.h>

#include "hpctl.h"

struct ctl_table {
	struct libscols_table *tb;
	struct libscols_line *line;
	size_t ncols, cell;
	int err;
};

struct ctl_table *ctl_table_new(const struct ctl *ctl, const struct ctl_column *cols)
{
	struct ctl_table *t = calloc(1, sizeof(*t));

	if (t == NULL || (t->tb = scols_new_table()) == NULL) {
		free(t);
		return NULL;
	}
	/* the whole content, terminal or pipe: a script and a person see the
	 * same columns, none cut to the terminal's width */
	scols_table_set_termforce(t->tb, SCOLS_TERMFORCE_NEVER);
	scols_table_enable_noheadings(t->tb, ctl->no_legend);
	for (; cols[t->ncols].name; t->ncols++)
		if (scols_table_new_column(t->tb, cols[t->ncols].name, 0,
					   cols[t->ncols].right ? SCOLS_FL_RIGHT : 0) == NULL)
			t->err = -ENOMEM;
	return t;
}

void ctl_table_row(struct ctl_table *t)
{
	if (t == NULL || t->err)
		return;
	t->line = scols_table_new_line(t->tb, NULL);
	t->cell = 0;
	if (t->line == NULL)
		t->err = -ENOMEM;
}

void ctl_table_cell(struct ctl_table *t, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	if (t == NULL || t->err || t->line == NULL || t->cell >= t->ncols)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (scols_line_set_data(t->line, t->cell++, buf) != 0)
		t->err = -ENOMEM;
}

int ctl_table_print(struct ctl_table *t)
{
	int rc;

	if (t == NULL)
		return -ENOMEM;
	rc = t->err ? t->err : scols_print_table(t->tb);
	scols_unref_table(t->tb);
	free(t);
	return rc;
}

int ctl_table_rows(const struct ctl *ctl, const struct ctl_column *cols, json_t *rows)
{
	struct ctl_table *t = ctl_table_new(ctl, cols);
	json_t *row;
	size_t i;

	json_array_foreach(rows, i, row) {
		ctl_table_row(t);
		for (const struct ctl_column *c = cols; c->name; c++) {
			char buf[512];

			ctl_table_cell(t, "%s", c->cell ? c->cell(row, buf, sizeof(buf)) :
				       ctl_value(c->key, json_object_get(row, c->key), buf,
						 sizeof(buf)));
		}
	}
	return ctl_table_print(t);
}
