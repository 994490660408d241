/* SPDX-License-Identifier: BSD-3-Clause */
#include <dirent.h>
#include <stdio.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_version.h>

#include "eal_exit.h"
#include "log.h"

/* The running library's version, not the headers': every 24.11.x has the
 * same ABI, so a build against 24.11.0 may run on a fixed 24.11.6. */
static bool running_dpdk_has_bug(void)
{
	unsigned year, month, minor;

	if (sscanf(rte_version(), "%*s %u.%u.%u", &year, &month, &minor) != 3)
		return false;
	return eal_exit_vhost_bug(year, month, minor);
}

/* vhost's event threads (vhost-user's and VDUSE's), as the EAL names its
 * internal control threads ("dpdk-" and the fdset's name) */
static bool vhost_thread_runs(void)
{
	static const char *const names[] = { "dpdk-vhost-evt\n", "dpdk-vduse-evt\n" };
	char path[300], comm[32];
	struct dirent *e;
	bool found = false;
	DIR *d = opendir("/proc/self/task");
	FILE *f;

	if (d == NULL)
		return true; /* cannot tell: the safe side */
	while (!found && (e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%s/comm", e->d_name);
		if ((f = fopen(path, "r")) == NULL)
			continue;
		if (fgets(comm, sizeof(comm), f) != NULL)
			for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
				found |= strcmp(comm, names[i]) == 0;
		fclose(f);
	}
	closedir(d);
	return found;
}

void eal_exit_cleanup(void)
{
	if (running_dpdk_has_bug() && vhost_thread_runs()) {
		log_notice("%s: leaving DPDK's memory to the exit, not rte_eal_cleanup(): vhost's "
			   "event thread would read it after the clean-up (a DPDK bug, fixed in "
			   "24.11.5 and 25.11.1)", rte_version());
		return;
	}
	rte_eal_cleanup();
}
