/* SPDX-License-Identifier: BSD-3-Clause */
/* start / stop: the primary configures (1 rx + 1 tx queue, its own mbuf
 * pool) and starts or stops a port, whoever asked. */
#include "api.h"

static void start(struct api_req *req)
{
	api_submit(req, OP_START, "device");
}

static void stop(struct api_req *req)
{
	api_submit(req, OP_STOP, "device");
}

API_METHOD(start_method, .name = "start", .flags = API_MUTATES | API_PRIMARY,
	   .handler = start, .params = {"device"}, .summary = "configure and start a port")
API_METHOD(stop_method, .name = "stop", .flags = API_MUTATES | API_PRIMARY,
	   .handler = stop, .params = {"device"}, .summary = "stop a port")
