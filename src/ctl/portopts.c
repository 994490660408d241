/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The port configuration options of start and configure (--rxq N ...):
 * each becomes a key of the config object the daemon takes (see
 * common/portconf.h), checked there like any request; here only what a
 * word must be (a number, on/off, a list of hash functions).
 */
#include <stdio.h>
#include <string.h>

#include "hpctl.h"
#include "portconf.h"

enum {
	O_RXQ = CTL_CMD_OPT, O_TXQ, O_RXD, O_TXD, O_MTU, O_PROMISC, O_RSS, O_POOL_SIZE,
	O_POOL_CACHE, O_SOCKET,
};

const struct option ctl_port_options[] = {
	{"rxq", required_argument, NULL, O_RXQ},
	{"txq", required_argument, NULL, O_TXQ},
	{"rxd", required_argument, NULL, O_RXD},
	{"txd", required_argument, NULL, O_TXD},
	{"mtu", required_argument, NULL, O_MTU},
	{"promisc", required_argument, NULL, O_PROMISC},
	{"rss", required_argument, NULL, O_RSS},
	{"pool-size", required_argument, NULL, O_POOL_SIZE},
	{"pool-cache", required_argument, NULL, O_POOL_CACHE},
	{"pool-socket", required_argument, NULL, O_SOCKET},
	{NULL, 0, NULL, 0},
};

static json_t *pool_of(json_t *config)
{
	json_t *p = json_object_get(config, "pool");

	if (p == NULL) {
		p = json_object();
		json_object_set_new(config, "pool", p);
	}
	return p;
}

int ctl_port_option(struct ctl *ctl, int id, const char *arg)
{
	static const struct {
		int id;
		const char *key, *flag;
		long min, max;
	} nums[] = {
		{O_RXQ, "rxq", "--rxq", 1, HPD_PORTCONF_QUEUES_MAX},
		{O_TXQ, "txq", "--txq", 1, HPD_PORTCONF_QUEUES_MAX},
		{O_RXD, "rxd", "--rxd", 0, HPD_PORTCONF_DESC_MAX},
		{O_TXD, "txd", "--txd", 0, HPD_PORTCONF_DESC_MAX},
		{O_MTU, "mtu", "--mtu", 0, HPD_PORTCONF_MTU_MAX},
		{O_POOL_SIZE, "size", "--pool-size", 1, HPD_PORTCONF_POOL_MAX},
		{O_POOL_CACHE, "cache", "--pool-cache", 0, HPD_PORTCONF_CACHE_MAX},
		{O_SOCKET, "socket", "--pool-socket", -1, HPD_PORTCONF_SOCKET_MAX},
	};
	char msg[128];
	uint32_t rss;
	long n;

	if (ctl->config == NULL)
		ctl->config = json_object();
	for (unsigned i = 0; i < sizeof(nums) / sizeof(*nums); i++) {
		if (nums[i].id != id)
			continue;
		if (ctl_number(arg, nums[i].min, nums[i].max, nums[i].flag, &n))
			return EXIT_USAGE;
		json_object_set_new(id >= O_POOL_SIZE ? pool_of(ctl->config) : ctl->config,
				    nums[i].key, json_integer(n));
		return EXIT_OK;
	}
	if (id == O_PROMISC) {
		if (strcmp(arg, "on") != 0 && strcmp(arg, "off") != 0) {
			fprintf(stderr, "hpctl: --promisc takes on or off, not \"%s\"\n", arg);
			return EXIT_USAGE;
		}
		json_object_set_new(ctl->config, "promisc", json_boolean(strcmp(arg, "on") == 0));
		return EXIT_OK;
	}
	if (portconf_rss_parse(arg, &rss, msg, sizeof(msg)) != 0) {
		fprintf(stderr, "hpctl: --rss: %s\n", msg + strlen("config.rss: "));
		return EXIT_USAGE;
	}
	json_object_set_new(ctl->config, "rss", json_string(arg));
	return EXIT_OK;
}

int ctl_port_op(struct ctl *ctl, const char *method, const char *device, const char *verb)
{
	json_t *params = json_pack("{s:s}", "device", device);

	if (ctl->config)
		json_object_set(params, "config", ctl->config);
	return ctl_op(ctl, method, params, verb);
}
