/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef HPD_LOG_H
#define HPD_LOG_H

#include <syslog.h>

extern int hpd_log_level; /* syslog priority; messages above it are dropped */

/* One line to stderr. Under systemd (JOURNAL_STREAM set) lines carry the
 * "<N>" priority prefix so journald files them at the right level. */
void hpd_log(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int hpd_log_level_parse(const char *s);

#define log_err(...) hpd_log(LOG_ERR, __VA_ARGS__)
#define log_warn(...) hpd_log(LOG_WARNING, __VA_ARGS__)
#define log_notice(...) hpd_log(LOG_NOTICE, __VA_ARGS__)
#define log_info(...) hpd_log(LOG_INFO, __VA_ARGS__)
#define log_debug(...) hpd_log(LOG_DEBUG, __VA_ARGS__)

#endif
