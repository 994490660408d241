/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "errname.h"
#include "jsonrpc.h"
#include "wire.h"

static int decode(const char *s, struct rpc_request *r)
{
	char msg[128];

	return rpc_decode(s, strlen(s), r, msg, sizeof(msg));
}

int main(void)
{
	struct rpc_request r;
	const char *out;
	long long v;
	char msg[128], *enc;
	size_t len;
	json_t *m;

	CHECK(decode("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"list\"}", &r) == 0);
	CHECK_STR(r.method, "list");
	CHECK(json_is_object(r.params) && json_object_size(r.params) == 0);
	CHECK(json_integer_value(r.id) == 1);
	rpc_request_free(&r);

	CHECK(decode("{\"jsonrpc\":\"2.0\",\"method\":\"x\"}", &r) == 0 && r.id == NULL);
	rpc_request_free(&r);
	CHECK(decode("{\"jsonrpc\":\"2.0\",\"id\":null,\"method\":\"x\",\"params\":null}", &r) == 0);
	rpc_request_free(&r);

	CHECK(decode("{", &r) == RPC_PARSE_ERROR);
	rpc_request_free(&r);
	CHECK(decode("[]", &r) == RPC_INVALID_REQUEST);
	rpc_request_free(&r);
	CHECK(decode("42", &r) == RPC_INVALID_REQUEST);
	rpc_request_free(&r);
	CHECK(decode("{\"jsonrpc\":\"2.0\",\"id\":[1],\"method\":\"x\"}", &r) == RPC_INVALID_REQUEST);
	rpc_request_free(&r);
	/* an invalid request whose id was readable keeps it for the answer */
	CHECK(decode("{\"jsonrpc\":\"1.0\",\"id\":7,\"method\":\"x\"}", &r) == RPC_INVALID_REQUEST);
	CHECK(json_integer_value(r.id) == 7);
	rpc_request_free(&r);
	CHECK(decode("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"x\",\"params\":[1]}", &r) ==
	      RPC_INVALID_PARAMS);
	rpc_request_free(&r);
	CHECK(decode("{\"jsonrpc\":\"2.0\",\"id\":1,\"id\":2,\"method\":\"x\"}", &r) ==
	      RPC_PARSE_ERROR);
	rpc_request_free(&r);

	/* params */
	CHECK(decode("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"x\",\"params\":"
		     "{\"devargs\":\"net_null0\",\"n\":5,\"s\":\"str\"}}", &r) == 0);
	CHECK(rpc_param_str(r.params, "devargs", true, &out, msg, sizeof(msg)) == 0);
	CHECK_STR(out, "net_null0");
	CHECK(rpc_param_str(r.params, "n", true, &out, msg, sizeof(msg)) == RPC_INVALID_PARAMS);
	CHECK(strstr(msg, "\"n\" must be a string") != NULL);
	CHECK(rpc_param_str(r.params, "absent", false, &out, msg, sizeof(msg)) == 0 && !out);
	CHECK(rpc_param_str(r.params, "absent", true, &out, msg, sizeof(msg)) == RPC_INVALID_PARAMS);
	CHECK(rpc_param_int(r.params, "n", true, 0, 10, &v, msg, sizeof(msg)) == 0 && v == 5);
	CHECK(rpc_param_int(r.params, "n", true, 0, 4, &v, msg, sizeof(msg)) == RPC_INVALID_PARAMS);
	CHECK(rpc_param_int(r.params, "s", true, 0, 4, &v, msg, sizeof(msg)) == RPC_INVALID_PARAMS);
	{
		const char *const ok[] = {"devargs", "n", "s", NULL};
		const char *const few[] = {"devargs", NULL};

		CHECK(rpc_params_only(r.params, ok, msg, sizeof(msg)) == 0);
		CHECK(rpc_params_only(r.params, few, msg, sizeof(msg)) == RPC_INVALID_PARAMS);
	}
	rpc_request_free(&r);

	/* building answers */
	m = rpc_errno(json_integer(3), -EEXIST, "device x is already attached");
	enc = rpc_encode(m, &len);
	CHECK(enc[len - 1] == '\n' && strchr(enc, '\n') == enc + len - 1);
	CHECK(strstr(enc, "\"code\":-32003") != NULL);
	CHECK(strstr(enc, "\"errno\":\"EEXIST\"") != NULL);
	CHECK(strstr(enc, "\"id\":3") != NULL);
	free(enc);
	json_decref(m);

	/* found by fuzzing: a message cut inside a UTF-8 character must not
	 * lose the required "message" member */
	m = rpc_error(NULL, RPC_PARSE_ERROR, "near '\"\\u0\xc3'", NULL);
	CHECK(json_is_string(json_object_get(json_object_get(m, "error"), "message")));
	CHECK_STR(json_string_value(json_object_get(json_object_get(m, "error"), "message")),
		  "near '\"\\u0?'");
	json_decref(m);
	m = rpc_errno(NULL, -ENOENT, "caf\xc3\xa9 \xff\xfe ok");
	CHECK_STR(json_string_value(json_object_get(json_object_get(json_object_get(m, "error"),
		  "data"), "reason")), "caf\xc3\xa9 ?? ok");
	json_decref(m);

	CHECK_STR(hpd_errname(ENOENT), "ENOENT");
	CHECK_STR(hpd_errname(-ETIMEDOUT), "ETIMEDOUT");
	CHECK_STR(hpd_errname(4000), "E4000");
	CHECK(hpd_errno_to_rpc(EPERM) == HPD_E_DENIED);
	CHECK(hpd_errno_to_rpc(-ENAMETOOLONG) == HPD_E_LIMIT);
	CHECK(hpd_errno_to_rpc(EIO) == HPD_E_FAILED);
	CHECK_DONE();
}
