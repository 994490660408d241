/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Everything that crosses a process boundary, in one place: the JSON-RPC
 * error codes of the control socket and the binary messages hotplugd members
 * exchange over the DPDK multi-process (rte_mp) channel. docs/protocol.md is
 * the prose version of this file; change both together.
 */
#ifndef HPD_WIRE_H
#define HPD_WIRE_H

#include <stdint.h>

/* DPDK 22.11 truncates hotplug devargs to 128 bytes including the NUL
 * (EAL_DEV_MP_DEV_ARGS_MAX_LEN); we refuse longer ones instead. */
#define HPD_DEVARGS_MAX 127
#define HPD_NAME_MAX 63
#define HPD_REASON_MAX 191

/* Control socket limits (see docs/protocol.md "Limits"). */
#define HPD_REQUEST_MAX (64 * 1024)

/* JSON-RPC 2.0 standard codes. */
#define RPC_PARSE_ERROR -32700
#define RPC_INVALID_REQUEST -32600
#define RPC_METHOD_NOT_FOUND -32601
#define RPC_INVALID_PARAMS -32602
#define RPC_INTERNAL_ERROR -32603

/* hotplugd codes, in the implementation-defined server range. Every one
 * carries data.errno (the errno name) and data.reason (the real cause). */
#define HPD_E_FAILED -32000     /* the operation failed (driver/EAL reason) */
#define HPD_E_DENIED -32001     /* EPERM: access control or devargs policy */
#define HPD_E_NOENT -32002      /* ENOENT/ENODEV: no such device */
#define HPD_E_EXISTS -32003     /* EEXIST: device already attached */
#define HPD_E_LIMIT -32004      /* E2BIG/ENAMETOOLONG/EMFILE: a limit was hit */
#define HPD_E_MEMBER -32005     /* a member failed or did not answer; rolled back */
#define HPD_E_UNAVAILABLE -32006 /* ECONNREFUSED/ESHUTDOWN: primary unreachable */

/* ---- rte_mp actions ---------------------------------------------------- */

/* primary -> every secondary (broadcast with rte_mp_sendmsg) */
#define HPD_MP_TO_MEMBERS "hpd_member"
/* secondary -> primary (rte_mp_sendmsg): acks and leave notices */
#define HPD_MP_TO_PRIMARY "hpd_primary"
/* secondary -> primary (rte_mp_request_sync): join the group */
#define HPD_MP_JOIN "hpd_join"

#define HPD_MP_MAGIC 0x48504434u /* "HPD4": bump on incompatible change
				  * (of these messages or of the shared port table
				  * in src/member/ports.h) */

enum hpd_mp_type {
	HPD_MP_PING = 1,   /* are you there?  ack rc = 0 */
	HPD_MP_ATTACH,     /* make devargs attached locally (idempotent) */
	HPD_MP_DETACH,     /* make device name detached locally (idempotent) */
	HPD_MP_ACK,        /* member -> primary: result of seq */
	HPD_MP_LEAVE,      /* member -> primary: I am stopping */
	HPD_MP_JOIN_REQ,   /* member -> primary; h.flags: HPD_JOIN_* */
	HPD_MP_JOIN_REP,   /* primary -> member */
	/* 8 was FENCED, never sent: the numbers stay as they are on the wire */
	HPD_MP_QUIESCE = 9, /* primary -> members: stop polling port u.arg (a
			    * number) and confirm no worker is inside a burst */
	HPD_MP_RECEIVED,   /* member -> primary: got seq (sent by the mp thread,
			    * so it proves the process runs; the ACK follows
			    * once the work is done) */
	HPD_MP_CLAIM,      /* member -> primary (request on hpd_join): claim the
			    * queues rule u.arg names; reply CLAIM_REP */
	HPD_MP_RELEASE,    /* member -> primary (request on hpd_join): release
			    * claim u.arg (decimal id, "0": all) */
	HPD_MP_CLAIM_REP,  /* primary -> member: h.rc, and h.seq the claim id
			    * (CLAIM) or u.reason (a refusal: the holder) */
	HPD_MP_TYPES,      /* the count, for tables indexed by type */
};

/* JOIN_REQ flags */
#define HPD_JOIN_NO_SOCKET 0x1 /* a library member: no control socket */

struct hpd_mp_hdr {
	uint32_t magic;
	uint16_t type;
	uint16_t flags;
	uint64_t seq;  /* operation sequence number; acks echo it */
	int32_t pid;   /* sender */
	int32_t rc;    /* ACK: 0 or a negative errno */
};

/* One union sized to fit RTE_MP_MAX_PARAM_LEN (256). */
struct hpd_mp_msg {
	struct hpd_mp_hdr h;
	union {
		/* ATTACH: devargs; DETACH: device name */
		char arg[HPD_DEVARGS_MAX + 1];
		/* ACK: why it failed, the driver's own words */
		char reason[HPD_REASON_MAX + 1];
		/* JOIN_REQ: member name; JOIN_REP: primary pid in h.pid, or a
		 * refusal's reason in reason */
		char name[HPD_NAME_MAX + 1];
		/* JOIN_REQ: the name, then the DPDK the member runs (its
		 * rte_version()): every process of a group must run the same */
		struct {
			char name[HPD_NAME_MAX + 1];
			char dpdk[HPD_NAME_MAX + 1];
		} join;
	} u;
} __attribute__((packed));

_Static_assert(sizeof(struct hpd_mp_msg) <= 256, "must fit RTE_MP_MAX_PARAM_LEN");

#endif
