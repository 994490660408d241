/* SPDX-License-Identifier: BSD-3-Clause */
/* status: about this process. */
#include <rte_version.h>

#include "api.h"
#include "control.h"
#include "dev.h"
#include "hotplugd.h"
#include "members.h"
#include "state.h"
#include "stuck.h"

static void status(struct api_req *req)
{
	static const char *const none[] = {NULL};
	json_t *s;

	if (!api_params(req, none))
		return;
	s = json_pack("{s:s, s:s, s:i, s:s, s:s, s:f, s:s, s:s, s:i, s:i}",
		      "version", HPD_VERSION,
		      "role", hpd_is_primary() ? "primary" : "secondary",
		      "pid", hpd.pid, "name", hpd.name, "file_prefix", hpd.prefix,
		      "uptime", hpd_uptime(), "dpdk_version", rte_version(),
		      "socket", hpd.sock_path, "devices", dev_count(),
		      "clients", control_clients());
	if (hpd_is_primary()) {
		json_object_set_new(s, "members", json_integer(members_count()));
		json_object_set_new(s, "queued_operations", json_integer(engine_queued()));
		if (stuck_active())
			json_object_set_new(s, "stuck_call", stuck_json());
		json_object_set_new(s, "devargs_policy", json_string(hpd.policy.source));
		json_object_set_new(s, "state", state_status());
		json_object_set_new(s, "restoring", json_boolean(state_restoring()));
		json_object_set_new(s, "unresponsive_policy", json_string(
			hpd.opt.policy == HPD_POLICY_FENCE ? "fence" : "refuse"));
	} else {
		json_object_set_new(s, "primary_pid", json_integer(hpd.primary_pid));
	}
	api_ok(req, s);
}

API_METHOD(status_method, .name = "status", .handler = status,
	   .summary = "version, role, pid, file-prefix, uptime, DPDK version")
