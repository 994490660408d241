/* SPDX-License-Identifier: BSD-3-Clause */
/* configure: a port's configuration (common/portconf.h) changed in the
 * primary, whoever asked. A stopped port keeps it for its next start; a
 * started one is quiesced, stopped, reconfigured and started again, and
 * gets its previous configuration back if the new one fails. */
#include "api.h"

static void configure(struct api_req *req)
{
	if (json_object_get(req->rpc.params, "config") == NULL) {
		api_rpc_fail(req, RPC_INVALID_PARAMS, "missing parameter \"config\"");
		return;
	}
	api_submit_config(req, OP_CONFIGURE, "device", "config");
}

API_METHOD(configure_method, .name = "configure", .flags = API_MUTATES | API_PRIMARY,
	   .handler = configure, .params = {"device", "config"},
	   .summary = "change a port's configuration (restarting it if started)")
