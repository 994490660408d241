/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * JSON-RPC 2.0 over newline-delimited JSON: decoding one request line and
 * building responses. Pure functions (jansson only) so they are unit-tested
 * and fuzzed without a daemon.
 */
#ifndef HPD_JSONRPC_H
#define HPD_JSONRPC_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

/* The largest integer a JSON number holds exactly (2^53 - 1): the bound
 * of event seqs, and of every integer parameter that may reach it. */
#define RPC_INT_MAX 9007199254740991LL

struct rpc_request {
	json_t *root;       /* owned */
	json_t *id;         /* borrowed; NULL for a notification */
	const char *method; /* borrowed */
	json_t *params;     /* borrowed; always an object (empty if absent) */
};

/*
 * Decode one request. Returns 0, or a JSON-RPC error code with msg filled.
 * On an invalid request whose id could be read, req->id is set so that the
 * error response can carry it; the caller always calls rpc_request_free().
 */
int rpc_decode(const char *buf, size_t len, struct rpc_request *req,
	       char *msg, size_t msglen);
void rpc_request_free(struct rpc_request *req);

/* Builders; each steals the json_t arguments it is given. */
json_t *rpc_result(json_t *id, json_t *result);
json_t *rpc_error(json_t *id, int code, const char *message, json_t *data);
json_t *rpc_notification(const char *method, json_t *params);
/* {"errno": "EEXIST", "reason": reason} */
json_t *rpc_error_data(int err, const char *reason);
/* Error response for a failed operation: code from the errno, message
 * "<errno name>: <reason>", data as rpc_error_data(). */
json_t *rpc_errno(json_t *id, int err, const char *reason);

/* Compact one-line encoding with a trailing '\n'; free() the result. */
char *rpc_encode(const json_t *msg, size_t *len);

/* Params accessors: return 0, or RPC_INVALID_PARAMS with msg set. */
int rpc_param_str(const json_t *params, const char *key, bool required,
		  const char **out, char *msg, size_t msglen);
int rpc_param_int(const json_t *params, const char *key, bool required,
		  long long min, long long max, long long *out,
		  char *msg, size_t msglen);
/* Reject keys not in the NULL-terminated list (typos must not pass silently). */
int rpc_params_only(const json_t *params, const char *const *keys,
		    char *msg, size_t msglen);

#endif
