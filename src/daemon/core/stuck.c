/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "errname.h"
#include "events.h"
#include "log.h"
#include "stuck.h"

static struct {
	bool active;
	char call[16];
	char device[64];
	char op[16];
	struct timespec t0;    /* CLOCK_MONOTONIC, when the call began */
	double since;          /* CLOCK_REALTIME, the same moment */
} cur;

static double now(clockid_t c)
{
	struct timespec t;

	clock_gettime(c, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static double for_s(void)
{
	return now(CLOCK_MONOTONIC) - (cur.t0.tv_sec + cur.t0.tv_nsec / 1e9);
}

void stuck_begin(const char *call, const char *device, const char *op, int timeout_ms)
{
	cur.active = true;
	snprintf(cur.call, sizeof(cur.call), "%s", call);
	snprintf(cur.device, sizeof(cur.device), "%s", device);
	snprintf(cur.op, sizeof(cur.op), "%s", op);
	clock_gettime(CLOCK_MONOTONIC, &cur.t0);
	cur.t0.tv_sec -= timeout_ms / 1000;
	cur.t0.tv_nsec -= (long)(timeout_ms % 1000) * 1000000;
	if (cur.t0.tv_nsec < 0) {
		cur.t0.tv_sec--;
		cur.t0.tv_nsec += 1000000000;
	}
	cur.since = now(CLOCK_REALTIME) - timeout_ms / 1e3;
	log_err("%s of %s has not returned after %.1f s: changes are refused until it does",
		call, device, timeout_ms / 1e3);
	events_publish("device.call_stuck", stuck_json());
}

void stuck_end(int rc, const char *reason, const char *outcome)
{
	json_t *e;

	if (!cur.active)
		return;
	e = stuck_json();
	json_object_set_new(e, "outcome", json_string(outcome));
	if (rc) {
		json_object_set_new(e, "errno", json_string(hpd_errname(rc)));
		json_object_set_new(e, "reason", json_string(reason));
	}
	log_notice("%s of %s returned after %.1f s (%s): %s", cur.call, cur.device, for_s(),
		   rc ? reason : "ok", outcome);
	cur.active = false;
	events_publish("device.call_returned", e);
}

bool stuck_active(void)
{
	return cur.active;
}

void stuck_describe(char *buf, size_t len)
{
	snprintf(buf, len, "%s of %s (%s) has not returned for %.1f s", cur.call, cur.device,
		 cur.op, for_s());
}

json_t *stuck_json(void)
{
	if (!cur.active)
		return NULL;
	return json_pack("{s:s, s:s, s:s, s:f, s:f}", "call", cur.call, "device", cur.device,
			 "operation", cur.op, "since", cur.since, "for_s", for_s());
}
