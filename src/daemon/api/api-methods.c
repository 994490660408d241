/* SPDX-License-Identifier: BSD-3-Clause */
/* methods: the method table in short (name, summary, the right it needs,
 * whether a secondary relays it), like OVS's list-commands; rpc.discover
 * has the whole document. */
#include "api.h"

static void add(const struct api_method *m, void *arg)
{
	json_array_append_new(arg, json_pack("{s:s, s:s, s:s, s:b}", "name", m->name,
		"summary", m->summary ? m->summary : "",
		"right", (m->flags & API_MUTATES) ? "admin" : "read",
		"relayed", (m->flags & API_PRIMARY) != 0));
}

static void methods(struct api_req *req)
{
	json_t *a = json_array();

	api_foreach(add, a);
	api_ok(req, json_pack("{s:s, s:o}", "protocol", api_protocol_version, "methods", a));
}

API_METHOD(methods_method, .name = "methods", .handler = methods,
	   .summary = "the methods in short: name, summary, right, relayed")
