/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Devargs policy: which drivers may be attached and what their risky keys
 * may name. Whoever can write to a control socket would otherwise make a
 * root process read or overwrite any file (net_pcap rx_pcap/tx_pcap), tap
 * the host's traffic (net_af_packet iface=eth0) or create sockets anywhere
 * (vhost iface, virtio-user path, memif socket). Enforced by the primary,
 * whichever process received the request. No DPDK here.
 */
#ifndef HPD_POLICY_H
#define HPD_POLICY_H

#include <stdbool.h>
#include <stddef.h>

#include "devargs.h"

#define POLICY_MAX_LIST 32

/* What a driver key names, and so how it is checked. */
enum policy_kind { KEY_SOCKET, KEY_FILE, KEY_IFACE };

struct policy_key {
	char driver[32]; /* "net_pcap" */
	char key[32];    /* "rx_pcap" */
	enum policy_kind kind;
};

struct hpd_policy {
	char drivers[POLICY_MAX_LIST][32];   /* may be attached; "pci" for PCI */
	unsigned ndrivers;
	struct policy_key keys[POLICY_MAX_LIST * 2];
	unsigned nkeys;
	char socket_dirs[POLICY_MAX_LIST][256];
	unsigned nsocket_dirs;
	char file_dirs[POLICY_MAX_LIST][256]; /* empty: files denied */
	unsigned nfile_dirs;
	char interfaces[POLICY_MAX_LIST][32]; /* fnmatch patterns */
	unsigned ninterfaces;
	bool allow_default_route_interface;
	char pci[POLICY_MAX_LIST][16];        /* empty: any userspace-bound */
	unsigned npci;
	char source[256];                     /* "built-in" or the file */
};

/*
 * The built-in policy: the common virtual drivers and PCI; sockets only
 * under socket_dir; no pcap files; interfaces matching veth*, tap*, dtap*,
 * hp*. With cwd (the test-plan console), sockets may also be created in
 * that directory and any interface but the default route's may be used, so
 * the test plan runs as written from the directory it is started in.
 */
void policy_default(struct hpd_policy *p, const char *socket_dir, const char *cwd);
/* Load a JSON policy file (format in docs/operations.md). 0 or -errno
 * with the reason (file:line:column for syntax errors). */
int policy_load(struct hpd_policy *p, const char *path, char *err, size_t len);
/*
 * 0, or -EPERM with the rule that refused: "policy: driver net_foo is not
 * allowed", "policy: net_pcap0 rx_pcap=/etc/shadow: files are not allowed".
 * route_ifaces: the interfaces carrying a default route (IPv4 or IPv6), a
 * NULL-terminated list, or NULL. Relative paths resolve against cwd.
 */
int policy_check_spec(const struct hpd_policy *p, const struct hpd_devspec *spec,
		      const char *const *route_ifaces, char *reason, size_t len);
/* policy_check_spec of the plain form "[bus:]name[,key=value...]" read by
 * hpd_devspec_plain: the pure path the unit tests and fuzzers drive. */
int policy_check(const struct hpd_policy *p, const char *devargs,
		 const char *default_route_iface, char *reason, size_t len);
/* The driver an allowed device name selects (the name or DPDK alias of an
 * allowed driver that prefixes it), or NULL. */
const char *policy_driver_of(const struct hpd_policy *p, const char *name, const char **alias);

/* Every interface carrying a default route: IPv4 from a /proc/net/route
 * file, IPv6 from a /proc/net/ipv6_route file (either may be NULL). Fills
 * out[0..max-1] (IFNAMSIZ each) and returns how many. */
#define POLICY_MAX_ROUTES 16
unsigned policy_default_routes(const char *route4, const char *route6,
			       char out[][16], unsigned max);
/* The first IPv4 default route's interface, or "" (kept for the console's
 * messages) */
void policy_default_route_iface(const char *route_file, char *out, size_t len);

#endif
