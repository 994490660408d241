/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Blocking JSON-RPC client for one control socket: hpctl's. (A secondary
 * catches up from the shared port table, and relays with relay.c's own
 * non-blocking connection.)
 */
#ifndef HPD_CLIENT_H
#define HPD_CLIENT_H

#include <jansson.h>

struct hpd_client {
	int fd;
	long long next_id;
	char *buf;
	size_t len, cap;
};

/* 0 or -errno (-ENOENT, -ECONNREFUSED, -ETIMEDOUT ...). */
int hpd_client_connect(struct hpd_client *c, const char *path, int timeout_ms);
void hpd_client_close(struct hpd_client *c);
/*
 * Send one request (params stolen, may be NULL) and wait for its response,
 * skipping notifications. *resp is the whole response object: the caller
 * looks at "result" or "error". 0 or -errno for transport failures.
 */
int hpd_client_call(struct hpd_client *c, const char *method, json_t *params,
		    int timeout_ms, json_t **resp);
/* Next message of any kind (response or notification); timeout_ms < 0
 * waits forever. 0, -ETIMEDOUT, -ECONNRESET (peer closed) or -errno. */
int hpd_client_read(struct hpd_client *c, int timeout_ms, json_t **msg);
int hpd_client_send(struct hpd_client *c, const json_t *msg);

#endif
