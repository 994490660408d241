/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"

int hpd_log_level = LOG_INFO;

void hpd_log(int prio, const char *fmt, ...)
{
	static int journal = -1;
	char line[1024];
	va_list ap;
	int n = 0;

	if (prio > hpd_log_level)
		return;
	if (journal < 0)
		journal = getenv("JOURNAL_STREAM") != NULL;
	if (journal)
		n = snprintf(line, sizeof(line), "<%d>", prio);
	n += snprintf(line + n, sizeof(line) - n, "hotplugd: ");
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	va_end(ap);
	/* one write per line so concurrent writers do not interleave */
	fprintf(stderr, "%s\n", line);
}

int hpd_log_level_parse(const char *s)
{
	static const char *const names[] = {"emerg", "alert", "crit", "err",
		"warning", "notice", "info", "debug"};
	unsigned i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcasecmp(s, names[i]) == 0)
			return (int)i;
	return -1;
}
