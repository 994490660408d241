/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The primary's own device call that has outlived its deadline (a driver
 * blocked in recv() on a peer that never answers). DPDK gives no way to
 * cancel it, so the call is left to run on the device worker; meanwhile
 * every process must still get answers: the engine refuses changes at once
 * with what is recorded here, and status/ps/events show it.
 */
#ifndef HPD_STUCK_H
#define HPD_STUCK_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

/* A call ("probe", "remove", "start", "stop") of device for operation op
 * (attach, detach, ...) has not returned after timeout_ms. */
void stuck_begin(const char *call, const char *device, const char *op, int timeout_ms);
/* It returned with rc (0 or -errno); outcome says what was done with it. */
void stuck_end(int rc, const char *reason, const char *outcome);
bool stuck_active(void);
/* "probe of net_virtio_user0 (attach) has not returned for 7.2 s" */
void stuck_describe(char *buf, size_t len);
/* {call, device, operation, since, for_s}, or NULL when nothing is stuck */
json_t *stuck_json(void);

#endif
