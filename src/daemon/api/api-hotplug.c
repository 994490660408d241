/* SPDX-License-Identifier: BSD-3-Clause */
/* attach / detach: queued in the primary's engine and carried to every
 * member; a secondary relays them (API_PRIMARY). */
#include <errno.h>

#include "api.h"
#include "devargs.h"

static void attach(struct api_req *req)
{
	const char *devargs;
	char reason[160];
	int rc;

	/* Cheap syntax and length checks before the request is queued, so bad
	 * input is refused at once and never reaches DPDK. */
	devargs = json_string_value(json_object_get(req->rpc.params, "devargs"));
	if (devargs && (rc = hpd_devargs_check(devargs, reason, sizeof(reason))) != 0) {
		api_fail(req, rc, "%s", reason);
		return;
	}
	api_submit(req, OP_ATTACH, "devargs");
}

static void detach(struct api_req *req)
{
	api_submit(req, OP_DETACH, "device");
}

API_METHOD(attach_method, .name = "attach", .flags = API_MUTATES | API_PRIMARY,
	   .handler = attach, .params = {"devargs"},
	   .summary = "attach a device in every process of the group")
API_METHOD(detach_method, .name = "detach", .flags = API_MUTATES | API_PRIMARY,
	   .handler = detach, .params = {"device"},
	   .summary = "detach a device from every process of the group")
