/* SPDX-License-Identifier: BSD-3-Clause */
/* Durations and deadlines, written once: milliseconds since a
 * CLOCK_MONOTONIC instant, and a millisecond count as a struct timeval
 * (libevent's timers). */
#ifndef HPD_CLOCK_H
#define HPD_CLOCK_H

#include <sys/time.h>
#include <time.h>

static inline double hpd_ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1e3 + (t.tv_nsec - t0->tv_nsec) / 1e6;
}

static inline struct timeval hpd_ms_timeval(long long ms)
{
	return (struct timeval){.tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000};
}

#endif
