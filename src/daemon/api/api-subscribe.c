/* SPDX-License-Identifier: BSD-3-Clause */
/* subscribe: this connection receives every event as a notification. Each
 * process publishes its own events: the primary sees the whole group. */
#include <errno.h>

#include "api.h"

static void subscribe(struct api_req *req)
{
	char reason[128];
	int rc;

	if (req->sink->subscribe == NULL) {
		api_fail(req, -ENOTSUP, "only a control-socket connection can subscribe");
		return;
	}
	if ((rc = req->sink->subscribe(req, reason, sizeof(reason))) != 0) {
		api_fail(req, rc, "%s", reason);
		return;
	}
	api_ok(req, json_pack("{s:b}", "subscribed", 1));
}

API_METHOD(subscribe_method, .name = "subscribe", .handler = subscribe,
	   .summary = "stream events as JSON-RPC notifications")
