/* SPDX-License-Identifier: BSD-3-Clause */
/* queues: the lease table, as the primary holds it (a secondary relays). */
#include "api.h"
#include "leases.h"

static void queues(struct api_req *req)
{
	api_ok(req, leases_json());
}

API_METHOD(queues_method, .name = "queues", .flags = API_PRIMARY, .handler = queues,
	   .summary = "queue leases: who polls what")
