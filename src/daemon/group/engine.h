/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The primary's hotplug engine. Operations are queued and run one at a time
 * in arrival order, whichever process they came from; that single queue is
 * what makes a duplicate attach race-free (the second one finds the device
 * and gets EEXIST). Each operation is a chain of phases; a phase that needs
 * the group is a "round": one rte_mp broadcast, then acks from every member
 * collected against a deadline; one that runs in this process only is a
 * "local step", on the device-job thread. The loop never blocks on a member.
 * Each operation's chain of phases is drawn in engine.c above its code.
 */
#ifndef HPD_ENGINE_H
#define HPD_ENGINE_H

#include <stdbool.h>
#include <sys/types.h>
#include <time.h>

#include <jansson.h>

#include "wire.h"

struct event_base;

/* OP_REMOVAL: the kernel is taking a device away (physical.c): a detach
 * that cannot be refused by the device and is not rolled back. */
enum op_kind { OP_ATTACH, OP_DETACH, OP_START, OP_STOP, OP_CONFIGURE, OP_REMOVAL };

/* Who asked: the control-socket peer, and the member that relayed it. */
struct op_origin {
	pid_t pid;
	uid_t uid;
	gid_t gid;
	char comm[17];
	pid_t via;          /* relaying secondary, or 0 */
	json_t *request_id; /* borrowed by submit, kept (incref) by the engine */
	const char *signal; /* the kernel's signal of a removal or arrival (static) */
	struct timespec t0; /* when that signal arrived (zero: at submit) */
};

struct op_result {
	int rc;                          /* 0 or negative errno */
	char reason[HPD_REASON_MAX + 192];
	char name[HPD_NAME_MAX + 1];     /* device name */
	int port;                        /* -1 when none */
	pid_t member;                    /* member that failed, or 0 */
	char member_name[HPD_NAME_MAX + 1];
	bool rolled_back;
	unsigned members;                /* members the operation reached */
	unsigned fenced;                 /* members fenced while it ran */
	struct {                         /* the first of them */
		pid_t pid;
		char name[64];
		char why[96];
	} fenced_member[4];
	double ms;                       /* duration, queueing included */
	double quiesce_ms;               /* of which: waiting for workers */
	int persisted;                   /* 1 on disk, 0 not (persist_reason), -1 no state */
	char persist_reason[HPD_REASON_MAX + 192];
};

typedef void (*op_done_t)(const struct op_result *res, void *arg);

void engine_init(struct event_base *base);
void engine_fini(void);
/* Queue an operation; done() is called exactly once, from the loop. */
void engine_submit(enum op_kind kind, const char *arg, const struct op_origin *origin,
		   op_done_t done, void *arg_);
/* start / configure with a port configuration object (common/portconf.h),
 * borrowed: merged onto the port's own once the device is resolved. */
void engine_submit_config(enum op_kind kind, const char *arg, json_t *config,
			  const struct op_origin *origin, op_done_t done, void *arg_);
/* Called after every successful change, before it is answered: commit
 * it (the state file) and call done(arg) once it is. */
typedef void (*engine_commit_t)(void (*done)(void *arg), void *arg);
/* And whether the last commit is on disk: 1 yes; 0 no (err and reason say
 * why: the answer then says persisted: false, or --require-state refuses);
 * -1 nothing to commit to. */
typedef int (*engine_outcome_t)(int *err, char *reason, size_t len);
void engine_on_commit(engine_commit_t fn, engine_outcome_t outcome);
unsigned engine_queued(void);
const char *op_kind_name(enum op_kind k);

#endif
