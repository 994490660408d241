/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Structured logs: under systemd (stderr is the journal's stream) audit
 * lines and events go to the journal with fields (sd_journal_send) and a
 * MESSAGE_ID per kind, listed in docs/operations.md and in the catalog
 * docs/hotplugd.catalog; on a terminal, the text lines as before.
 */
#ifndef HPD_JOURNAL_H
#define HPD_JOURNAL_H

#include <stdbool.h>

#define JOURNAL_ID_AUDIT "2e968c59cd6a4232891ddc5baf1baf7a"

/* Decides where logs go and, for the journal, subscribes to the event
 * bus: 0 or a negative errno. */
int journal_init(void);
/* True when records go to the journal (journal_init() decided so). */
bool journal_on(void);

/* One record of up to JOURNAL_FIELDS_MAX fields "NAME=value". */
#define JOURNAL_FIELDS_MAX 24
#define JOURNAL_FIELD_LEN 1024
struct journal_rec {
	char field[JOURNAL_FIELDS_MAX][JOURNAL_FIELD_LEN];
	unsigned n;
};
/* Add a field (printf-style); past the maximum, dropped. */
void journal_add(struct journal_rec *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Send with PRIORITY, MESSAGE_ID and SYSLOG_IDENTIFIER added. */
void journal_send(struct journal_rec *r, int prio, const char *message_id);

#endif
