/* SPDX-License-Identifier: BSD-3-Clause */
/* The primary: the group's engine, its members and the state file. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <systemd/sd-daemon.h>

#include "dev.h"
#include "engine.h"
#include "hotplugd.h"
#include "leases.h"
#include "log.h"
#include "members.h"
#include "metrics.h"
#include "options.h"
#include "physical.h"
#include "role.h"
#include "state.h"

static int socket_path(char *buf, size_t len)
{
	snprintf(buf, len, "%s", hpd.paths.primary);
	return 0;
}

/* The default state file lives under /var/lib/hotplugd/<prefix>/; on
 * failure buf holds the directory that could not be made. */
static int state_path(char *buf, size_t len)
{
	char dir[PATH_MAX];

	const char *base = getenv("STATE_DIRECTORY"); /* systemd StateDirectory= */

	if (hpd.opt.state_file) {
		snprintf(buf, len, "%s", hpd.opt.state_file);
		return 0;
	}
	if (base == NULL || *base == '\0')
		base = "/var/lib/hotplugd";
	snprintf(dir, sizeof(dir), "%.*s/%.64s", (int)strcspn(base, ":"), base, hpd.prefix);
	if ((mkdir(base, 0750) < 0 && errno != EEXIST) ||
	    (mkdir(dir, 0750) < 0 && errno != EEXIST)) {
		int rc = -errno;

		snprintf(buf, len, "%s", dir); /* for the message: what could not be made */
		return rc;
	}
	if ((size_t)snprintf(buf, len, "%s/state.json", dir) >= len)
		return -ENAMETOOLONG;
	return 0;
}

static int configure(const struct cli_options *cli)
{
	char state_buf[PATH_MAX];
	int rc;

	if (cli->worker_mode != DP_NONE) {
		log_err("--worker: the data path runs in secondaries; this process is the primary");
		return -EINVAL;
	}
	if (!cli->no_state && (rc = state_path(state_buf, sizeof(state_buf))) != 0) {
		char why[PATH_MAX + 160];

		snprintf(why, sizeof(why), "cannot create the state directory %s: %s", state_buf,
			 strerror(-rc));
		if (hpd.opt.state_file || hpd.opt.require_state) {
			log_err("state file: %s", why);
			return rc;
		}
		/* a read-only root (immutable image, container): run, but say
		 * once that nothing will survive a restart */
		log_warn("%s; starting without persistence: devices will not be restored after "
			 "a restart (--state-file FILE puts the state elsewhere, --no-state "
			 "silences this)", why);
		if ((rc = state_init(NULL)) == 0)
			state_unavailable(why);
		return rc;
	}
	return state_init(cli->no_state ? NULL : state_buf);
}

static int start(struct event_base *base)
{
	members_init(base);
	leases_init();
	engine_init(base);
	/* only the primary knows the group's members */
	if (metrics_source("members", members_liveness_json) != 0)
		return -ENOSPC;
	/* a change is answered once it is in the state file */
	engine_on_commit(state_save_then, state_outcome);
	return physical_init(base);
}

/* Ready once the devices are back: serving() then says so (READY=1, the
 * start-up line, the console's prompt). */
static void ready(void (*serving)(void))
{
	state_restore(hpd.opt.devices_file, serving);
}

static void status(void)
{
	sd_notifyf(0, "STATUS=%u devices, %u members", dev_count(), members_count());
}

static void stop(void)
{
	physical_fini();
	engine_fini();
	members_fini();
	leases_fini();
}

const struct role_ops role_primary = {
	.name = "primary", .socket_path = socket_path, .configure = configure,
	.start = start, .ready = ready, .status = status, .stop = stop,
};
