/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <link.h>
#include <stdio.h>
#include <string.h>

#include "devargs.h"
#include "drvparams.h"

#define TAG "PMD_INFO_STRING= {\"name\": \""
#define PARAMS "\", \"params\": \""

struct search {
	const char *device;   /* the device name: a vdev driver's name is its prefix */
	size_t best;          /* length of the longest driver name matched */
	char driver[64];
	char params[512];
};

/* One PMD_INFO_STRING at s: keep it if its driver names the device best. */
static void consider(struct search *q, const char *s, const char *end)
{
	const char *name = s + strlen(TAG), *q1, *p, *q2;
	size_t n;

	q1 = memchr(name, '"', (size_t)(end - name));
	if (q1 == NULL)
		return;
	n = (size_t)(q1 - name);
	if (n <= q->best || n >= sizeof(q->driver) || strncmp(q->device, name, n) != 0)
		return;
	if ((size_t)(end - q1) < strlen(PARAMS) || memcmp(q1, PARAMS, strlen(PARAMS)) != 0)
		return; /* a driver without arguments has no "params" */
	p = q1 + strlen(PARAMS);
	q2 = memchr(p, '"', (size_t)(end - p));
	if (q2 == NULL || (size_t)(q2 - p) >= sizeof(q->params))
		return;
	q->best = n;
	snprintf(q->driver, sizeof(q->driver), "%.*s", (int)n, name);
	snprintf(q->params, sizeof(q->params), "%.*s", (int)(q2 - p), p);
}

static int scan(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct search *q = arg;

	(void)size;
	/* only DPDK's own libraries and driver plugins: they hold the strings,
	 * and nothing else is read (a sanitizer build poisons the gaps between
	 * its own globals) */
	if (info->dlpi_name == NULL || strstr(info->dlpi_name, "librte_") == NULL)
		return 0;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		const char *s, *end;

		/* read-only data lives in loaded, readable, not writable segments */
		if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_R) || (ph->p_flags & PF_W))
			continue;
		s = (const char *)(info->dlpi_addr + ph->p_vaddr);
		end = s + ph->p_memsz;
		while ((s = memmem(s, (size_t)(end - s), TAG, strlen(TAG))) != NULL) {
			consider(q, s, end);
			s += strlen(TAG);
		}
	}
	return 0;
}

/* Is key among "size=<int> copy=<int> no-rx=0|1"? */
static int takes(const char *params, const char *key, size_t klen)
{
	for (const char *p = params; *p;) {
		size_t n = strcspn(p, "= ");

		if (n == klen && strncmp(p, key, klen) == 0)
			return 1;
		p += strcspn(p, " ");
		p += strspn(p, " ");
	}
	return 0;
}

int drvparams_explain(const char *devargs, char *reason, size_t len)
{
	struct search q = {0};
	char name[64];
	const char *args = strchr(devargs, ',');

	if (args == NULL || hpd_devargs_name(devargs, name, sizeof(name)) != 0)
		return 0;
	q.device = name;
	dl_iterate_phdr(scan, &q);
	if (q.best == 0)
		return 0;
	for (const char *a = args + 1; *a; a += strspn(a, ",")) {
		size_t klen = strcspn(a, "=,");

		if (klen && !takes(q.params, a, klen)) {
			char keys[512];
			size_t used = 0;

			/* "size=<int> copy=<int>" -> "size, copy" */
			keys[0] = '\0';
			for (const char *p = q.params; *p;) {
				size_t n = strcspn(p, "= ");

				if (used + n + 3 > sizeof(keys))
					break;
				if (used) {
					keys[used++] = ',';
					keys[used++] = ' ';
				}
				memcpy(keys + used, p, n);
				used += n;
				keys[used] = '\0';
				p += strcspn(p, " ");
				p += strspn(p, " ");
			}
			snprintf(reason, len, "driver %s does not take the argument \"%.*s\" "
				 "(it takes: %s)", q.driver, (int)klen, a, keys);
			return -EINVAL;
		}
		a += strcspn(a, ",");
	}
	return 0;
}
