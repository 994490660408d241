/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for the devargs policy (src/common/policy.c). The first
 * byte picks what is fuzzed: even, policy_check() with the daemon's
 * built-in policy and with the console's (a scratch socket directory with a
 * symlink leading out of it); odd, policy_load() of the rest as a policy
 * file, then a check with what it loaded.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz_common.h"
#include "policy.h"

static char dir[PATH_MAX], sockets[PATH_MAX + 16], file[PATH_MAX + 16];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char link[PATH_MAX + 32];
	const char *tmp = getenv("TMPDIR"); /* run.sh: inside the target's build dir */

	(void)argc, (void)argv;
	snprintf(dir, sizeof(dir), "%s/hpd-fuzz-policy-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL)
		abort();
	snprintf(sockets, sizeof(sockets), "%s/sockets", dir);
	mkdir(sockets, 0755);
	snprintf(link, sizeof(link), "%s/escape", sockets);
	symlink("/etc", link); /* symlink games must never pass */
	snprintf(file, sizeof(file), "%s/policy.json", dir);
	if (chdir(dir) != 0) /* relative paths resolve here */
		abort();
	return 0;
}

/* The keys each driver reads as a path (P) or an interface name (I), as
 * DPDK 22.11's drivers do; DPDK picks the driver by name prefix. */
static const struct {
	const char *driver, *key;
	char kind;
} risky[] = {
	{"net_pcap", "rx_pcap", 'P'}, {"net_pcap", "tx_pcap", 'P'},
	{"net_pcap", "iface", 'I'}, {"net_pcap", "rx_iface", 'I'},
	{"net_pcap", "tx_iface", 'I'}, {"net_pcap", "rx_iface_in", 'I'},
	{"net_af_packet", "iface", 'I'}, {"net_tap", "iface", 'I'}, {"net_tap", "remote", 'I'},
	{"net_vhost", "iface", 'P'}, {"net_virtio_user", "path", 'P'},
	{"net_memif", "socket", 'P'},
};

static bool dotdot_component(const char *v)
{
	for (const char *p = v; (p = strstr(p, "..")) != NULL; p += 2)
		if ((p == v || p[-1] == '/') && (p[2] == '\0' || p[2] == '/'))
			return true;
	return false;
}

/* An accepted devargs names no path outside the socket directory, no
 * invalid interface name and not the default route's interface. */
static void accepted_is_safe(const char *devargs)
{
	char copy[HPD_DEVARGS_MAX + 1], drv[32] = "", *tok, *save;
	const char *comma = strchr(devargs, ',');
	size_t best = 0;

	if (comma == NULL)
		return;
	for (unsigned i = 0; i < sizeof(risky) / sizeof(*risky); i++) {
		size_t n = strlen(risky[i].driver);

		if ((!strncmp(devargs, risky[i].driver, n) ||
		     (!strncmp(devargs, "eth_", 4) && !strncmp(devargs + 4, risky[i].driver + 4, n - 4)))
		    && n > best) {
			best = n;
			snprintf(drv, sizeof(drv), "%s", risky[i].driver);
		}
	}
	snprintf(copy, sizeof(copy), "%s", comma + 1);
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '='), *v;

		if (eq == NULL)
			continue;
		*eq = '\0';
		v = eq + 1;
		for (unsigned i = 0; i < sizeof(risky) / sizeof(*risky); i++) {
			if (strcmp(drv, risky[i].driver) || strcmp(tok, risky[i].key))
				continue;
			if (risky[i].kind == 'I') {
				FUZZ_CHECK(strcmp(v, "eth0") != 0);
				FUZZ_CHECK(strchr(v, '/') == NULL && strlen(v) <= 15 && *v);
			} else {
				FUZZ_CHECK(!dotdot_component(v));
				FUZZ_CHECK(strstr(v, "escape/") == NULL);
				FUZZ_CHECK(strncmp(v, "sockets/", 8) == 0 ||
					   strncmp(v, sockets, strlen(sockets)) == 0);
			}
		}
	}
}

static void check(const struct hpd_policy *p, const char *devargs, bool builtin)
{
	char reason[512];
	int rc = policy_check(p, devargs, "eth0", reason, sizeof(reason));

	FUZZ_CHECK(rc == 0 || rc == -EPERM);
	if (rc) {
		FUZZ_CHECK(strncmp(reason, "policy: ", 8) == 0);
		FUZZ_CHECK(memchr(reason, '\0', sizeof(reason)) != NULL);
	} else if (builtin) {
		accepted_is_safe(devargs);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hpd_policy p;
	char devargs[HPD_DEVARGS_MAX + 1], err[512];

	if (size < 1)
		return 0;
	if ((data[0] & 1) == 0) {
		size_t n = size - 1 > HPD_DEVARGS_MAX ? HPD_DEVARGS_MAX : size - 1;

		memcpy(devargs, data + 1, n);
		devargs[n] = '\0';
		policy_default(&p, sockets, NULL);
		check(&p, devargs, true);
		policy_default(&p, sockets, dir);
		check(&p, devargs, false);
		return 0;
	}
	int fd = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	if (fd < 0 || write(fd, data + 1, size - 1) != (ssize_t)(size - 1))
		abort();
	close(fd);
	int rc = policy_load(&p, file, err, sizeof(err));

	FUZZ_CHECK(rc == 0 || rc == -EINVAL);
	if (rc) {
		FUZZ_CHECK(err[0] != '\0');
		return 0;
	}
	FUZZ_CHECK(p.ndrivers <= POLICY_MAX_LIST && p.nsocket_dirs <= POLICY_MAX_LIST &&
		   p.ninterfaces <= POLICY_MAX_LIST && p.npci <= POLICY_MAX_LIST);
	check(&p, "net_vhost0,iface=/tmp/x.sock", false);
	check(&p, "net_af_packet0,iface=veth0", false);
	check(&p, "0000:00:04.0", false);
	return 0;
}
