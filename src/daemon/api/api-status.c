/* SPDX-License-Identifier: BSD-3-Clause */
/* status: about this process. */
#include <rte_version.h>

#include "api.h"
#include "dev.h"
#include "hotplugd.h"
#include "members.h"
#include "state.h"
#include "stuck.h"

/* The drivers the policy in force lets attach ("pci" for PCI devices):
 * what hpctl's completion offers, so that it never offers a refusal. */
static json_t *allowed_drivers(const struct hpd_policy *p)
{
	json_t *a = json_array();

	for (unsigned i = 0; i < p->ndrivers; i++)
		json_array_append_new(a, json_string(p->drivers[i]));
	return a;
}

static void status(struct api_req *req)
{
	json_t *s;

	s = json_pack("{s:s, s:s, s:i, s:s, s:s, s:f, s:s, s:s, s:i}",
		      "version", HPD_VERSION,
		      "role", hpd_role_name(),
		      "pid", hpd.pid, "name", hpd.name, "file_prefix", hpd.prefix,
		      "uptime", hpd_uptime(), "dpdk_version", rte_version(),
		      "socket", hpd.sock_path, "devices", dev_count());
	api_status_fields(s); /* the control socket adds "clients" */
	if (hpd_is_primary()) {
		json_object_set_new(s, "members", json_integer(members_count()));
		json_object_set_new(s, "queued_operations", json_integer(engine_queued()));
		if (stuck_active())
			json_object_set_new(s, "stuck_call", stuck_json());
		json_object_set_new(s, "devargs_policy", json_string(hpd.devargs_policy.source));
		json_object_set_new(s, "allowed_drivers", allowed_drivers(&hpd.devargs_policy));
		json_object_set_new(s, "state", state_status());
		json_object_set_new(s, "restoring", json_boolean(state_restoring()));
		json_object_set_new(s, "unresponsive_policy", json_string(
			hpd.opt.unresponsive == HPD_UNRESPONSIVE_FENCE ? "fence" : "refuse"));
	} else {
		json_object_set_new(s, "primary_pid", json_integer(hpd.primary_pid));
	}
	api_ok(req, s);
}

API_METHOD(status_method, .name = "status", .handler = status,
	   .summary = "version, role, pid, file-prefix, uptime, DPDK version")
