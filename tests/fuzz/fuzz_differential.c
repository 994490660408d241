/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Differential libFuzzer target: the project's policy against DPDK's own
 * parser (rte_devargs_parse, rte_kvargs). The same input goes to the
 * policy, once through the daemon's canonical parse (src/daemon/devspec.c,
 * DPDK's) and once through the pure plain-form reader (hpd_devspec_plain),
 * and, independently, to rte_devargs_parse. Whenever the policy allows a
 * device, DPDK must read the very device the policy judged: the same bus,
 * no class, the same name, the same arguments in the same order, and, on
 * the vdev bus, a driver the policy allowed (DPDK probes the first driver
 * whose name or alias prefixes the device name).
 *
 * No EAL is started: the driver plugins are loaded as the EAL would
 * (dlopen of every plugin in the PMD directory), which is all
 * rte_devargs_parse needs to know their names.
 */
#include <dirent.h>
#include <dlfcn.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rte_bus.h>
#include <rte_devargs.h>
#include <rte_kvargs.h>

#include "devspec.h"
#include "fuzz_common.h"
#include "policy.h"

#ifndef HPD_PMD_DIR
#define HPD_PMD_DIR "/usr/lib/x86_64-linux-gnu/dpdk/pmds-23.0"
#endif

static struct hpd_policy builtin, wide;
static char dir[PATH_MAX], sockets[PATH_MAX + 16];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *pmds = getenv("HPD_PMD_DIR") ? getenv("HPD_PMD_DIR") : HPD_PMD_DIR;
	DIR *d = opendir(pmds);
	struct dirent *e;
	char path[512];
	unsigned loaded = 0;

	(void)argc, (void)argv;
	if (d == NULL) {
		fprintf(stderr, "fuzz_differential: no PMD directory %s (set HPD_PMD_DIR)\n", pmds);
		abort();
	}
	while ((e = readdir(d)) != NULL) {
		size_t n = strlen(e->d_name);

		/* the unversioned names only, like the EAL's plugin scan */
		if (n < 4 || strcmp(e->d_name + n - 3, ".so") != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", pmds, e->d_name);
		loaded += dlopen(path, RTLD_NOW) != NULL;
	}
	closedir(d);
	if (loaded == 0)
		abort();
	/* run.sh: TMPDIR is inside the target's build directory */
	snprintf(dir, sizeof(dir), "%s/hpd-fuzz-diff-XXXXXX",
		 getenv("TMPDIR") && *getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(dir) == NULL)
		abort();
	snprintf(sockets, sizeof(sockets), "%s/sockets", dir);
	mkdir(sockets, 0755);
	if (chdir(dir) != 0)
		abort();
	policy_default(&builtin, sockets, NULL);
	policy_default(&wide, sockets, dir); /* the console's: more is allowed */
	return 0;
}

/* DPDK's reading of s, independently of devspec.c. */
struct dpdk_view {
	bool ok;
	char bus[32], name[64];
	bool cls;
	unsigned nargs;
	struct devspec_arg args[RTE_KVARGS_MAX];
	bool args_ok;
};

static void dpdk_view(const char *s, struct dpdk_view *v)
{
	struct rte_devargs da;

	memset(v, 0, sizeof(*v));
	memset(&da, 0, sizeof(da));
	if (rte_devargs_parse(&da, s) != 0) {
		rte_devargs_reset(&da);
		return;
	}
	v->ok = true;
	v->cls = da.cls != NULL;
	snprintf(v->bus, sizeof(v->bus), "%s", da.bus ? rte_bus_name(da.bus) : "");
	snprintf(v->name, sizeof(v->name), "%s", da.name);
	v->args_ok = true;
	if (da.drv_str && *da.drv_str) {
		struct rte_kvargs *kv = rte_kvargs_parse(da.drv_str, NULL);

		v->args_ok = kv != NULL;
		for (unsigned i = 0; kv && i < kv->count; i++) {
			struct devspec_arg *a = &v->args[v->nargs++];

			snprintf(a->key, sizeof(a->key), "%s", kv->pairs[i].key);
			a->has_value = kv->pairs[i].value != NULL;
			snprintf(a->value, sizeof(a->value), "%s",
				 a->has_value ? kv->pairs[i].value : "");
		}
		rte_kvargs_free(kv);
	}
	rte_devargs_reset(&da);
}

/* Is name[0..n) the whole of a vdev driver name or alias? The parse of a
 * bare string succeeds on the vdev bus exactly when one prefixes it. */
static bool vdev_knows(const char *name, size_t n)
{
	char s[64];
	struct dpdk_view v;

	snprintf(s, sizeof(s), "%.*s", (int)n, name);
	if (hpd_devargs_layered(s)) /* DPDK's own parse would crash on "bus" */
		return false;
	dpdk_view(s, &v);
	return v.ok && strcmp(v.bus, "vdev") == 0;
}

/* DPDK reads the device spec describes: bus, no class, name, arguments. */
static void same_reading(const struct hpd_devspec *spec, const struct dpdk_view *v)
{
	FUZZ_CHECK(v->ok && !v->cls && v->args_ok);
	FUZZ_CHECK(strcmp(v->bus, spec->bus) == 0);
	FUZZ_CHECK(strcmp(v->name, spec->name) == 0);
	FUZZ_CHECK(v->nargs == spec->nargs);
	for (unsigned i = 0; i < v->nargs; i++) {
		FUZZ_CHECK(strcmp(v->args[i].key, spec->args[i].key) == 0);
		FUZZ_CHECK(v->args[i].has_value == spec->args[i].has_value);
		FUZZ_CHECK(strcmp(v->args[i].value, spec->args[i].value) == 0);
	}
}

/* An allowed device: DPDK reads it so, and probes a driver p allowed. */
static void same_device(const struct hpd_policy *p, const struct hpd_devspec *spec,
			const struct dpdk_view *v)
{
	const char *alias = NULL;

	same_reading(spec, v);
	if (strcmp(spec->bus, "vdev") != 0)
		return;
	FUZZ_CHECK(policy_driver_of(p, spec->name, &alias) != NULL && alias != NULL);
	/* what DPDK matches: no shorter driver name or alias prefixes the
	 * name, and the one the policy judged does */
	for (size_t k = 1; k < strlen(alias); k++)
		FUZZ_CHECK(!vdev_knows(spec->name, k));
	FUZZ_CHECK(vdev_knows(spec->name, strlen(alias)));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const routes[] = {"eth0", NULL};
	const struct hpd_policy *const policies[] = {&builtin, &wide};
	char s[HPD_DEVARGS_MAX + 1], reason[512];
	struct hpd_devspec canon, plain;
	struct dpdk_view v;
	int crc, prc;

	if (size > HPD_DEVARGS_MAX || memchr(data, '\0', size))
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	crc = devspec_parse(s, &canon, reason, sizeof(reason));
	prc = hpd_devspec_plain(s, &plain, reason, sizeof(reason));
	/* both refuse layered forms, the only ones DPDK's parse crashes on
	 * ("bus" alone): DPDK reads the rest */
	if (crc && prc)
		return 0;
	FUZZ_CHECK(!hpd_devargs_layered(s));
	dpdk_view(s, &v);
	if (crc == 0) /* the canonical parse is DPDK's reading, always */
		same_reading(&canon, &v);
	for (unsigned i = 0; i < 2; i++) {
		if (crc == 0 && policy_check_spec(policies[i], &canon, routes, reason,
						  sizeof(reason)) == 0)
			same_device(policies[i], &canon, &v);
		if (prc == 0 && policy_check_spec(policies[i], &plain, routes, reason,
						  sizeof(reason)) == 0)
			same_device(policies[i], &plain, &v);
	}
	return 0;
}
