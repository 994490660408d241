/* SPDX-License-Identifier: BSD-3-Clause */
/* start / stop: the primary configures (its configuration, or the one
 * given: common/portconf.h) and starts or stops a port, whoever asked. A
 * start of a started port with another configuration reconfigures it. */
#include "api.h"

static void start(struct api_req *req)
{
	api_submit_config(req, OP_START, "device", "config");
}

static void stop(struct api_req *req)
{
	api_submit(req, OP_STOP, "device");
}

API_METHOD(start_method, .name = "start", .flags = API_MUTATES | API_PRIMARY,
	   .handler = start, .params = {"device", "config"},
	   .summary = "configure and start a port")
API_METHOD(stop_method, .name = "stop", .flags = API_MUTATES | API_PRIMARY,
	   .handler = stop, .params = {"device"}, .summary = "stop a port")
