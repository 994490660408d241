/* SPDX-License-Identifier: BSD-3-Clause */
/* A secondary: the agent carries out the primary's requests, the relay
 * hands the group's changes to the primary. */
#include <stddef.h>
#include <string.h>

#include <systemd/sd-daemon.h>

#include "agent.h"
#include "dev.h"
#include "hotplugd.h"
#include "log.h"
#include "relay.h"
#include "role.h"
#include "unplug.h"

static int socket_path(char *buf, size_t len)
{
	return hpd_paths_member(&hpd.paths, hpd.pid, buf, len);
}

static int start(struct event_base *base)
{
	int rc;

	/* it maps the group's devices too: DPDK's SIGBUS remap of a removed one */
	unplug_init(false, NULL);
	relay_init(base);
	if ((rc = agent_start(base)) != 0)
		return rc;
	if ((rc = relay_follow_events()) != 0)
		log_warn("cannot follow the primary's events: %s; subscribe here fails", strerror(-rc));
	return 0;
}

static void stop(void)
{
	agent_stop();
	relay_fini();
	unplug_fini();
}

static void status(void)
{
	sd_notifyf(0, "STATUS=%u devices, primary pid %d", dev_count(), hpd.primary_pid);
}

/* nothing to configure, nothing to restore: the primary has the state */
const struct role_ops role_secondary = {
	.name = "secondary", .socket_path = socket_path, .start = start, .stop = stop,
	.status = status,
};
