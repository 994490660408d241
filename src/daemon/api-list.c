/* SPDX-License-Identifier: BSD-3-Clause */
/* list: this process's own ethdev ports (each process answers for itself,
 * which is what lets hpctl check compare them). */
#include "api.h"
#include "datapath.h"
#include "dev.h"
#include "hotplugd.h"

static void list(struct api_req *req)
{
	static const char *const none[] = {NULL};

	json_t *ports, *p;
	size_t i;

	if (!api_params(req, none))
		return;
	ports = dev_list_json();
	/* the data-path view is live (counters), not part of the snapshot */
	json_array_foreach(ports, i, p)
		json_object_set_new(p, "datapath", datapath_port_json(
			(uint16_t)json_integer_value(json_object_get(p, "port"))));
	api_ok(req, json_pack("{s:o, s:i, s:s}", "ports", ports, "pid", hpd.pid,
			      "role", hpd_is_primary() ? "primary" : "secondary"));
}

API_METHOD(list_method, .name = "list", .handler = list,
	   .summary = "this process's ethdev ports")
