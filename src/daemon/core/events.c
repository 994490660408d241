/* SPDX-License-Identifier: BSD-3-Clause */
#include <time.h>

#include "control.h"
#include "events.h"
#include "hotplugd.h"
#include "jsonrpc.h"

void events_publish(const char *event, json_t *data)
{
	struct timespec ts;
	json_t *p = data ? data : json_object();

	clock_gettime(CLOCK_REALTIME, &ts);
	json_object_set_new(p, "event", json_string(event));
	json_object_set_new(p, "time", json_real(ts.tv_sec + ts.tv_nsec / 1e9));
	json_object_set_new(p, "publisher", json_integer(hpd.pid));
	control_publish(rpc_notification("event", p));
}
