/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The metrics as DPDK telemetry endpoints, /hotplugd/...: dpdk-telemetry.py
 * and Telegraf's DPDK input read them from the process's
 * dpdk_telemetry.v2 socket. The list is in docs/operations.md.
 */
#ifndef HPD_TELEMETRY_H
#define HPD_TELEMETRY_H

/* 0 or a negative errno (DPDK refused a command). */
int telemetry_init(void);

#endif
