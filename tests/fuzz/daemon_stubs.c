/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The layers below the API, for fuzz_control: everything that would reach
 * the EAL, a driver or a member. The control socket, the request decoder,
 * the method table and every method handler above them are the daemon's
 * own, linked unchanged. Operations complete asynchronously from the loop,
 * as the engine's do, with an outcome that depends on the argument, so
 * that both the success and the error paths of every handler run.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <jansson.h>

#include "datapath.h"
#include "dev.h"
#include "devjob.h"
#include "engine.h"
#include "hotplugd.h"
#include "leases.h"
#include "members.h"
#include "queues.h"
#include "state.h"

struct pending {
	struct op_result res;
	op_done_t done;
	void *arg;
};

static unsigned queued;

static void complete(evutil_socket_t fd, short what, void *arg)
{
	struct pending *p = arg;

	(void)fd, (void)what;
	queued--;
	p->done(&p->res, p->arg);
	free(p);
}

void engine_submit_config(enum op_kind kind, const char *arg, json_t *config,
			  const struct op_origin *origin, op_done_t done, void *arg_)
{
	(void)config;
	engine_submit(kind, arg, origin, done, arg_);
}

void engine_submit(enum op_kind kind, const char *arg, const struct op_origin *origin,
		   op_done_t done, void *arg_)
{
	struct pending *p = calloc(1, sizeof(*p));

	(void)origin;
	if (p == NULL)
		abort();
	p->done = done;
	p->arg = arg_;
	snprintf(p->res.name, sizeof(p->res.name), "%s", arg);
	p->res.port = -1;
	/* attach succeeds unless the name says otherwise; the rest fail as
	 * they would on an empty group */
	if (kind == OP_ATTACH && strstr(arg, "fail") == NULL) {
		p->res.port = 0;
		p->res.members = 1;
	} else {
		p->res.rc = kind == OP_ATTACH ? -EIO : -ENOENT;
		snprintf(p->res.reason, sizeof(p->res.reason), "stub: %s %s", op_kind_name(kind),
			 arg);
		p->res.rolled_back = kind == OP_ATTACH;
	}
	queued++;
	if (event_base_once(hpd.base, -1, EV_TIMEOUT, complete, p, NULL) != 0)
		abort();
}

unsigned engine_queued(void)
{
	return queued;
}

const char *op_kind_name(enum op_kind k)
{
	static const char *const n[] = {"attach", "detach", "start", "stop", "configure"};

	return k <= OP_CONFIGURE ? n[k] : "?";
}

struct member *members_find(pid_t pid)
{
	(void)pid;
	return NULL; /* no member: an "origin" is always refused */
}

json_t *members_json(void)
{
	return json_array();
}

uint64_t dev_list_gen(void)
{
	return 1;
}

json_t *dev_list_json(void)
{
	return json_pack("[{s:i, s:s, s:s, s:s, s:s}]", "port", 0, "name", "net_null0",
			 "device", "net_null0", "devargs", "net_null0", "state", "stopped");
}

bool devjob_busy(void)
{
	return false;
}

bool datapath_enabled(void)
{
	return false;
}

json_t *datapath_port_json(uint16_t port)
{
	(void)port;
	return NULL;
}

json_t *datapath_json(void)
{
	return json_object();
}

unsigned dev_count(void)
{
	return 1;
}

unsigned members_count(void)
{
	return 0;
}

json_t *state_status(void)
{
	return json_pack("{s:n}", "file");
}

/* the EAL's version string, as rte_version() returns it */
const char *rte_version(void)
{
	return "DPDK (fuzz stub)";
}

bool state_restoring(void)
{
	return false;
}

/* The lease table: granted, refused as busy or invalid by the rule's
 * first letter, so that every path of claim and release runs. */
int leases_claim(pid_t pid, const char *rule, char *reason, size_t len, pid_t *holder)
{
	(void)pid;
	*holder = 0;
	snprintf(reason, len, "stub");
	if (rule[0] == 'q')
		return 1;
	if (rule[0] == 'b') {
		*holder = 42;
		return -EBUSY;
	}
	return -EINVAL;
}

int leases_release(pid_t pid, uint32_t claim, char *reason, size_t len)
{
	(void)pid;
	snprintf(reason, len, "stub");
	return claim > 1 ? -ENOENT : 0;
}

json_t *leases_member_json(pid_t pid)
{
	(void)pid;
	return json_array();
}

json_t *leases_json(void)
{
	return json_pack("{s:[], s:[], s:i}", "claims", "queues", "violations", 0);
}

json_t *leases_port_json(uint16_t port)
{
	(void)port;
	return json_null();
}

uint32_t queues_gen(void)
{
	return 0;
}
