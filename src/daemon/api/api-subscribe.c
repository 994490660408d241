/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * subscribe {since, epoch}: this connection receives every event as a
 * notification, after the answer. The primary publishes the group's
 * events; a secondary mirrors its stream (relay.c), so any process serves
 * them, with the same seq and epoch. `since` (the last seq the client saw)
 * replays what it missed from the bounded history; what the history no
 * longer holds is reported (`lost` here, then events.overflow), never
 * skipped unaware.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "api.h"
#include "events.h"
#include "hotplugd.h"

static void subscribe(struct api_req *req)
{
	const char *epoch = events_epoch(), *theirs = NULL;
	uint64_t last = events_last_seq(), oldest = events_oldest_seq(), after = last;
	long long since = -1;
	bool restarted = false;
	char reason[128];
	int rc;

	if (rpc_param_int(req->rpc.params, "since", false, 0, RPC_INT_MAX, &since, reason,
			  sizeof(reason)) ||
	    rpc_param_str(req->rpc.params, "epoch", false, &theirs, reason, sizeof(reason))) {
		api_rpc_fail(req, RPC_INVALID_PARAMS, reason);
		return;
	}
	if (theirs && (since < 0 || strlen(theirs) != 32 || strspn(theirs, "0123456789abcdef") != 32)) {
		api_rpc_fail(req, RPC_INVALID_PARAMS, since < 0 ? "\"epoch\" goes with \"since\"" :
			     "\"epoch\" must be 32 hex digits, as events carry it");
		return;
	}
	if (req->sink->subscribe == NULL) {
		api_fail(req, -ENOTSUP, "only a control-socket connection can subscribe");
		return;
	}
	if (!*epoch) {
		api_fail(req, -EAGAIN, "not yet connected to the primary's event stream (%s); "
			 "try again", hpd.paths.primary);
		return;
	}
	if (since >= 0) {
		/* another epoch: the primary restarted, the client's seq means
		 * nothing here; it gets this epoch's events from the start */
		restarted = theirs && strcmp(theirs, epoch) != 0;
		after = restarted ? 0 : (uint64_t)since;
		/* a secondary's copy of the stream may be behind the primary's
		 * by the events in flight: ahead is fine there */
		if (after > last && hpd_is_primary()) {
			snprintf(reason, sizeof(reason), "\"since\" %lld is ahead of the last event "
				 "(%llu) of epoch %s", since, (unsigned long long)last, epoch);
			api_rpc_fail(req, RPC_INVALID_PARAMS, reason);
			return;
		}
	}
	if ((rc = req->sink->subscribe(req, after, reason, sizeof(reason))) < 0) {
		api_fail(req, rc, "%s", reason);
		return;
	}
	json_t *r = json_pack("{s:b, s:s, s:I}", "subscribed", 1, "epoch", epoch,
			      "seq", (json_int_t)last);

	if (since >= 0) {
		uint64_t from = after + 1 < oldest ? oldest : after + 1;

		json_object_set_new(r, "replayed", json_integer(rc == 0 && last >= from ?
							       (json_int_t)(last - from + 1) : 0));
		json_object_set_new(r, "lost", json_integer(rc == 0 && after + 1 < oldest ?
							   (json_int_t)(oldest - 1 - after) : 0));
		json_object_set_new(r, "restarted", json_boolean(restarted));
	}
	if (rc == 1)
		json_object_set_new(r, "already", json_true());
	api_ok(req, r);
}

API_METHOD(subscribe_method, .name = "subscribe", .handler = subscribe,
	   .params = {"since", "epoch"},
	   .summary = "stream events as JSON-RPC notifications, from seq `since` on")
