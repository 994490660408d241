/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errname.h"
#include "jsonrpc.h"
#include "wire.h"

static void set_msg(char *msg, size_t msglen, const char *fmt, const char *a)
{
	if (msg && msglen)
		snprintf(msg, msglen, fmt, a);
}

static bool valid_id(const json_t *id)
{
	return json_is_string(id) || json_is_integer(id) || json_is_null(id);
}

int rpc_decode(const char *buf, size_t len, struct rpc_request *req,
	       char *msg, size_t msglen)
{
	json_error_t jerr;
	json_t *v;

	memset(req, 0, sizeof(*req));
	/* Duplicate keys are ambiguous (which "devargs" wins?): refuse them. */
	req->root = json_loadb(buf, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
	if (req->root == NULL) {
		set_msg(msg, msglen, "parse error: %s", jerr.text);
		return RPC_PARSE_ERROR;
	}
	if (!json_is_object(req->root)) {
		set_msg(msg, msglen, "%s", "request must be a JSON object");
		return RPC_INVALID_REQUEST;
	}
	v = json_object_get(req->root, "id");
	if (v != NULL) {
		if (!valid_id(v)) {
			set_msg(msg, msglen, "%s", "id must be a string, an integer or null");
			return RPC_INVALID_REQUEST;
		}
		req->id = v;
	}
	v = json_object_get(req->root, "jsonrpc");
	if (!json_is_string(v) || strcmp(json_string_value(v), "2.0") != 0) {
		set_msg(msg, msglen, "%s", "\"jsonrpc\" must be \"2.0\"");
		return RPC_INVALID_REQUEST;
	}
	v = json_object_get(req->root, "method");
	if (!json_is_string(v) || json_string_length(v) == 0) {
		set_msg(msg, msglen, "%s", "\"method\" must be a non-empty string");
		return RPC_INVALID_REQUEST;
	}
	req->method = json_string_value(v);
	v = json_object_get(req->root, "params");
	if (v == NULL || json_is_null(v)) {
		v = json_object();
		json_object_set_new(req->root, "params", v);
	} else if (!json_is_object(v)) {
		set_msg(msg, msglen, "%s", "\"params\" must be an object (named parameters)");
		return RPC_INVALID_PARAMS;
	}
	req->params = v;
	return 0;
}

void rpc_request_free(struct rpc_request *req)
{
	json_decref(req->root);
	memset(req, 0, sizeof(*req));
}

/*
 * A message or reason may have been cut in the middle of a multi-byte
 * character (fixed-size buffers), or quote a client's invalid bytes; jansson
 * then refuses the string and the required "message" would vanish. Replace
 * every byte that does not start a complete UTF-8 sequence with '?'.
 */
static json_t *string_utf8(const char *s)
{
	size_t n = strlen(s), i = 0;
	char *copy;
	json_t *j = json_string(s);

	if (j)
		return j;
	copy = strdup(s);
	if (copy == NULL)
		return json_string("");
	while (i < n) {
		unsigned char c = (unsigned char)copy[i];
		size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
		bool ok = len > 0 && i + len <= n;

		for (size_t k = 1; ok && k < len; k++)
			ok = ((unsigned char)copy[i + k] >> 6) == 2;
		if (ok) {
			json_t *one;
			char save = copy[i + len];

			copy[i + len] = '\0'; /* overlong forms and surrogates too */
			one = json_string(copy + i);
			copy[i + len] = save;
			ok = one != NULL;
			json_decref(one);
		}
		if (!ok) {
			copy[i] = '?';
			len = 1;
		}
		i += len;
	}
	j = json_string(copy);
	free(copy);
	return j ? j : json_string("");
}

static json_t *envelope(json_t *id)
{
	json_t *m = json_object();

	json_object_set_new(m, "jsonrpc", json_string("2.0"));
	json_object_set(m, "id", id ? id : json_null());
	return m;
}

json_t *rpc_result(json_t *id, json_t *result)
{
	json_t *m = envelope(id);

	json_object_set_new(m, "result", result ? result : json_null());
	return m;
}

json_t *rpc_error(json_t *id, int code, const char *message, json_t *data)
{
	json_t *m = envelope(id);
	json_t *e = json_object();

	json_object_set_new(e, "code", json_integer(code));
	json_object_set_new(e, "message", string_utf8(message ? message : ""));
	if (data)
		json_object_set_new(e, "data", data);
	json_object_set_new(m, "error", e);
	return m;
}

json_t *rpc_notification(const char *method, json_t *params)
{
	json_t *m = json_object();

	json_object_set_new(m, "jsonrpc", json_string("2.0"));
	json_object_set_new(m, "method", json_string(method));
	json_object_set_new(m, "params", params ? params : json_object());
	return m;
}

json_t *rpc_error_data(int err, const char *reason)
{
	return json_pack("{s:s, s:o}", "errno", hpd_errname(err),
			 "reason", string_utf8(reason ? reason : ""));
}

json_t *rpc_errno(json_t *id, int err, const char *reason)
{
	char message[HPD_REASON_MAX + 32];
	int code = hpd_errno_to_rpc(err);

	snprintf(message, sizeof(message), "%s: %s", hpd_errname(err),
		 reason && *reason ? reason : strerror(err < 0 ? -err : err));
	return rpc_error(id, code, message, rpc_error_data(err, reason));
}

char *rpc_encode(const json_t *msg, size_t *len)
{
	char *s = json_dumps(msg, JSON_COMPACT);
	size_t n;

	if (s == NULL)
		return NULL;
	n = strlen(s);
	s = realloc(s, n + 2);
	if (s == NULL)
		return NULL;
	s[n] = '\n';
	s[n + 1] = '\0';
	if (len)
		*len = n + 1;
	return s;
}

int rpc_param_str(const json_t *params, const char *key, bool required,
		  const char **out, char *msg, size_t msglen)
{
	const json_t *v = json_object_get(params, key);

	*out = NULL;
	if (v == NULL) {
		if (!required)
			return 0;
		set_msg(msg, msglen, "missing parameter \"%s\"", key);
		return RPC_INVALID_PARAMS;
	}
	if (!json_is_string(v)) {
		set_msg(msg, msglen, "parameter \"%s\" must be a string", key);
		return RPC_INVALID_PARAMS;
	}
	*out = json_string_value(v);
	return 0;
}

int rpc_param_int(const json_t *params, const char *key, bool required,
		  long long min, long long max, long long *out,
		  char *msg, size_t msglen)
{
	const json_t *v = json_object_get(params, key);

	if (v == NULL) {
		if (!required)
			return 0;
		set_msg(msg, msglen, "missing parameter \"%s\"", key);
		return RPC_INVALID_PARAMS;
	}
	if (!json_is_integer(v) || json_integer_value(v) < min ||
	    json_integer_value(v) > max) {
		char k[96];

		snprintf(k, sizeof(k), "%s\" must be an integer in [%lld, %lld]",
			 key, min, max);
		set_msg(msg, msglen, "parameter \"%s", k);
		return RPC_INVALID_PARAMS;
	}
	*out = json_integer_value(v);
	return 0;
}

int rpc_params_only(const json_t *params, const char *const *keys,
		    char *msg, size_t msglen)
{
	const char *k;
	json_t *v;

	json_object_foreach((json_t *)params, k, v) {
		const char *const *p;

		for (p = keys; *p; p++)
			if (strcmp(*p, k) == 0)
				break;
		if (*p == NULL) {
			set_msg(msg, msglen, "unknown parameter \"%s\"", k);
			return RPC_INVALID_PARAMS;
		}
	}
	return 0;
}
