/* SPDX-License-Identifier: BSD-3-Clause */
/* A secondary: the agent carries out the primary's requests, the relay
 * hands the group's changes to the primary. */
#include <stddef.h>

#include <systemd/sd-daemon.h>

#include "agent.h"
#include "dev.h"
#include "hotplugd.h"
#include "relay.h"
#include "role.h"
#include "unplug.h"

static int socket_path(char *buf, size_t len)
{
	return hpd_paths_member(&hpd.paths, hpd.pid, buf, len);
}

static int start(struct event_base *base)
{
	/* it maps the group's devices too: DPDK's SIGBUS remap of a removed one */
	unplug_init(false, NULL);
	relay_init(base);
	return agent_start(base);
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
