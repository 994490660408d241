/* SPDX-License-Identifier: BSD-3-Clause */
/* rpc.discover: the OpenRPC document of this protocol (openrpc.json, built
 * in by meson), every method's params, result and errors and every event;
 * the same document the integration suite holds every answer to. */
#include "api.h"

static void discover(struct api_req *req)
{
	api_ok_encoded(req, api_openrpc, api_openrpc_len);
}

API_METHOD(discover_method, .name = "rpc.discover", .handler = discover,
	   .summary = "the OpenRPC document of this protocol, with its version")
