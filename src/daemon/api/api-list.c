/* SPDX-License-Identifier: BSD-3-Clause */
/* list: this process's own ethdev ports (each process answers for itself,
 * which is what lets hpctl check compare them). */
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "datapath.h"
#include "dev.h"
#include "hotplugd.h"
#include "leases.h"
#include "queues.h"
#include "devjob.h"
#include "state.h"

/*
 * The answer is kept, encoded, until anything it shows changes: list is
 * what monitoring polls, and building and encoding the JSON per request
 * was most of its cost. Not with a data-path worker (live counters) nor
 * while a device job runs (the table is in flux).
 */
static char *cached;
static size_t cached_len;
static uint64_t cached_gen;

static json_t *build(void)
{
	json_t *ports = dev_list_json(), *p, *r;
	size_t i;

	/* the data-path view is live (counters), not part of the snapshot */
	json_array_foreach(ports, i, p) {
		uint16_t port = (uint16_t)json_integer_value(json_object_get(p, "port"));

		json_object_set_new(p, "datapath", datapath_port_json(port));
		/* the queue leases, from the shared table: live too */
		json_object_set_new(p, "queues", leases_port_json(port));
	}
	r = json_pack("{s:o, s:i, s:s}", "ports", ports, "pid", hpd.pid,
		      "role", hpd_role_name());
	/* the primary is still bringing its devices back: more are coming */
	if (hpd_is_primary() && state_restoring())
		json_object_set_new(r, "restoring", json_true());
	return r;
}

static void list(struct api_req *req)
{
	uint64_t gen;

	if (datapath_enabled() || devjob_busy() || (hpd_is_primary() && state_restoring())) {
		api_ok(req, build());
		return;
	}
	/* the leases change without the port list */
	gen = dev_list_gen() + ((uint64_t)queues_gen() << 32);
	if (cached == NULL || gen != cached_gen) {
		json_t *r = build();

		free(cached);
		cached = json_dumps(r, JSON_COMPACT);
		cached_len = cached ? strlen(cached) : 0;
		cached_gen = gen;
		json_decref(r);
		if (cached == NULL) {
			api_ok(req, build());
			return;
		}
	}
	api_ok_encoded(req, cached, cached_len);
}

API_METHOD(list_method, .name = "list", .handler = list,
	   .summary = "this process's ethdev ports")
