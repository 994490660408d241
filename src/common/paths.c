/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "paths.h"

const char *hpd_default_runtime_dir(char *buf, size_t len)
{
	const char *e;

	if ((e = getenv("HOTPLUGD_RUNTIME_DIR")) && *e)
		snprintf(buf, len, "%s", e);
	else if ((e = getenv("RUNTIME_DIRECTORY")) && *e)
		/* systemd may list several, colon separated: take the first */
		snprintf(buf, len, "%.*s", (int)strcspn(e, ":"), e);
	else if (geteuid() == 0 || !(e = getenv("XDG_RUNTIME_DIR")) || !*e)
		snprintf(buf, len, "/run/hotplugd");
	else
		snprintf(buf, len, "%s/hotplugd", e);
	return buf;
}

static int fmt(char *out, size_t len, const char *f, const char *a, const char *b)
{
	int n = snprintf(out, len, f, a, b);

	return (n < 0 || (size_t)n >= len) ? -ENAMETOOLONG : 0;
}

int hpd_paths_init(struct hpd_paths *p, const char *runtime_dir, const char *prefix)
{
	char def[HPD_SUN_MAX];

	if (runtime_dir == NULL || *runtime_dir == '\0')
		runtime_dir = hpd_default_runtime_dir(def, sizeof(def));
	if (prefix == NULL || *prefix == '\0')
		prefix = HPD_DEFAULT_PREFIX;
	/* A prefix is a single path component (DPDK uses it as one too). */
	if (strchr(prefix, '/') || strcmp(prefix, ".") == 0 || strcmp(prefix, "..") == 0)
		return -EINVAL;
	if (fmt(p->runtime, sizeof(p->runtime), "%s%s", runtime_dir, "") ||
	    fmt(p->group, sizeof(p->group), "%s/%s", runtime_dir, prefix) ||
	    fmt(p->primary, sizeof(p->primary), "%s/%s", p->group, "control.sock"))
		return -ENAMETOOLONG;
	return 0;
}

int hpd_paths_member(const struct hpd_paths *p, int pid, char *out, size_t len)
{
	int n = snprintf(out, len, "%s/member.%d.sock", p->group, pid);

	return (n < 0 || (size_t)n >= len) ? -ENAMETOOLONG : 0;
}

int hpd_dir_check(const char *dir, char *reason, size_t len)
{
	struct stat st;

	if (lstat(dir, &st) != 0) {
		snprintf(reason, len, "%s: %s", dir, strerror(errno));
		return -errno;
	}
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 022)) {
		snprintf(reason, len, "%s is %s (owner uid %d, mode %04o); it must be a directory "
			 "owned by uid %d that no one else may write to: remove it", dir,
			 S_ISLNK(st.st_mode) ? "a symbolic link" : S_ISDIR(st.st_mode) ?
			 "not private" : "not a directory", (int)st.st_uid,
			 (unsigned)(st.st_mode & 07777), (int)geteuid());
		return -EPERM;
	}
	return 0;
}
