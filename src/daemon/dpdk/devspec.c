/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_bus.h>
#include <rte_devargs.h>
#include <rte_kvargs.h>

#include "devspec.h"
#include "eal_log.h"

static int refuse(char *reason, size_t len, int err, const char *fmt, const char *a,
		  const char *b)
{
	char msg[300];

	snprintf(msg, sizeof(msg), fmt, a, b);
	snprintf(reason, len, "%s%s", err == EPERM ? "policy: " : "", msg);
	return -err;
}

/* The bus legacy syntax gives s, or NULL; name gets the device name. */
static const struct rte_bus *legacy_bus(const char *s, char *name, size_t len)
{
	struct rte_devargs da;
	const struct rte_bus *bus = NULL;

	memset(&da, 0, sizeof(da));
	if (rte_devargs_parse(&da, s) == 0 && da.cls == NULL) {
		bus = da.bus;
		snprintf(name, len, "%s", da.name);
	}
	rte_devargs_reset(&da);
	return bus;
}

/*
 * The vdev bus probes the first registered driver whose name or alias
 * prefixes the device name; which one is not public, but whether any does
 * is (the parse of a prefix succeeds on the vdev bus). The shortest such
 * prefix is the only driver name or alias that can match: the policy must
 * have judged that one.
 */
static void vdev_match(const char *name, char *out, size_t len)
{
	char prefix[64], got[64];
	size_t n = strlen(name);

	*out = '\0';
	for (size_t k = 1; k <= n && k < sizeof(prefix); k++) {
		const struct rte_bus *bus;

		snprintf(prefix, sizeof(prefix), "%.*s", (int)k, name);
		if (hpd_devargs_layered(prefix)) /* "bus" alone crashes DPDK's parse */
			continue;
		bus = legacy_bus(prefix, got, sizeof(got));
		if (bus && strcmp(rte_bus_name(bus), "vdev") == 0 && strcmp(got, prefix) == 0) {
			snprintf(out, len, "%s", prefix);
			return;
		}
	}
}

static int take_args(const char *args, struct hpd_devspec *spec, char *reason, size_t len)
{
	struct rte_kvargs *kv;

	if (args == NULL || *args == '\0')
		return 0;
	/* what every driver the policy knows reads its arguments with */
	kv = rte_kvargs_parse(args, NULL);
	if (kv == NULL)
		return refuse(reason, len, EPERM, "cannot read \"%s\" as key=value pairs%s", args,
			      "");
	for (unsigned i = 0; i < kv->count && i < DEVSPEC_MAX_ARGS; i++) {
		struct devspec_arg *a = &spec->args[spec->nargs++];
		const char *v = kv->pairs[i].value;

		snprintf(a->key, sizeof(a->key), "%s", kv->pairs[i].key);
		a->has_value = v != NULL;
		snprintf(a->value, sizeof(a->value), "%s", v ? v : "");
	}
	rte_kvargs_free(kv);
	return 0;
}

int devspec_parse(const char *devargs, struct hpd_devspec *spec, char *reason, size_t len)
{
	struct rte_devargs da;
	const char *busname, *rest;
	char canon[2 * RTE_DEV_NAME_MAX_LEN + 256];
	int rc;

	memset(spec, 0, sizeof(*spec));
	if (hpd_devargs_layered(devargs))
		return refuse(reason, len, EPERM, "layered devargs (bus=, class=, driver=) are "
			      "not accepted in %s; give the plain form name[,key=value...]%s",
			      devargs, "");
	memset(&da, 0, sizeof(da));
	if (rte_devargs_parse(&da, devargs) != 0) {
		rte_devargs_reset(&da);
		return refuse(reason, len, EINVAL, "cannot parse devargs %s: no bus or driver "
			      "takes that name%s", devargs, "");
	}
	if (da.bus == NULL || da.cls != NULL) {
		rte_devargs_reset(&da);
		return refuse(reason, len, EPERM, "DPDK reads %s as a device class, not a device "
			      "of a bus%s", devargs, "");
	}
	busname = rte_bus_name(da.bus);
	rest = devargs;
	if (strncmp(rest, busname, strlen(busname)) == 0 && rest[strlen(busname)] == ':')
		rest += strlen(busname) + 1;
	snprintf(canon, sizeof(canon), "%s%s%s", da.name, da.drv_str && *da.drv_str ? "," : "",
		 da.drv_str ? da.drv_str : "");
	if (strcmp(canon, rest) != 0) {
		char why[200];

		snprintf(why, sizeof(why), "%.150s on bus %s", canon, busname);
		rte_devargs_reset(&da);
		return refuse(reason, len, EPERM, "DPDK reads %s as %s; give the plain form",
			      devargs, why);
	}
	snprintf(spec->bus, sizeof(spec->bus), "%s", busname);
	snprintf(spec->name, sizeof(spec->name), "%s", da.name);
	rc = take_args(da.drv_str, spec, reason, len);
	rte_devargs_reset(&da);
	if (rc)
		return rc;
	if (strcmp(spec->bus, "vdev") == 0) {
		/* each prefix that is no driver makes DPDK log an error:
		 * expected here, and not the user's */
		eal_log_quiet(true);
		vdev_match(spec->name, spec->match, sizeof(spec->match));
		eal_log_quiet(false);
	}
	return 0;
}
