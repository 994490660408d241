/* SPDX-License-Identifier: BSD-3-Clause */
/* metrics: this process's counters, histograms and gauges (core/metrics.h);
 * hpctl metrics renders them as OpenMetrics text. Not relayed: a
 * secondary answers for itself (its ports and data path), the primary for
 * the group's operations and members. */
#include "api.h"
#include "metrics.h"

static void metrics(struct api_req *req)
{
	api_ok(req, metrics_json());
}

API_METHOD(metrics_method, .name = "metrics", .handler = metrics,
	   .summary = "this process's metrics: operations, latency, members, ports")
