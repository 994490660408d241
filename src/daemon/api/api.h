/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The method table and the life of one request. Methods register
 * themselves (one api-*.c file each, like grout's handlers); a request
 * arrives from a control connection or the console, is checked against the
 * peer's rights, runs (perhaps asynchronously) and is answered exactly once
 * through its sink.
 */
#ifndef HPD_API_H
#define HPD_API_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>
#include <sys/types.h>

#include <jansson.h>

#include "engine.h"
#include "jsonrpc.h"

#define RIGHT_READ 0x1
#define RIGHT_ADMIN 0x2

#define HPD_PEER_GROUPS 64

struct hpd_peer {
	pid_t pid;
	uid_t uid;
	gid_t gid;
	/* its real supplementary groups (SO_PEERGROUPS): what systemd's
	 * SupplementaryGroups= or a container gave it, not /etc/group */
	gid_t groups[HPD_PEER_GROUPS];
	int ngroups;
	char comm[17];
	unsigned rights;
};

struct api_req;
struct api_sink {
	/* Deliver a complete response object (stolen; NULL when the request
	 * was a notification and gets no answer). ctx may be gone. */
	void (*respond)(struct api_req *req, json_t *response);
	/* Called once when the request is created (optional). */
	void (*track)(struct api_req *req);
	/* Deliver a response already encoded as one line (optional: without
	 * it the line is decoded and given to respond). */
	void (*respond_raw)(struct api_req *req, const char *line, size_t len);
	/* Make the request's connection receive events (optional: a sink
	 * without it cannot subscribe): those after seq `after`, once the
	 * answer to req is out, then every new one. 0; 1 when it already was
	 * subscribed (`after` is then ignored: nothing is sent twice); or a
	 * negative errno with the reason (-EMFILE: its user's subscriptions
	 * are at their limit). */
	int (*subscribe)(struct api_req *req, uint64_t after, char *reason, size_t len);
};

struct api_req {
	struct rpc_request rpc;
	struct hpd_peer peer;
	struct op_origin origin;
	const struct api_sink *sink;
	void *ctx; /* the connection; NULL once it closed */
	struct timespec t0;
	TAILQ_ENTRY(api_req) next; /* in the connection's pending list */
};

#define API_MUTATES 0x1 /* needs RIGHT_ADMIN, leaves an audit line */
#define API_PRIMARY 0x2 /* a secondary relays it to the primary */

#define API_PARAMS_MAX 4

struct api_method {
	const char *name;
	unsigned flags;
	void (*handler)(struct api_req *req);
	const char *summary;
	/* The params the method accepts (NULL-terminated; none by default):
	 * anything else is refused with invalid params before the handler. */
	const char *params[API_PARAMS_MAX];
	STAILQ_ENTRY(api_method) next;
};

void api_register(struct api_method *m);
#define API_METHOD(var, ...)                                           \
	static struct api_method var = {__VA_ARGS__};                  \
	__attribute__((constructor)) static void var##_register(void) \
	{                                                              \
		api_register(&var);                                    \
	}

const struct api_method *api_find(const char *name);
/* Every registered method, in registration order. */
void api_foreach(void (*fn)(const struct api_method *m, void *arg), void *arg);

/* A secondary hands API_PRIMARY methods to fn instead of running them
 * (relay.c installs it); without a forwarder every method runs here. */
void api_set_forwarder(void (*fn)(struct api_req *req));
/* Fields that upper layers add to status (the control socket's client
 * count): fn(status) adds its own. Up to API_STATUS_FIELDS_MAX. */
#define API_STATUS_FIELDS_MAX 4
int api_status_field(void (*fn)(json_t *status));
void api_status_fields(json_t *status);

/* Decode and run one request line; takes nothing, allocates the req. */
void api_handle_line(const char *line, size_t len, const struct hpd_peer *peer,
		     const struct api_sink *sink, void *ctx);
/* Run an already built request (the console builds its own). */
void api_dispatch(struct api_req *req);

/* Completion: each frees req. */
void api_ok(struct api_req *req, json_t *result);
/* Answer with a result already encoded as compact JSON (no newline). */
void api_ok_encoded(struct api_req *req, const char *result, size_t len);
/* err: a negative errno, like every int return here. */
void api_fail(struct api_req *req, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The same, with fields added to error.data (stolen; may be NULL). */
void api_fail_data(struct api_req *req, int err, json_t *data, const char *reason);
void api_rpc_fail(struct api_req *req, int code, const char *msg);
/* Relay: a response from the primary, re-addressed to this request's id. */
void api_relayed(struct api_req *req, json_t *response);
/* engine completion for attach/detach/start/stop */
void api_op_done(const struct op_result *res, void *arg);
/* Params check: on error answers the request and returns false. */
bool api_params(struct api_req *req, const char *const *allowed);
/* Queue the operation named by the (required) string param. */
void api_submit(struct api_req *req, enum op_kind kind, const char *param);
/* And with the port configuration object in config_param (optional),
 * its syntax checked here (invalid params), its values by the engine. */
void api_submit_config(struct api_req *req, enum op_kind kind, const char *param,
		       const char *config_param);

/* The protocol's OpenRPC document (openrpc.json, compact, built in) and
 * its version (the document's info.version). */
extern const char api_openrpc[];
extern const size_t api_openrpc_len;
extern const char api_protocol_version[];

/* rights of a peer from its credentials (uid 0 and our own uid: all) */
unsigned api_rights(uid_t uid, gid_t gid, const gid_t *groups, int ngroups);
int api_acl_init(const char *read_group, const char *admin_group);

#endif
