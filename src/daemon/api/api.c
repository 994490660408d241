/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <grp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api.h"
#include "clock.h"
#include "errname.h"
#include "hotplugd.h"
#include "journal.h"
#include "log.h"
#include "members.h"
#include "portconf.h"

/* getgrouplist(): supplementary groups looked at per peer */
#define PEER_GROUPS_MAX 256

static STAILQ_HEAD(, api_method) methods = STAILQ_HEAD_INITIALIZER(methods);
static gid_t read_gid = (gid_t)-1, admin_gid = (gid_t)-1;
static void (*forward)(struct api_req *req);
static void (*status_fields[API_STATUS_FIELDS_MAX])(json_t *status);
static unsigned nstatus_fields;

void api_set_forwarder(void (*fn)(struct api_req *req))
{
	forward = fn;
}

int api_status_field(void (*fn)(json_t *status))
{
	if (nstatus_fields == API_STATUS_FIELDS_MAX)
		return -ENOSPC;
	status_fields[nstatus_fields++] = fn;
	return 0;
}

void api_status_fields(json_t *status)
{
	for (unsigned i = 0; i < nstatus_fields; i++)
		status_fields[i](status);
}

void api_register(struct api_method *m)
{
	STAILQ_INSERT_TAIL(&methods, m, next);
}

const struct api_method *api_find(const char *name)
{
	struct api_method *m;

	STAILQ_FOREACH(m, &methods, next)
		if (strcmp(m->name, name) == 0)
			return m;
	return NULL;
}

void api_foreach(void (*fn)(const struct api_method *m, void *arg), void *arg)
{
	struct api_method *m;

	STAILQ_FOREACH(m, &methods, next)
		fn(m, arg);
}

/* ---- access control ---------------------------------------------------- */

static gid_t group_id(const char *name)
{
	struct group *g = name && *name ? getgrnam(name) : NULL;

	return g ? g->gr_gid : (gid_t)-1;
}

int api_acl_init(const char *read_group, const char *admin_group)
{
	read_gid = group_id(read_group);
	admin_gid = group_id(admin_group);
	if (read_group && *read_group && read_gid == (gid_t)-1)
		log_warn("read group %s does not exist: only root may read", read_group);
	if (admin_group && *admin_group && admin_gid == (gid_t)-1)
		log_info("admin group %s does not exist: only root may change devices",
			 admin_group);
	return 0;
}

static bool in_group(gid_t gid, const gid_t *groups, int ngroups, gid_t want)
{
	if (want == (gid_t)-1)
		return false;
	if (gid == want)
		return true;
	for (int i = 0; i < ngroups; i++)
		if (groups[i] == want)
			return true;
	return false;
}

unsigned api_rights(uid_t uid, gid_t gid, const gid_t *groups, int ngroups)
{
	if (uid == 0 || uid == geteuid() || in_group(gid, groups, ngroups, admin_gid))
		return RIGHT_READ | RIGHT_ADMIN;
	if (in_group(gid, groups, ngroups, read_gid))
		return RIGHT_READ;
	return 0;
}

/* ---- completion -------------------------------------------------------- */

/* The journal's record of an audit line: the same words as MESSAGE, and
 * each of them a field to filter on (journalctl METHOD=attach OUTCOME=...). */
static void audit_journal(struct api_req *req, json_t *err, const char *params,
			  const char *line)
{
	json_t *data = json_object_get(err, "data");
	const char *errno_name = json_string_value(json_object_get(data, "errno"));
	const char *dev = json_string_value(json_object_get(req->rpc.params, "devargs"));
	struct journal_rec r = {.n = 0};

	if (dev == NULL)
		dev = json_string_value(json_object_get(req->rpc.params, "device"));
	journal_add(&r, "MESSAGE=%s", line);
	journal_add(&r, "CALLER_PID=%d", req->origin.pid);
	journal_add(&r, "CALLER_UID=%d", req->origin.uid);
	journal_add(&r, "CALLER_COMM=%s", req->origin.comm);
	if (req->origin.via)
		journal_add(&r, "VIA_PID=%d", req->origin.via);
	journal_add(&r, "METHOD=%s", req->rpc.method);
	if (dev)
		journal_add(&r, "DEVICE=%s", dev);
	journal_add(&r, "PARAMS=%s", params);
	/* a JSON-RPC error (invalid params) has no errno: its code */
	if (err && errno_name == NULL)
		journal_add(&r, "OUTCOME=RPC%lld",
			    (long long)json_integer_value(json_object_get(err, "code")));
	else
		journal_add(&r, "OUTCOME=%s", err ? errno_name : "ok");
	if (err)
		journal_add(&r, "REASON=%s", json_string_value(json_object_get(err, "message")));
	journal_add(&r, "DURATION_USEC=%.0f", hpd_ms_since(&req->t0) * 1000);
	journal_send(&r, LOG_NOTICE, JOURNAL_ID_AUDIT);
}

/* One line per mutating request: who, what, outcome, how long. */
static void audit(struct api_req *req, json_t *response)
{
	const struct api_method *m = api_find(req->rpc.method);
	json_t *err = json_object_get(response, "error");
	char *params, line[1024];

	if (m == NULL || !(m->flags & API_MUTATES))
		return;
	params = json_dumps(req->rpc.params, JSON_COMPACT);
	snprintf(line, sizeof(line), "audit: pid=%d uid=%d comm=%s via=%d method=%s params=%s "
		 "outcome=%s duration_ms=%.1f", req->origin.pid, req->origin.uid,
		 req->origin.comm, req->origin.via, req->rpc.method, params ? params : "?",
		 err ? json_string_value(json_object_get(err, "message")) : "ok",
		 hpd_ms_since(&req->t0));
	if (journal_on())
		audit_journal(req, err, params ? params : "?", line);
	else
		log_notice("%s", line);
	free(params);
}

static void respond(struct api_req *req, json_t *response)
{
	audit(req, response);
	/* a notification (no id) gets no answer, but the sink still learns
	 * that the request is over */
	if (req->rpc.id == NULL && req->rpc.root != NULL) {
		json_decref(response);
		response = NULL;
	}
	req->sink->respond(req, response);
	rpc_request_free(&req->rpc);
	free(req);
}

void api_ok(struct api_req *req, json_t *result)
{
	respond(req, rpc_result(req->rpc.id, result));
}

#define RESULT_LINE "{\"jsonrpc\":\"2.0\",\"id\":%s,\"result\":%.*s}\n"

void api_ok_encoded(struct api_req *req, const char *result, size_t len)
{
	char *id = NULL, *line = NULL;
	size_t n;

	if (req->rpc.id && req->sink->respond_raw)
		id = json_dumps(req->rpc.id, JSON_ENCODE_ANY | JSON_COMPACT);
	/* the format is longer than what it adds: room enough */
	if (id)
		line = malloc(strlen(id) + len + sizeof(RESULT_LINE));
	if (line == NULL) { /* no raw sink, or out of memory: the slow way */
		free(id);
		api_ok(req, json_loadb(result, len, 0, NULL));
		return;
	}
	n = (size_t)sprintf(line, RESULT_LINE, id, (int)len, result);
	req->sink->respond_raw(req, line, n);
	free(id);
	free(line);
	rpc_request_free(&req->rpc);
	free(req);
}

void api_fail(struct api_req *req, int err, const char *fmt, ...)
{
	char reason[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	respond(req, rpc_errno(req->rpc.id, err, reason));
}

void api_fail_data(struct api_req *req, int err, json_t *extra, const char *reason)
{
	json_t *resp = rpc_errno(req->rpc.id, err, reason);

	if (extra)
		json_object_update(json_object_get(json_object_get(resp, "error"), "data"), extra);
	json_decref(extra);
	respond(req, resp);
}

void api_rpc_fail(struct api_req *req, int code, const char *msg)
{
	respond(req, rpc_error(req->rpc.id, code, msg, NULL));
}

void api_relayed(struct api_req *req, json_t *response)
{
	json_object_set(response, "id", req->rpc.id ? req->rpc.id : json_null());
	respond(req, response);
}

static json_t *op_json(const struct op_result *r)
{
	json_t *j = json_pack("{s:s, s:f, s:i}", "name", r->name, "duration_ms", r->ms,
			      "members", r->members);

	if (r->port >= 0)
		json_object_set_new(j, "port", json_integer(r->port));
	if (r->fenced) {
		const unsigned max = sizeof(r->fenced_member) / sizeof(r->fenced_member[0]);
		json_t *who = json_array();

		json_object_set_new(j, "fenced", json_integer(r->fenced));
		for (unsigned i = 0; i < r->fenced && i < max; i++)
			json_array_append_new(who, json_pack("{s:i, s:s, s:s}",
				"pid", r->fenced_member[i].pid, "name", r->fenced_member[i].name,
				"why", r->fenced_member[i].why));
		json_object_set_new(j, "fenced_members", who);
	}
	if (r->quiesce_ms > 0)
		json_object_set_new(j, "quiesce_ms", json_real(r->quiesce_ms));
	if (r->persisted >= 0)
		json_object_set_new(j, "persisted", json_boolean(r->persisted));
	if (r->persisted == 0)
		json_object_set_new(j, "persist_error", json_string(r->persist_reason));
	return j;
}

void api_op_done(const struct op_result *r, void *arg)
{
	struct api_req *req = arg;
	json_t *resp, *data;

	if (r->rc == 0) {
		api_ok(req, op_json(r));
		return;
	}
	resp = rpc_errno(req->rpc.id, r->rc, r->reason);
	data = json_object_get(json_object_get(resp, "error"), "data");
	json_object_set_new(data, "device", json_string(r->name));
	json_object_set_new(data, "rolled_back", json_boolean(r->rolled_back));
	if (r->member)
		json_object_set_new(data, "member", json_pack("{s:i, s:s}", "pid",
					r->member, "name", r->member_name));
	respond(req, resp);
}

/* ---- dispatch ---------------------------------------------------------- */

bool api_params(struct api_req *req, const char *const *allowed)
{
	char msg[128];

	if (rpc_params_only(req->rpc.params, allowed, msg, sizeof(msg)) == 0)
		return true;
	api_rpc_fail(req, RPC_INVALID_PARAMS, msg);
	return false;
}

void api_submit(struct api_req *req, enum op_kind kind, const char *param)
{
	api_submit_config(req, kind, param, NULL);
}

void api_submit_config(struct api_req *req, enum op_kind kind, const char *param,
		       const char *config_param)
{
	json_t *config = config_param ? json_object_get(req->rpc.params, config_param) : NULL;
	struct hpd_port_conf c;
	const char *arg;
	char msg[160];

	if (rpc_param_str(req->rpc.params, param, true, &arg, msg, sizeof(msg))) {
		api_rpc_fail(req, RPC_INVALID_PARAMS, msg);
		return;
	}
	/* refused whole before it is queued: the engine's copy is bounded,
	 * and a cut "0...01" would name port 0 */
	if (strlen(arg) > HPD_DEVARGS_MAX) {
		api_fail(req, ENAMETOOLONG, "%s is %zu bytes; the limit is %d", param, strlen(arg),
			 HPD_DEVARGS_MAX);
		return;
	}
	/* the syntax now, what the device can do once it is resolved: a
	 * configuration that does not parse is invalid params, like a typo
	 * in any other parameter */
	portconf_default(&c);
	if (config && portconf_merge(&c, config, msg, sizeof(msg)) != 0) {
		api_rpc_fail(req, RPC_INVALID_PARAMS, msg);
		return;
	}
	req->origin.request_id = req->rpc.id;
	engine_submit_config(kind, arg, config, &req->origin, api_op_done, req);
}

/* A member relays requests on behalf of its own clients and says who they
 * are; only a registered member may speak for someone else. */
static int take_origin(struct api_req *req)
{
	json_t *o = json_object_get(req->rpc.root, "origin");
	const char *comm = "";

	req->origin.pid = req->peer.pid;
	req->origin.uid = req->peer.uid;
	req->origin.gid = req->peer.gid;
	snprintf(req->origin.comm, sizeof(req->origin.comm), "%s", req->peer.comm);
	if (o == NULL)
		return 0;
	if (!hpd_is_primary() || members_find(req->peer.pid) == NULL || !json_is_object(o))
		return -1;
	req->origin.via = req->peer.pid;
	req->origin.pid = (pid_t)json_integer_value(json_object_get(o, "pid"));
	req->origin.uid = (uid_t)json_integer_value(json_object_get(o, "uid"));
	req->origin.gid = (gid_t)json_integer_value(json_object_get(o, "gid"));
	if (json_is_string(json_object_get(o, "comm")))
		comm = json_string_value(json_object_get(o, "comm"));
	snprintf(req->origin.comm, sizeof(req->origin.comm), "%s", comm);
	/* The member reports who its client is (it read the credentials off
	 * its socket); what they may do is decided here, by our groups, never
	 * by the member's configuration (it may name another admin group). */
	{
		json_t *groups = json_object_get(o, "groups"), *g;
		size_t i;

		req->peer.ngroups = 0;
		json_array_foreach(groups, i, g)
			if (json_is_integer(g) && req->peer.ngroups < HPD_PEER_GROUPS)
				req->peer.groups[req->peer.ngroups++] = (gid_t)json_integer_value(g);
		req->peer.uid = req->origin.uid;
		req->peer.gid = req->origin.gid;
		req->peer.rights = api_rights(req->origin.uid, req->origin.gid, req->peer.groups,
					      req->peer.ngroups);
	}
	return 0;
}

void api_dispatch(struct api_req *req)
{
	const struct api_method *m = api_find(req->rpc.method);
	unsigned need;

	clock_gettime(CLOCK_MONOTONIC, &req->t0);
	if (m == NULL) {
		char msg[96];

		snprintf(msg, sizeof(msg), "unknown method \"%.48s\"", req->rpc.method);
		api_rpc_fail(req, RPC_METHOD_NOT_FOUND, msg);
		return;
	}
	if (take_origin(req) < 0) {
		api_rpc_fail(req, RPC_INVALID_REQUEST,
			     "\"origin\" is accepted only from members of the group");
		return;
	}
	need = (m->flags & API_MUTATES) ? RIGHT_ADMIN : RIGHT_READ;
	if ((req->peer.rights & need) != need) {
		api_fail(req, -EPERM, "%s needs the %s right (uid %d is not root nor in group %s)",
			 m->name, need == RIGHT_ADMIN ? "admin" : "read", req->peer.uid,
			 need == RIGHT_ADMIN ? hpd.opt.admin_group : hpd.opt.read_group);
		return;
	}
	if (forward && (m->flags & API_PRIMARY)) {
		forward(req);
		return;
	}
	if (!api_params(req, m->params))
		return;
	m->handler(req);
}

void api_handle_line(const char *line, size_t len, const struct hpd_peer *peer,
		     const struct api_sink *sink, void *ctx)
{
	struct api_req *req = calloc(1, sizeof(*req));
	char msg[160];
	int code;

	if (req == NULL)
		return;
	req->peer = *peer;
	req->sink = sink;
	req->ctx = ctx;
	if (sink->track)
		sink->track(req);
	code = rpc_decode(line, len, &req->rpc, msg, sizeof(msg));
	if (code) {
		/* errors in a request are answered even without an id */
		json_t *resp = rpc_error(req->rpc.id, code, msg, NULL);

		req->sink->respond(req, resp);
		rpc_request_free(&req->rpc);
		free(req);
		return;
	}
	api_dispatch(req);
}
