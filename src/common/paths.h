/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Where a group's control sockets live. Everything derives from the runtime
 * directory and the DPDK --file-prefix, so several groups coexist on a host:
 *   <runtime>/<prefix>/control.sock       the primary
 *   <runtime>/<prefix>/member.<pid>.sock  each secondary
 */
#ifndef HPD_PATHS_H
#define HPD_PATHS_H

#include <stddef.h>
#include <sys/un.h>

#define HPD_DEFAULT_PREFIX "rte" /* DPDK's own default --file-prefix */
#define HPD_SUN_MAX sizeof(((struct sockaddr_un *)0)->sun_path)

struct hpd_paths {
	char runtime[HPD_SUN_MAX];
	char group[HPD_SUN_MAX];
	char primary[HPD_SUN_MAX];
};

/* runtime_dir and prefix may be NULL for the defaults. -ENAMETOOLONG when a
 * socket path would not fit in sun_path. */
int hpd_paths_init(struct hpd_paths *p, const char *runtime_dir, const char *prefix);
int hpd_paths_member(const struct hpd_paths *p, int pid, char *out, size_t len);
/* Default runtime directory: $HOTPLUGD_RUNTIME_DIR, then systemd's
 * $RUNTIME_DIRECTORY, then /run/hotplugd for root, else
 * $XDG_RUNTIME_DIR/hotplugd. */
const char *hpd_default_runtime_dir(char *buf, size_t len);
/* A directory root's daemon puts its sockets or state in, maybe made by
 * someone else before it started: 0 if it is a real directory (not a
 * symlink) owned by us and writable by nobody else; else -EPERM (or the
 * lstat errno) with the reason. */
int hpd_dir_check(const char *dir, char *reason, size_t len);

#endif
