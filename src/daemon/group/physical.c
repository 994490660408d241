/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "dev.h"
#include "devargs.h"
#include "eal_args.h"
#include "errname.h"
#include "engine.h"
#include "events.h"
#include "gone.h"
#include "hotplugd.h"
#include "log.h"
#include "physical.h"
#include "uevent.h"
#include "unplug.h"

#define MAX_RULES 32
#define MAX_PENDING 16

struct rule {
	char addr[HPD_PCI_ADDR_LEN]; /* or "" */
	char id[10];                 /* "8086:100e", or "" */
	char args[HPD_DEVARGS_MAX + 1]; /* ",key=value..." after the address */
	char driver[32];
	bool start;
};
static struct rule rules[MAX_RULES];
static unsigned nrules;

/* Removals queued or running: a second signal for the same device (vfio's
 * request, then the unbind uevent) adds nothing. */
static char pending[MAX_PENDING][HPD_NAME_MAX + 1];

static bool pending_has(const char *name)
{
	for (unsigned i = 0; i < MAX_PENDING; i++)
		if (strcmp(pending[i], name) == 0)
			return true;
	return false;
}

static char *pending_slot(const char *name)
{
	for (unsigned i = 0; i < MAX_PENDING; i++)
		if (pending[i][0] == '\0') {
			snprintf(pending[i], sizeof(pending[i]), "%s", name);
			return pending[i];
		}
	return NULL;
}

static void removed(const struct op_result *res, void *arg)
{
	char *slot = arg;

	if (res->rc == -ENOENT)
		log_info("removal of %s: not attached any more (a detach came first)", res->name);
	else if (res->rc)
		log_err("removal of %s failed: %s", res->name, res->reason);
	else
		log_notice("%s went away: detached everywhere in %.1f ms", res->name, res->ms);
	if (slot)
		slot[0] = '\0';
}

static void on_removal(const char *name, const char *signal)
{
	struct op_origin o = {.pid = hpd.pid, .comm = "kernel", .signal = signal};
	char addr[HPD_PCI_ADDR_LEN];
	char *slot;

	if (hpd_pci_addr_canon(name, addr))
		name = addr;
	if (pending_has(name)) {
		log_debug("%s: %s, its removal is already under way", name, signal);
		return;
	}
	/* dev_exists reads DPDK's device list, which only the device-job
	 * thread changes: a stale answer costs a queued op that finds
	 * nothing, never a missed removal */
	if (!dev_exists(name)) {
		log_debug("%s: %s for a device the group does not hold", name, signal);
		return;
	}
	log_notice("%s is going away (%s): detaching it everywhere", name, signal);
	clock_gettime(CLOCK_MONOTONIC, &o.t0);
	slot = pending_slot(name);
	engine_submit(OP_REMOVAL, name, &o, removed, slot);
}

/* ---- arrival ----------------------------------------------------------- */

struct arrival {
	char devargs[HPD_DEVARGS_MAX + 1];
	char name[HPD_NAME_MAX + 1];
	char driver[32];
	bool start, restored;
	json_t *config; /* restored: the port's, as it was (owned) */
	struct timespec t0;
	int port;
};

static void arrived(struct arrival *a, const struct op_result *res)
{
	json_t *d;
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	d = json_pack("{s:s, s:s, s:s, s:b, s:f}", "device", a->name, "driver", a->driver,
		      "signal", "uevent-bind", "restored", a->restored, "ms",
		      (now.tv_sec - a->t0.tv_sec) * 1e3 + (now.tv_nsec - a->t0.tv_nsec) / 1e6);
	if (a->port >= 0)
		json_object_set_new(d, "port", json_integer(a->port));
	if (res->rc) {
		json_object_set_new(d, "errno", json_string(hpd_errname(-res->rc)));
		json_object_set_new(d, "reason", json_string(res->reason));
		log_err("arrival of %s on %s: %s", a->name, a->driver, res->reason);
	} else {
		log_notice("%s arrived on %s: attached everywhere%s", a->name, a->driver,
			   a->start ? " and started" : "");
	}
	events_publish("device.arrived", d);
	json_decref(a->config);
	free(a);
}

static void arrival_started(const struct op_result *res, void *arg)
{
	arrived(arg, res);
}

static void arrival_attached(const struct op_result *res, void *arg)
{
	struct arrival *a = arg;
	struct op_origin o = {.pid = hpd.pid, .comm = "arrival"};

	a->port = res->port;
	if (res->rc == 0) {
		gone_forget(a->name);
		if (a->start) {
			engine_submit_config(OP_START, a->name, a->config, &o, arrival_started, a);
			return;
		}
	}
	arrived(a, res);
}

static const struct rule *rule_for(const char *addr, const char *id, const char *driver)
{
	for (unsigned i = 0; i < nrules; i++) {
		const struct rule *r = &rules[i];

		if (strcmp(r->driver, driver) != 0)
			continue;
		if ((*r->addr && strcmp(r->addr, addr) == 0) ||
		    (*r->id && id && strcasecmp(r->id, id) == 0))
			return r;
	}
	return NULL;
}

static void on_bind(const char *addr, const char *id, const char *driver)
{
	const struct rule *r = rule_for(addr, id, driver);
	const struct gone_dev *g;
	struct op_origin o = {.pid = hpd.pid, .comm = "arrival"};
	struct arrival *a;

	if (r == NULL || dev_exists(addr))
		return;
	a = calloc(1, sizeof(*a));
	if (a == NULL) {
		log_err("arrival of %s: out of memory", addr);
		return;
	}
	clock_gettime(CLOCK_MONOTONIC, &a->t0);
	snprintf(a->name, sizeof(a->name), "%s", addr);
	snprintf(a->driver, sizeof(a->driver), "%s", driver);
	a->port = -1;
	/* a device that went away comes back as it was */
	g = gone_find(addr);
	if (g) {
		snprintf(a->devargs, sizeof(a->devargs), "%s", g->devargs);
		a->start = g->started;
		a->config = portconf_json(&g->conf);
		a->restored = true;
	} else {
		int n = snprintf(a->devargs, sizeof(a->devargs), "%s%s", addr, r->args);

		if (n < 0 || (size_t)n >= sizeof(a->devargs)) {
			log_err("arrival of %s: devargs %s%s over %d bytes; not attached", addr,
				addr, r->args, HPD_DEVARGS_MAX);
			free(a);
			return;
		}
		a->start = r->start;
	}
	log_notice("%s bound to %s: attaching it (%s)", addr, driver,
		   a->restored ? "as it was before it went away" : "arrival rule");
	engine_submit(OP_ATTACH, a->devargs, &o, arrival_attached, a);
}

static void on_uevent(const struct hpd_uevent *ev)
{
	char addr[HPD_PCI_ADDR_LEN];

	if (!hpd_pci_addr_canon(ev->slot, addr)) {
		/* test builds inject removals of virtual devices */
		if (strcmp(ev->action, "remove") == 0)
			on_removal(ev->slot, "uevent-remove");
		return;
	}
	if (strcmp(ev->action, "remove") == 0)
		on_removal(addr, "uevent-remove");
	/* the kernel's unbind uevent has no DRIVER= (dev->driver is cleared
	 * before it is sent); the group only holds userspace-bound devices */
	else if (strcmp(ev->action, "unbind") == 0 && (!*ev->driver ||
						       eal_pci_driver_is_user(ev->driver)))
		on_removal(addr, "uevent-unbind");
	else if (strcmp(ev->action, "bind") == 0 && *ev->driver)
		on_bind(addr, ev->id, ev->driver);
}

int physical_rule_add(const char *match, const char *driver, bool start, char *reason,
		      size_t len)
{
	struct rule *r;
	size_t n = strcspn(match, ",");
	char head[HPD_NAME_MAX + 1];
	unsigned v, d;
	char tail;

	if (nrules >= MAX_RULES) {
		snprintf(reason, len, "more than %d arrival rules", MAX_RULES);
		return -EINVAL;
	}
	if (!eal_pci_driver_is_user(driver)) {
		snprintf(reason, len, "bound_to \"%s\" is not a userspace driver (vfio-pci, "
			 "uio_pci_generic, igb_uio)", driver);
		return -EINVAL;
	}
	r = &rules[nrules];
	memset(r, 0, sizeof(*r));
	snprintf(head, sizeof(head), "%.*s", (int)(n < sizeof(head) ? n : sizeof(head) - 1),
		 match);
	if (sscanf(head, "%4x:%4x%c", &v, &d, &tail) == 2 && strlen(head) == 9) {
		snprintf(r->id, sizeof(r->id), "%04x:%04x", v, d);
	} else if (!hpd_pci_addr_canon(head, r->addr)) {
		snprintf(reason, len, "arrival rule \"%s\": neither a PCI address nor a "
			 "vendor:device id", match);
		return -EINVAL;
	}
	snprintf(r->args, sizeof(r->args), "%s", match + n);
	snprintf(r->driver, sizeof(r->driver), "%s", driver);
	r->start = start;
	nrules++;
	return 0;
}

bool physical_rule_ready(const char *devargs)
{
	char addr[HPD_PCI_ADDR_LEN], head[HPD_NAME_MAX + 1], drv[64];
	size_t n = strcspn(devargs, ",");

	snprintf(head, sizeof(head), "%.*s", (int)(n < sizeof(head) ? n : sizeof(head) - 1),
		 devargs);
	if (!hpd_pci_addr_canon(head, addr) || eal_pci_driver("/sys", addr, drv, sizeof(drv)))
		return false;
	return rule_for(addr, NULL, drv) != NULL;
}

int physical_init(struct event_base *base)
{
	char inject[sizeof(hpd.paths.group) + 24];
	int rc;

	snprintf(inject, sizeof(inject), "%s/uevent-inject.sock", hpd.paths.group);
	rc = uevent_init(base, on_uevent, inject);
	if (rc)
		return rc;
	return unplug_init(true, on_removal);
}

void physical_fini(void)
{
	unplug_fini();
	uevent_fini();
}
