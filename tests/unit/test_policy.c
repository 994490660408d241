/* SPDX-License-Identifier: BSD-3-Clause */
/* The devargs policy against a scratch directory tree made here. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "policy.h"

static char root[] = "/tmp/hpd-policy-XXXXXX";
static char reason[512];

static int chk(const struct hpd_policy *p, const char *fmt)
{
	char devargs[512];

	snprintf(devargs, sizeof(devargs), fmt, root, root);
	return policy_check(p, devargs, "eth0", reason, sizeof(reason));
}

static void write_file(const char *name, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, name);
	f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
}

int main(void)
{
	struct hpd_policy p, c;
	char path[512], sock[600], err[512], route[32];

	SETUP(mkdtemp(root));
	snprintf(sock, sizeof(sock), "%s/sockets", root);
	mkdir(sock, 0755);
	snprintf(path, sizeof(path), "%s/sockets/escape", root);
	SETUP(symlink("/etc", path) == 0);
	snprintf(path, sizeof(path), "%s/sockets/link.sock", root);
	SETUP(symlink("/etc/passwd", path) == 0);

	policy_default(&p, sock, NULL);
	CHECK(chk(&p, "net_null0") == 0);
	CHECK(chk(&p, "net_null0,size=64") == 0);
	CHECK(chk(&p, "eth_null0") == 0); /* DPDK's alias, same driver */
	CHECK(chk(&p, "0000:00:04.0") == 0);
	CHECK(chk(&p, "crypto_null0") == -EPERM && strstr(reason, "not allowed"));
	CHECK(strncmp(reason, "policy: ", 8) == 0);
	/* sockets */
	CHECK(chk(&p, "net_vhost0,iface=%s/sockets/vhost-net") == 0);
	CHECK(chk(&p, "net_vhost0,iface=/tmp/vhost-net") == -EPERM &&
	      strstr(reason, "outside the allowed"));
	CHECK(chk(&p, "net_vhost0,iface=%s/sockets/../x") == -EPERM && strstr(reason, ".."));
	CHECK(chk(&p, "net_virtio_user0,path=%s/sockets/escape/x") == -EPERM);
	CHECK(chk(&p, "net_virtio_user0,path=%s/sockets/link.sock") == -EPERM &&
	      strstr(reason, "symbolic link"));
	CHECK(chk(&p, "net_memif0,socket=%s/sockets/nodir/m.sock") == -EPERM &&
	      strstr(reason, "does not exist"));
	CHECK(chk(&p, "net_memif0,socket=%s/sockets/m.sock,role=server,socket-abstract=no") == 0);
	/* memif: an abstract socket (its default) is open to every local user */
	CHECK(chk(&p, "net_memif0,socket=%s/sockets/m.sock,role=server") == -EPERM &&
	      strstr(reason, "socket-abstract=no"));
	CHECK(chk(&p, "net_memif0,socket-abstract=no") == -EPERM);
	CHECK(chk(&p, "net_memif0,socket=") == -EPERM);
	/* files: denied by default */
	CHECK(chk(&p, "net_pcap0,rx_pcap=/etc/shadow") == -EPERM && strstr(reason, "files"));
	CHECK(chk(&p, "net_pcap0,tx_pcap=%s/sockets/out.pcap") == -EPERM);
	/* interfaces */
	CHECK(chk(&p, "net_af_packet0,iface=veth3") == 0);
	CHECK(chk(&p, "net_af_packet0,iface=wlan0") == -EPERM && strstr(reason, "pattern"));
	CHECK(chk(&p, "net_tap0,iface=tap1,remote=eth0") == -EPERM &&
	      strstr(reason, "default route"));
	CHECK(chk(&p, "eth_af_packet0,iface=lo") == -EPERM);
	CHECK(chk(&p, "net_pcap0,iface=veth0") == 0);
	/* found by fuzzing: a "name" with a slash matched veth* */
	CHECK(chk(&p, "net_af_packet0,iface=veth1escape/") == -EPERM &&
	      strstr(reason, "not a valid interface name"));
	CHECK(chk(&p, "net_af_packet0,iface=veth0123456789ab") == -EPERM);

	/* the console: its cwd for sockets, any interface but the route's */
	CHECK(chdir(root) == 0);
	policy_default(&c, sock, root);
	CHECK(chk(&c, "net_vhost0,iface=vhost-net,queues=1,client=0") == 0);
	CHECK(chk(&c, "net_af_packet,iface=ens803f1") == 0);
	CHECK(chk(&c, "net_af_packet,iface=eth0") == -EPERM);
	CHECK(chk(&c, "net_vhost0,iface=../vhost-net") == -EPERM);

	/* loading */
	write_file("ok.json", "{\"drivers\":[\"net_null\",\"pci\"],\"file_dirs\":[\"/tmp\"],"
			      "\"interfaces\":[\"eth*\"],\"allow_default_route_interface\":true,"
			      "\"pci_addresses\":[\"00:04.0\"]}");
	snprintf(path, sizeof(path), "%s/ok.json", root);
	CHECK(policy_load(&c, path, err, sizeof(err)) == 0);
	CHECK(chk(&c, "net_null0") == 0);
	CHECK(chk(&c, "net_vhost0,iface=/tmp/x") == -EPERM); /* driver not listed */
	CHECK(chk(&c, "0000:00:04.0") == 0);
	CHECK(chk(&c, "0000:00:05.0") == -EPERM && strstr(reason, "pci_addresses"));
	CHECK(strstr(reason, "ok.json") != NULL); /* which policy refused */
	write_file("bad1.json", "{\"drivers\":[\"net_null\"],}");
	snprintf(path, sizeof(path), "%s/bad1.json", root);
	CHECK(policy_load(&c, path, err, sizeof(err)) == -EINVAL && strstr(err, "bad1.json:1:"));
	write_file("bad2.json", "{\"drivrs\":[]}");
	snprintf(path, sizeof(path), "%s/bad2.json", root);
	CHECK(policy_load(&c, path, err, sizeof(err)) == -EINVAL && strstr(err, "unknown setting"));
	write_file("bad3.json", "{\"socket_dirs\":[\"relative\"]}");
	snprintf(path, sizeof(path), "%s/bad3.json", root);
	CHECK(policy_load(&c, path, err, sizeof(err)) == -EINVAL && strstr(err, "absolute"));
	write_file("bad4.json", "{\"pci_addresses\":[\"nope\"]}");
	snprintf(path, sizeof(path), "%s/bad4.json", root);
	CHECK(policy_load(&c, path, err, sizeof(err)) == -EINVAL);
	snprintf(path, sizeof(path), "%s/missing.json", root);
	CHECK(policy_load(&c, path, err, sizeof(err)) == -EINVAL);

	/* default route from a /proc/net/route copy */
	write_file("route", "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\n"
			    "eth9\t0002000A\t00000000\t0001\t0\t0\t0\t00FFFFFF\n"
			    "eth1\t00000000\t0102000A\t0003\t0\t0\t0\t00000000\n");
	snprintf(path, sizeof(path), "%s/route", root);
	policy_default_route_iface(path, route, sizeof(route));
	CHECK_STR(route, "eth1");
	policy_default_route_iface("/nonexistent", route, sizeof(route));
	CHECK_STR(route, "");
	/* every default route, IPv4 and IPv6 (the reject route on lo is none) */
	write_file("route2", "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\n"
			     "eth1\t00000000\t0102000A\t0003\t0\t0\t10\t00000000\n"
			     "eth2\t00000000\t0103000A\t0003\t0\t0\t20\t00000000\n");
	write_file("route6", "00000000000000000000000000000000 00 00000000000000000000000000000000 00 "
			     "fd000000000000000000000000000002 00000400 00000001 00000000 00000003 eth3\n"
			     "00000000000000000000000000000000 00 00000000000000000000000000000000 00 "
			     "00000000000000000000000000000000 ffffffff 00000001 00000000 00200200 lo\n"
			     "fe800000000000000000000000000000 40 00000000000000000000000000000000 00 "
			     "00000000000000000000000000000000 00000100 00000001 00000000 00000001 eth4\n");
	{
		char routes[POLICY_MAX_ROUTES][16], r4[512], r6[512];

		snprintf(r4, sizeof(r4), "%s/route2", root);
		snprintf(r6, sizeof(r6), "%s/route6", root);
		CHECK(policy_default_routes(r4, r6, routes, POLICY_MAX_ROUTES) == 3);
		CHECK_STR(routes[0], "eth1");
		CHECK_STR(routes[1], "eth2");
		CHECK_STR(routes[2], "eth3");
	}

	snprintf(path, sizeof(path), "rm -rf %s", root);
	CHECK(system(path) == 0);
	CHECK_DONE();
}
