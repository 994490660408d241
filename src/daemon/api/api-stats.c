/* SPDX-License-Identifier: BSD-3-Clause */
/* stats: this process's data-path counters per port. */
#include "api.h"
#include "datapath.h"
#include "dev.h"
#include "hotplugd.h"

static void stats(struct api_req *req)
{
	json_t *ports, *p, *out = json_array();
	size_t i;

	ports = dev_list_json();
	json_array_foreach(ports, i, p) {
		json_t *dp = datapath_port_json((uint16_t)json_integer_value(
			json_object_get(p, "port")));

		json_object_set(dp, "port", json_object_get(p, "port"));
		json_object_set(dp, "name", json_object_get(p, "name"));
		json_array_append_new(out, dp);
	}
	json_decref(ports);
	api_ok(req, json_pack("{s:i, s:o, s:o}", "pid", hpd.pid, "datapath", datapath_json(),
			      "ports", out));
}

API_METHOD(stats_method, .name = "stats", .handler = stats,
	   .summary = "data-path counters of this process's ports")
