/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hpd_fwd: a third-party DPDK secondary that forwards packets between port
 * pairs (like testpmd's io mode) and stays safe while the hotplugd primary,
 * or anyone in the group, attaches and detaches devices: it is built only on
 * DPDK and libhotplugd-member.
 *
 *   hpd_fwd [EAL options] -- [--name NAME] [--ports PATTERNS] [--stats FILE]
 *                               [--stats-ms MS]
 *
 * The EAL options must make it a secondary of a hotplugd primary (same
 * --file-prefix, --proc-type=secondary or auto) with at least one lcore
 * besides the main one. Ports usable in the whole group are paired in port
 * order and forwarded both ways; --stats writes the counters as JSON every
 * --stats-ms (100) ms and at exit. Exits 0 on SIGINT/SIGTERM, 3 when the primary is gone.
 *
 * Build it out of tree:
 *   cc -o hpd_fwd hpd_fwd.c $(pkg-config --cflags --libs libhotplugd-member)
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include <hotplugd/member.h>

#define BURST 32

struct counters {
	uint64_t rx, tx, drop;
} __rte_cache_aligned;

static struct hpd_member *member;
static volatile sig_atomic_t quit;
static unsigned int nlcores;
/* per port id, each written by the one lcore that owns the port's pair */
static struct counters stats[RTE_MAX_ETHPORTS];
static uint64_t events[HPD_MEMBER_PRIMARY_GONE + 1];

static void add(uint64_t *c, uint64_t n)
{
	__atomic_store_n(c, *c + n, __ATOMIC_RELAXED);
}

static void forward(uint16_t from, uint16_t to)
{
	struct rte_mbuf *pkts[BURST];
	uint16_t n = rte_eth_rx_burst(from, 0, pkts, BURST), sent;

	if (n == 0)
		return;
	add(&stats[from].rx, n);
	sent = rte_eth_tx_burst(to, 0, pkts, n);
	add(&stats[to].tx, sent);
	if (sent < n) {
		add(&stats[to].drop, n - sent);
		rte_pktmbuf_free_bulk(pkts + sent, n - sent);
	}
}

static int lcore_main(void *arg)
{
	unsigned int id = (unsigned int)(uintptr_t)arg, n = 0;
	uint16_t ports[RTE_MAX_ETHPORTS];
	uint64_t seen = ~0ull;

	if (hpd_member_lcore_online(member, id) != 0)
		return -1;
	while (!quit) {
		uint64_t gen = hpd_member_ports_gen(member);

		if (gen != seen) { /* ports came or went: take the new set */
			seen = gen;
			n = hpd_member_ports(member, ports, RTE_DIM(ports));
		}
		for (unsigned int i = 2 * id; i + 1 < n; i += 2 * nlcores) {
			forward(ports[i], ports[i + 1]);
			forward(ports[i + 1], ports[i]);
		}
		/* nothing of any port is held here: detaches may go on */
		hpd_member_quiescent(member, id);
	}
	hpd_member_lcore_offline(member, id);
	return 0;
}

static void on_event(struct hpd_member *m, const struct hpd_member_event *ev, void *arg)
{
	static const char *const what[] = {
		[HPD_MEMBER_PORT_ATTACHED] = "attached", [HPD_MEMBER_PORT_QUIESCED] = "quiesced",
		[HPD_MEMBER_PORT_DETACHED] = "detached", [HPD_MEMBER_PRIMARY_GONE] = "primary gone"};

	(void)m, (void)arg;
	events[ev->type]++;
	if (ev->type == HPD_MEMBER_PORT_ATTACHED && ev->rc == 0 && ev->port < RTE_MAX_ETHPORTS)
		memset(&stats[ev->port], 0, sizeof(stats[ev->port])); /* a new device */
	printf("hpd_fwd: %s port %u %s%s%s\n", what[ev->type], ev->port, ev->device,
	       ev->rc ? ": " : "", ev->rc ? strerror(-ev->rc) : "");
	fflush(stdout);
}

static uint64_t load(const uint64_t *c)
{
	return __atomic_load_n(c, __ATOMIC_RELAXED);
}

/* Totals over every port id ever used, and the ports present now. */
static void write_stats(const char *path)
{
	char tmp[4096], name[RTE_ETH_NAME_MAX_LEN];
	uint64_t rx = 0, tx = 0, drop = 0;
	const char *sep = "";
	FILE *f;

	if (path == NULL)
		return;
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (f == NULL)
		return;
	fprintf(f, "{\"ports\": {");
	for (uint16_t p = 0; p < RTE_MAX_ETHPORTS; p++) {
		rx += load(&stats[p].rx);
		tx += load(&stats[p].tx);
		drop += load(&stats[p].drop);
		if (!rte_eth_dev_is_valid_port(p) || rte_eth_dev_get_name_by_port(p, name) != 0)
			continue;
		fprintf(f, "%s\"%s\": {\"port\": %u, \"rx\": %lu, \"tx\": %lu, \"drop\": %lu}",
			sep, name, p, load(&stats[p].rx), load(&stats[p].tx), load(&stats[p].drop));
		sep = ", ";
	}
	fprintf(f, "}, \"rx\": %lu, \"tx\": %lu, \"drop\": %lu, \"attached\": %lu, "
		"\"quiesced\": %lu, \"detached\": %lu}\n", rx, tx, drop,
		events[HPD_MEMBER_PORT_ATTACHED], events[HPD_MEMBER_PORT_QUIESCED],
		events[HPD_MEMBER_PORT_DETACHED]);
	if (fclose(f) == 0)
		rename(tmp, path);
}

static void on_signal(int sig)
{
	(void)sig;
	quit = 1;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"name", required_argument, NULL, 'n'}, {"ports", required_argument, NULL, 'p'},
		{"stats", required_argument, NULL, 's'}, {"stats-ms", required_argument, NULL, 'i'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}};
	struct hpd_member_conf conf = {.name = "hpd_fwd", .on_event = on_event};
	const char *stats_path = NULL;
	unsigned int lcore, id = 0;
	int rc, c, status = 0, interval_ms = 100;

	rc = rte_eal_init(argc, argv);
	if (rc < 0) {
		fprintf(stderr, "hpd_fwd: EAL: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	argc -= rc;
	argv += rc;
	while ((c = getopt_long(argc, argv, "n:p:s:i:h", opts, NULL)) != -1) {
		switch (c) {
		case 'n': conf.name = optarg; break;
		case 'p': conf.ports = optarg; break;
		case 's': stats_path = optarg; break;
		case 'i': interval_ms = atoi(optarg) > 0 ? atoi(optarg) : 100; break;
		default:
			fprintf(c == 'h' ? stdout : stderr, "usage: hpd_fwd [EAL options] -- "
				"[--name NAME] [--ports PATTERNS] [--stats FILE] [--stats-ms MS]\n");
			rte_eal_cleanup();
			return c == 'h' ? 0 : 2;
		}
	}
	nlcores = conf.lcores = rte_lcore_count() - 1;
	if (nlcores == 0) {
		fprintf(stderr, "hpd_fwd: needs a worker lcore besides the main one\n");
		rte_eal_cleanup();
		return 2;
	}
	rc = hpd_member_join(&conf, &member);
	if (rc) {
		fprintf(stderr, "hpd_fwd: cannot join the hotplugd group: %s\n", strerror(-rc));
		rte_eal_cleanup();
		return 1;
	}
	printf("hpd_fwd: joined primary pid %d, forwarding on %u lcore(s)\n",
	       hpd_member_primary_pid(member), nlcores);
	fflush(stdout);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	RTE_LCORE_FOREACH_WORKER(lcore)
		rte_eal_remote_launch(lcore_main, (void *)(uintptr_t)id++, lcore);

	/* the control thread: the primary's requests, and the counters */
	while (!quit) {
		struct pollfd p = {.fd = hpd_member_fd(member), .events = POLLIN};

		if (poll(&p, 1, interval_ms) < 0 && errno != EINTR)
			break;
		if (hpd_member_dispatch(member) == -ESHUTDOWN) {
			status = 3;
			break;
		}
		write_stats(stats_path);
	}
	quit = 1;
	rte_eal_mp_wait_lcore();
	write_stats(stats_path);
	hpd_member_leave(member);
	rte_eal_cleanup();
	return status;
}
