/* SPDX-License-Identifier: BSD-3-Clause */
/* ps: the group as the primary knows it (a secondary relays). */
#include "api.h"
#include "hotplugd.h"
#include "members.h"
#include "stuck.h"

static void ps(struct api_req *req)
{
	json_t *a;

	a = json_array();
	json_t *self = json_pack("{s:i, s:s, s:s, s:s, s:s}", "pid", hpd.pid,
		"role", "primary", "name", hpd.name,
		"state", stuck_active() ? "stuck" : "healthy", "socket", hpd.sock_path);

	/* a driver call that has not returned: changes wait for it */
	if (stuck_active())
		json_object_set_new(self, "stuck_call", stuck_json());
	json_array_append_new(a, self);
	json_t *m = members_json();

	json_array_extend(a, m);
	json_decref(m);
	api_ok(req, json_pack("{s:o}", "members", a));
}

API_METHOD(ps_method, .name = "ps", .flags = API_PRIMARY, .handler = ps,
	   .summary = "members of the group")
