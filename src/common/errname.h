/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef HPD_ERRNAME_H
#define HPD_ERRNAME_H

/* "EEXIST" for EEXIST; "E<number>" for anything unknown. Never NULL. */
const char *hpd_errname(int err);
/* Map an errno to the JSON-RPC error code documented in wire.h. */
int hpd_errno_to_rpc(int err);

#endif
