/* SPDX-License-Identifier: BSD-3-Clause */
/* list: this process's own ethdev ports (each process answers for itself,
 * which is what lets hpctl check compare them). */
#include "api.h"
#include "dev.h"
#include "hotplugd.h"

static void list(struct api_req *req)
{
	static const char *const none[] = {NULL};

	if (!api_params(req, none))
		return;
	api_ok(req, json_pack("{s:o, s:i, s:s}", "ports", dev_list_json(), "pid", hpd.pid,
			      "role", hpd_is_primary() ? "primary" : "secondary"));
}

API_METHOD(list_method, .name = "list", .handler = list,
	   .summary = "this process's ethdev ports")
