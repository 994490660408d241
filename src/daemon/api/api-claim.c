/* SPDX-License-Identifier: BSD-3-Clause */
/* claim: queues for a member by rule (group/leases.c). The member is the
 * caller unless "member" names another member's pid: granting is safe for
 * anyone to ask, a free queue is polled by nobody. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>

#include "api.h"
#include "leases.h"
#include "members.h"

/* The member a request is about: "member" (a pid), or the caller. */
static int member_of(struct api_req *req, pid_t *pid)
{
	char msg[128];
	long long v = req->origin.pid;

	if (rpc_param_int(req->rpc.params, "member", false, 1, INT32_MAX, &v, msg,
			  sizeof(msg))) {
		api_rpc_fail(req, RPC_INVALID_PARAMS, msg);
		return -1;
	}
	*pid = (pid_t)v;
	return 0;
}

static void claim(struct api_req *req)
{
	char reason[HPD_REASON_MAX + 64], msg[128];
	const char *rule;
	pid_t pid, holder;
	int id;

	if (member_of(req, &pid) != 0)
		return;
	if (rpc_param_str(req->rpc.params, "rule", true, &rule, msg, sizeof(msg))) {
		api_rpc_fail(req, RPC_INVALID_PARAMS, msg);
		return;
	}
	id = leases_claim(pid, rule, reason, sizeof(reason), &holder);
	if (id == -EBUSY) {
		struct member *m = members_find(holder);

		api_fail_data(req, id, json_pack("{s:{s:i, s:s}}", "holder", "pid", holder,
						 "name", m ? m->name : "?"), reason);
		return;
	}
	if (id < 0) {
		api_fail(req, id, "%s", reason);
		return;
	}
	api_ok(req, json_pack("{s:i, s:i, s:o}", "claim", id, "member", pid, "queues",
			      leases_member_json(pid)));
}

/* A lease is released by its holder only: it must have withdrawn the
 * queues from its own pollers first, which nobody else can do for it (to
 * take queues from a live member: fence it, or stop the port). */
static void release(struct api_req *req)
{
	char reason[HPD_REASON_MAX + 64] = "", msg[128];
	long long id = 0;
	pid_t pid;
	int rc;

	if (member_of(req, &pid) != 0)
		return;
	if (rpc_param_int(req->rpc.params, "claim", false, 1, UINT32_MAX, &id, msg,
			  sizeof(msg))) {
		api_rpc_fail(req, RPC_INVALID_PARAMS, msg);
		return;
	}
	if (pid != req->origin.pid) {
		api_fail(req, -EPERM, "a lease is released by its holder (pid %d), which stops "
			 "polling first; to take it from a live member fence it or stop the port",
			 pid);
		return;
	}
	rc = leases_release(pid, (uint32_t)id, reason, sizeof(reason));
	if (rc < 0)
		api_fail(req, rc, "%s", reason);
	else
		api_ok(req, json_pack("{s:i, s:o}", "member", pid, "queues",
				      leases_member_json(pid)));
}

API_METHOD(claim_method, .name = "claim", .flags = API_MUTATES | API_PRIMARY,
	   .handler = claim, .params = {"rule", "member"},
	   .summary = "lease queues to a member by rule")
API_METHOD(release_method, .name = "release", .flags = API_MUTATES | API_PRIMARY,
	   .handler = release, .params = {"claim", "member"},
	   .summary = "release the caller's own claim (or all of them)")
