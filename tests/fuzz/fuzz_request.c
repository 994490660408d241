/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: one control-socket read, as the daemon handles it.
 *
 * The input is split on '\n' like src/daemon/control.c does: a line over
 * HPD_REQUEST_MAX bytes ends the connection (so the rest of the input is
 * ignored), a blank line (only " \t\r") is skipped, and every other line is
 * given to rpc_decode() with its exact length (no NUL after it, so a read
 * past the line is an ASan error). A trailing fragment without '\n' is
 * decoded too, as if the client sent the newline later.
 *
 * A decoded request goes through the parameter accessors the method
 * handlers use and the devargs helpers on every string found; each outcome
 * becomes a response that is encoded with rpc_encode() and checked: one
 * line ending in '\n', valid JSON that parses back to a JSON-RPC 2.0
 * response with the request's id and a well-formed result or error.
 * Buffer sizes mirror the daemon's (msg[160] in api_handle_line, msg[128]
 * in api_params/api_submit, the reason sizes of attach and the engine).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "devargs.h"
#include "errname.h"
#include "jsonrpc.h"
#include "wire.h"

#include "fuzz_common.h"

/* What a response must look like. */
enum expect { EXPECT_RESULT, EXPECT_ERROR, EXPECT_NOTIFICATION };

static bool valid_id(const json_t *id)
{
	return json_is_string(id) || json_is_integer(id) || json_is_null(id);
}

static bool is_rpc_errno_code(json_int_t c)
{
	return c == RPC_INVALID_PARAMS || (c <= HPD_E_FAILED && c >= HPD_E_UNAVAILABLE);
}

/*
 * Encode msg (consumed) and check the wire form. For a response, id is the
 * request's id (NULL: must come back as null) and code the expected error
 * code (0: any code rpc_errno can produce). tag names the producer of the
 * error message text, for FUZZ_CHECK_TAG.
 */
static void check_message(json_t *msg, enum expect kind, const json_t *id, json_int_t code,
			  const char *tag)
{
	json_error_t jerr;
	json_t *back, *v, *e;
	size_t n = 0;
	char *enc;

	FUZZ_CHECK(msg != NULL);
	enc = rpc_encode(msg, &n);
	FUZZ_CHECK(enc != NULL);
	/* exactly one line */
	FUZZ_CHECK(n >= 2 && strlen(enc) == n);
	FUZZ_CHECK(enc[n - 1] == '\n');
	FUZZ_CHECK(memchr(enc, '\n', n - 1) == NULL);
	FUZZ_CHECK(memchr(enc, '\r', n) == NULL);

	/* and it parses back, strictly, to what was meant */
	back = json_loadb(enc, n - 1, JSON_REJECT_DUPLICATES, &jerr);
	FUZZ_CHECK(back != NULL);
	FUZZ_CHECK(json_is_object(back));
	FUZZ_CHECK(json_equal(back, msg));
	v = json_object_get(back, "jsonrpc");
	FUZZ_CHECK(json_is_string(v) && strcmp(json_string_value(v), "2.0") == 0);

	if (kind == EXPECT_NOTIFICATION) {
		FUZZ_CHECK(json_object_get(back, "id") == NULL);
		FUZZ_CHECK(json_is_string(json_object_get(back, "method")));
		FUZZ_CHECK(json_is_object(json_object_get(back, "params")));
		FUZZ_CHECK(json_object_size(back) == 3);
		goto out;
	}

	v = json_object_get(back, "id");
	FUZZ_CHECK(v != NULL && valid_id(v));
	FUZZ_CHECK(id ? json_equal(v, id) : json_is_null(v));
	FUZZ_CHECK(json_object_size(back) == 3);
	if (kind == EXPECT_RESULT) {
		FUZZ_CHECK(json_object_get(back, "result") != NULL);
		FUZZ_CHECK(json_object_get(back, "error") == NULL);
		goto out;
	}
	FUZZ_CHECK(json_object_get(back, "result") == NULL);
	e = json_object_get(back, "error");
	FUZZ_CHECK(json_is_object(e));
	v = json_object_get(e, "code");
	FUZZ_CHECK(json_is_integer(v));
	if (code)
		FUZZ_CHECK(json_integer_value(v) == code);
	else
		FUZZ_CHECK(is_rpc_errno_code(json_integer_value(v)));
	/* JSON-RPC 2.0: "message" is required. rpc_error() drops it silently
	 * when the text is not valid UTF-8 (json_string() returns NULL), e.g.
	 * when snprintf truncated it in the middle of a character. */
	v = json_object_get(e, "message");
	FUZZ_CHECK_TAG(tag, json_is_string(v) && json_string_length(v) > 0);
	v = json_object_get(e, "data");
	if (v) {
		FUZZ_CHECK(json_is_object(v));
		FUZZ_CHECK(json_is_string(json_object_get(v, "errno")));
		FUZZ_CHECK_TAG(tag, json_is_string(json_object_get(v, "reason")));
	}
out:
	json_decref(back);
	free(enc);
	json_decref(msg);
}

/* rpc_param_str agrees with a direct look at params. */
static const char *param_str(const json_t *params, const char *key)
{
	const json_t *v = json_object_get(params, key);
	const char *out = (const char *)1, *out2 = (const char *)1;
	char msg[128];
	int rc;

	memset(msg, 0x5a, sizeof(msg));
	rc = rpc_param_str(params, key, false, &out, msg, sizeof(msg));
	if (v == NULL) {
		FUZZ_CHECK(rc == 0 && out == NULL);
		rc = rpc_param_str(params, key, true, &out2, msg, sizeof(msg));
		FUZZ_CHECK(rc == RPC_INVALID_PARAMS && out2 == NULL);
		FUZZ_CHECK(fuzz_is_cstr(msg, sizeof(msg), true));
	} else if (json_is_string(v)) {
		FUZZ_CHECK(rc == 0 && out == json_string_value(v));
		/* jansson refuses \u0000 by default: the C string is the value */
		FUZZ_CHECK(strlen(out) == json_string_length(v));
		rc = rpc_param_str(params, key, true, &out2, NULL, 0);
		FUZZ_CHECK(rc == 0 && out2 == out);
	} else {
		FUZZ_CHECK(rc == RPC_INVALID_PARAMS && out == NULL);
		FUZZ_CHECK(fuzz_is_cstr(msg, sizeof(msg), true));
	}
	return out;
}

/* rpc_param_int agrees with a direct look at params. */
static void param_int(const json_t *params, const char *key, long long min, long long max)
{
	const json_t *v = json_object_get(params, key);
	long long out = 0x5a5a;
	char msg[128];
	int rc;

	memset(msg, 0x5a, sizeof(msg));
	rc = rpc_param_int(params, key, false, min, max, &out, msg, sizeof(msg));
	if (v == NULL) {
		FUZZ_CHECK(rc == 0 && out == 0x5a5a);
		FUZZ_CHECK(rpc_param_int(params, key, true, min, max, &out, NULL, 0) ==
			   RPC_INVALID_PARAMS);
	} else if (json_is_integer(v) && json_integer_value(v) >= min &&
		   json_integer_value(v) <= max) {
		FUZZ_CHECK(rc == 0 && out == json_integer_value(v));
	} else {
		FUZZ_CHECK(rc == RPC_INVALID_PARAMS && out == 0x5a5a);
		FUZZ_CHECK(fuzz_is_cstr(msg, sizeof(msg), true));
	}
}

/* rpc_params_only agrees with a direct look at params; returns its rc and
 * leaves its message in msg. */
static int params_only(const json_t *params, const char *const *keys, char *msg, size_t len)
{
	const char *k;
	json_t *v;
	bool ok = true;
	int rc;

	json_object_foreach((json_t *)params, k, v) {
		const char *const *p;

		for (p = keys; *p && strcmp(*p, k) != 0; p++)
			;
		ok = ok && *p != NULL;
	}
	memset(msg, 0x5a, len);
	rc = rpc_params_only(params, keys, msg, len);
	FUZZ_CHECK(rc == (ok ? 0 : RPC_INVALID_PARAMS));
	if (rc)
		FUZZ_CHECK(fuzz_is_cstr(msg, len, true));
	return rc;
}

/* Error response for a failed accessor, as api_rpc_fail builds it. */
static void fail_params(const struct rpc_request *req, const char *msg)
{
	check_message(rpc_error(req->id, RPC_INVALID_PARAMS, msg, NULL), EXPECT_ERROR,
		      req->id, RPC_INVALID_PARAMS, "params-msg-utf8");
}

/* Error response for a failed operation, as api_fail / api_op_done. */
static void fail_errno(const struct rpc_request *req, int err, const char *reason)
{
	json_t *resp = rpc_errno(req->id, err, reason);
	json_t *e = json_object_get(resp, "error");

	FUZZ_CHECK(json_is_object(e));
	FUZZ_CHECK(json_integer_value(json_object_get(e, "code")) == hpd_errno_to_rpc(err));
	check_message(resp, EXPECT_ERROR, req->id, 0, "errno-msg-utf8");
}

/* attach: hpd_devargs_check first (api-hotplug.c), then api_submit. */
static void do_attach(const struct rpc_request *req)
{
	static const char *const allowed[] = {"devargs", NULL};
	const char *devargs;
	char reason[160], msg[128], name[64];
	int rc;

	devargs = json_string_value(json_object_get(req->params, "devargs"));
	if (devargs && (rc = hpd_devargs_check(devargs, reason, sizeof(reason))) != 0) {
		fail_errno(req, -rc, reason);
		return;
	}
	if (params_only(req->params, allowed, msg, sizeof(msg))) {
		fail_params(req, msg);
		return;
	}
	if (rpc_param_str(req->params, "devargs", true, &devargs, msg, sizeof(msg))) {
		fail_params(req, msg);
		return;
	}
	/* here the devargs were checked: the engine's name must exist */
	FUZZ_CHECK(devargs != NULL);
	FUZZ_CHECK(hpd_devargs_name(devargs, name, sizeof(name)) == 0);
	check_message(rpc_result(req->id, json_pack("{s:s, s:f, s:i, s:i}", "name", name,
			"duration_ms", 1.5, "members", 2, "port", 0)),
		      EXPECT_RESULT, req->id, 0, NULL);
	/* the event every subscriber gets */
	check_message(rpc_notification("device.attached", json_pack("{s:s, s:s}",
			"name", name, "devargs", devargs)), EXPECT_NOTIFICATION, NULL, 0, NULL);
	/* and the failure as api_op_done reports it */
	snprintf(reason, sizeof(reason), "device %s is already attached", name);
	fail_errno(req, EEXIST, reason);
}

/* detach/start/stop: api_submit("device"), then the engine's devref parse. */
static void do_device(const struct rpc_request *req)
{
	static const char *const allowed[] = {"device", NULL};
	char reason[HPD_REASON_MAX + 1], msg[128];
	struct hpd_devref ref;
	const char *arg;
	int rc;

	if (params_only(req->params, allowed, msg, sizeof(msg))) {
		fail_params(req, msg);
		return;
	}
	if (rpc_param_str(req->params, "device", true, &arg, msg, sizeof(msg))) {
		fail_params(req, msg);
		return;
	}
	rc = hpd_devref_parse(arg, &ref, reason, sizeof(reason));
	if (rc) {
		fail_errno(req, -rc, reason);
		return;
	}
	if (ref.kind == HPD_DEVREF_PORT)
		snprintf(reason, sizeof(reason), "port %u is already started", ref.port);
	else
		snprintf(reason, sizeof(reason), "no device %s is attached", ref.name);
	fail_errno(req, ENODEV, reason);
	check_message(rpc_result(req->id, json_pack("{s:s, s:f, s:i}", "name",
			ref.kind == HPD_DEVREF_NAME ? ref.name : "port",
			"duration_ms", 0.25, "members", 1)),
		      EXPECT_RESULT, req->id, 0, NULL);
}

/* list/ps/status/subscribe: no parameters at all. */
static void do_noparams(const struct rpc_request *req)
{
	static const char *const none[] = {NULL};
	char msg[128];

	if (params_only(req->params, none, msg, sizeof(msg))) {
		fail_params(req, msg);
		return;
	}
	check_message(rpc_result(req->id, json_pack("{s:[]}", "ports")), EXPECT_RESULT,
		      req->id, 0, NULL);
}

static const struct {
	const char *name;
	void (*handler)(const struct rpc_request *req);
} methods[] = {
	{"list", do_noparams},   {"ps", do_noparams},     {"status", do_noparams},
	{"subscribe", do_noparams}, {"attach", do_attach}, {"detach", do_device},
	{"start", do_device},    {"stop", do_device},
};

static void dispatch(const struct rpc_request *req, size_t linelen)
{
	static const char *const both[] = {"devargs", "device", NULL};
	const char *s;
	char msg[128];
	size_t i;

	/* The accessors on their own, whatever the method. */
	if (params_only(req->params, both, msg, sizeof(msg)))
		fail_params(req, msg);
	param_int(req->params, "port", 0, 65535);
	param_int(req->params, "timeout_ms", -1, 1LL << 40);
	s = param_str(req->params, "devargs");
	if (s) {
		fuzz_check_devargs(s);
		/* rpc_errno must carry any reason, e.g. a driver's message
		 * quoting the user's devargs; the errno varies with the input */
		fail_errno(req, (int)(linelen % 140), s);
	}
	s = param_str(req->params, "device");
	if (s)
		fuzz_check_devargs(s);

	for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
		if (strcmp(methods[i].name, req->method) == 0) {
			methods[i].handler(req);
			return;
		}
	}
	/* as api_dispatch words it */
	snprintf(msg, 96, "unknown method \"%.48s\"", req->method);
	check_message(rpc_error(req->id, RPC_METHOD_NOT_FOUND, msg, NULL), EXPECT_ERROR,
		      req->id, RPC_METHOD_NOT_FOUND, "method-msg-utf8");
}

static void handle_line(const uint8_t *data, size_t len)
{
	struct rpc_request req;
	char msg[160];
	char *line;
	int code;

	/* exactly len bytes, no NUL: rpc_decode must honour len */
	line = malloc(len ? len : 1);
	if (line == NULL)
		return;
	memcpy(line, data, len);
	memset(msg, 0x5a, sizeof(msg));
	code = rpc_decode(line, len, &req, msg, sizeof(msg));
	if (code) {
		FUZZ_CHECK(code == RPC_PARSE_ERROR || code == RPC_INVALID_REQUEST ||
			   code == RPC_INVALID_PARAMS);
		FUZZ_CHECK(fuzz_is_cstr(msg, sizeof(msg), true));
		if (code == RPC_PARSE_ERROR)
			FUZZ_CHECK(req.root == NULL && req.id == NULL);
		else
			FUZZ_CHECK(req.root != NULL);
		if (code == RPC_INVALID_PARAMS)
			FUZZ_CHECK(req.method != NULL && *req.method);
		if (req.id)
			FUZZ_CHECK(valid_id(req.id) &&
				   req.id == json_object_get(req.root, "id"));
		/* api_handle_line: errors are answered even without an id */
		check_message(rpc_error(req.id, code, msg, NULL), EXPECT_ERROR, req.id, code,
			      "decode-msg-utf8");
	} else {
		const json_t *v = json_object_get(req.root, "jsonrpc");

		FUZZ_CHECK(json_is_object(req.root));
		FUZZ_CHECK(json_is_string(v) && strcmp(json_string_value(v), "2.0") == 0);
		FUZZ_CHECK(req.method != NULL && *req.method);
		FUZZ_CHECK(req.method == json_string_value(json_object_get(req.root, "method")));
		FUZZ_CHECK(json_is_object(req.params));
		FUZZ_CHECK(req.params == json_object_get(req.root, "params"));
		FUZZ_CHECK(req.id == json_object_get(req.root, "id"));
		if (req.id)
			FUZZ_CHECK(valid_id(req.id));
		dispatch(&req, len);
		/* nothing above may have kept or dropped a reference */
		FUZZ_CHECK(req.root->refcount == 1);
	}
	rpc_request_free(&req);
	FUZZ_CHECK(req.root == NULL && req.id == NULL && req.method == NULL &&
		   req.params == NULL);
	free(line);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p = data, *end = data + size;

	while (p < end) {
		const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = (size_t)((nl ? nl : end) - p);
		size_t blank = 0;

		/* control.c: a line over the limit closes the connection */
		if (len > HPD_REQUEST_MAX)
			break;
		while (blank < len && (p[blank] == ' ' || p[blank] == '\t' || p[blank] == '\r'))
			blank++;
		if (blank != len)
			handle_line(p, len);
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	return 0;
}
