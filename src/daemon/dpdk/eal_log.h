/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DPDK's log goes through us so that an operation's error can carry the
 * driver's own words: capture is per thread (the device-job thread's
 * probe does not mix with the loop's).
 */
#ifndef HPD_EAL_LOG_H
#define HPD_EAL_LOG_H

#include <stdbool.h>
#include <stddef.h>

int eal_log_init(void);
void eal_log_capture_begin(void);
/* Most relevant error line logged since begin(), or "" */
const char *eal_log_capture_end(void);
/* Drop what DPDK logs from this thread meanwhile: for calls that are
 * expected to fail and say so (probing which prefix DPDK accepts). */
void eal_log_quiet(bool on);
/* End the capture after a failed call: reason is "what: <the driver's own
 * words>" (the errno text when it said nothing); returns rc as a negative
 * errno, never 0. */
int eal_log_failed(int rc, const char *what, char *reason, size_t rlen);

#endif
