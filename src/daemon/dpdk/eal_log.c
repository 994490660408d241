/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DPDK reports why a probe failed only in its log ("iface ... not found",
 * "Cannot open ..."), while the API returns a bare -1 or -EINVAL. We install
 * a log stream that forwards everything to stderr and, on the thread that
 * asked for it, remembers the last error-level line so the reason reaches
 * the user instead of "failed".
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rte_log.h>

#include "eal_log.h"
#include "local.h"
#include "wire.h"
#include "log.h"

static __thread bool capturing, quiet;
static __thread char captured[HPD_REASON_MAX + 1];
static __thread int captured_level;

static void remember(const char *buf, size_t size)
{
	int level = rte_log_cur_msg_loglevel();
	size_t n = size;
	const char *p = buf;

	/* Prefer errors over warnings; among equals the first wins: DPDK
	 * logs the cause first, then generic "failed to attach" wrappers. */
	if (level > (int)RTE_LOG_WARNING || (captured[0] && level >= captured_level))
		return;
	while (n && (p[n - 1] == '\n' || p[n - 1] == ' '))
		n--;
	if (n == 0)
		return;
	if (n > HPD_REASON_MAX)
		n = HPD_REASON_MAX;
	memcpy(captured, p, n);
	captured[n] = '\0';
	captured_level = level;
}

static ssize_t log_write(void *cookie, const char *buf, size_t size)
{
	(void)cookie;
	if (quiet)
		return (ssize_t)size;
	if (capturing)
		remember(buf, size);
	/* stderr: stdout belongs to the test-plan console */
	return write(STDERR_FILENO, buf, size);
}

int eal_log_init(void)
{
	cookie_io_functions_t io = {.write = log_write};
	FILE *f = fopencookie(NULL, "w", io);

	if (f == NULL)
		return -1;
	setvbuf(f, NULL, _IOLBF, 0);
	return rte_openlog_stream(f);
}

void eal_log_capture_begin(void)
{
	capturing = true;
	captured[0] = '\0';
	captured_level = 0;
}

const char *eal_log_capture_end(void)
{
	capturing = false;
	return captured;
}

void eal_log_quiet(bool on)
{
	quiet = on;
}

int eal_log_failed(int rc, const char *what, char *reason, size_t rlen)
{
	const char *eal = eal_log_capture_end();

	rc = local_errno(rc);
	if (rc == 0) /* called on a failure: never report success */
		rc = -EIO;
	snprintf(reason, rlen, "%s%s%s", what, *what ? ": " : "",
		 *eal ? eal : strerror(-rc));
	return rc;
}
