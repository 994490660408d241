/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hpd_fwd: a third-party DPDK secondary that forwards packets between port
 * pairs (like testpmd's io mode) and stays safe while the hotplugd primary,
 * or anyone in the group, attaches and detaches devices: it is built only on
 * DPDK and libhotplugd-member.
 *
 *   hpd_fwd [EAL options] -- [--name NAME] [--ports PATTERNS] [--queues RULE]
 *                               [--stats FILE] [--stats-ms MS]
 *
 * The EAL options must make it a secondary of a hotplugd primary (same
 * --file-prefix, --proc-type=secondary or auto) with at least one lcore
 * besides the main one. It claims the queues RULE names (default all: every
 * queue of its ports) and polls only those: several instances share ports
 * by queues, symmetric_mp style (e.g. --queues port=net_null*:q=1 each with
 * its own queue). Ports usable in the whole group are paired in port order;
 * rx queue q of a port is forwarded to tx queue q of its pair when this
 * instance holds that too (else dropped, counted); --stats writes the counters as JSON every
 * --stats-ms (100) ms and at exit. SIGUSR1 releases its queues, SIGUSR2
 * claims them again. Exits 0 on SIGINT/SIGTERM, 3 when the primary is gone.
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
#define HPD_FWD_QUEUES 16 /* counters per port: queues beyond share them */

struct counters {
	uint64_t rx, tx, drop;
} __rte_cache_aligned;

static struct hpd_member *member;
static volatile sig_atomic_t quit, release_all, claim_again;
static unsigned int nlcores;
/* per port id, summed over queues at the end */
static struct counters stats[RTE_MAX_ETHPORTS][HPD_FWD_QUEUES];
static uint64_t events[HPD_MEMBER_PRIMARY_GONE + 1];

static void add(uint64_t *c, uint64_t n)
{
	__atomic_store_n(c, *c + n, __ATOMIC_RELAXED);
}

/* Every counter of (port, queue) is written by the one lcore holding it. */
static void forward(uint16_t from, uint16_t to, uint16_t q, bool tx)
{
	struct rte_mbuf *pkts[BURST];
	uint16_t n = hpd_member_rx_burst(from, q, pkts, BURST), sent = 0;

	if (n == 0)
		return;
	add(&stats[from][q % HPD_FWD_QUEUES].rx, n);
	if (tx) {
		sent = hpd_member_tx_burst(to, q, pkts, n);
		add(&stats[to][q % HPD_FWD_QUEUES].tx, sent);
	}
	if (sent < n) {
		add(&stats[to][q % HPD_FWD_QUEUES].drop, n - sent);
		rte_pktmbuf_free_bulk(pkts + sent, n - sent);
	}
}

static bool holds_tx(const struct hpd_member_queue *qs, unsigned int n, uint16_t port,
		     uint16_t queue)
{
	for (unsigned int i = 0; i < n; i++)
		if (qs[i].port == port && qs[i].queue == queue)
			return qs[i].tx;
	return false;
}

static int lcore_main(void *arg)
{
	unsigned int id = (unsigned int)(uintptr_t)arg, n = 0, nq = 0;
	uint16_t ports[RTE_MAX_ETHPORTS], peer[RTE_MAX_ETHPORTS];
	struct hpd_member_queue qs[256];
	uint64_t seen = ~0ull;

	if (hpd_member_lcore_online(member, id) != 0)
		return -1;
	while (!quit) {
		uint64_t gen = hpd_member_ports_gen(member);

		if (gen != seen) { /* ports or leases changed: take the new set */
			seen = gen;
			n = hpd_member_ports(member, ports, RTE_DIM(ports));
			for (unsigned int i = 0; i < RTE_MAX_ETHPORTS; i++)
				peer[i] = UINT16_MAX;
			for (unsigned int i = 0; i + 1 < n; i += 2) {
				peer[ports[i]] = ports[i + 1];
				peer[ports[i + 1]] = ports[i];
			}
			nq = hpd_member_queues(member, id, qs, RTE_DIM(qs));
		}
		for (unsigned int i = 0; i < nq; i++) {
			uint16_t to = peer[qs[i].port];

			if (qs[i].rx && to != UINT16_MAX)
				forward(qs[i].port, to, qs[i].queue,
					holds_tx(qs, nq, to, qs[i].queue));
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
		memset(stats[ev->port], 0, sizeof(stats[ev->port])); /* a new device */
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
		uint64_t prx = 0, ptx = 0, pdrop = 0;

		for (unsigned int q = 0; q < HPD_FWD_QUEUES; q++) {
			prx += load(&stats[p][q].rx);
			ptx += load(&stats[p][q].tx);
			pdrop += load(&stats[p][q].drop);
		}
		rx += prx, tx += ptx, drop += pdrop;
		if (!rte_eth_dev_is_valid_port(p) || rte_eth_dev_get_name_by_port(p, name) != 0)
			continue;
		fprintf(f, "%s\"%s\": {\"port\": %u, \"rx\": %lu, \"tx\": %lu, \"drop\": %lu}",
			sep, name, p, prx, ptx, pdrop);
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
	if (sig == SIGUSR1)
		release_all = 1;
	else if (sig == SIGUSR2)
		claim_again = 1;
	else
		quit = 1;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"name", required_argument, NULL, 'n'}, {"ports", required_argument, NULL, 'p'},
		{"stats", required_argument, NULL, 's'}, {"stats-ms", required_argument, NULL, 'i'},
		{"queues", required_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}};
	struct hpd_member_conf conf = {.name = "hpd_fwd", .on_event = on_event};
	const char *stats_path = NULL, *rule = "all";
	unsigned int lcore, id = 0;
	int rc, c, status = 0, interval_ms = 100;

	rc = rte_eal_init(argc, argv);
	if (rc < 0) {
		fprintf(stderr, "hpd_fwd: EAL: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	argc -= rc;
	argv += rc;
	while ((c = getopt_long(argc, argv, "n:p:q:s:i:h", opts, NULL)) != -1) {
		switch (c) {
		case 'n': conf.name = optarg; break;
		case 'p': conf.ports = optarg; break;
		case 'q': rule = optarg; break;
		case 's': stats_path = optarg; break;
		case 'i': interval_ms = atoi(optarg) > 0 ? atoi(optarg) : 100; break;
		default:
			fprintf(c == 'h' ? stdout : stderr, "usage: hpd_fwd [EAL options] -- "
				"[--name NAME] [--ports PATTERNS] [--queues RULE] [--stats FILE] "
				"[--stats-ms MS]\n");
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
	/* the queues this instance polls: no other member may poll them */
	rc = hpd_member_claim(member, rule);
	if (rc < 0) {
		fprintf(stderr, "hpd_fwd: cannot claim queues %s: %s\n", rule, strerror(-rc));
		hpd_member_leave(member);
		rte_eal_cleanup();
		return 1;
	}
	printf("hpd_fwd: joined primary pid %d, forwarding on %u lcore(s), claim %d\n",
	       hpd_member_primary_pid(member), nlcores, rc);
	fflush(stdout);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGUSR1, on_signal);
	signal(SIGUSR2, on_signal);
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
		/* the lcores let go first (the library waits for them), then
		 * the primary frees the queues for others */
		if (release_all) {
			release_all = 0;
			rc = hpd_member_release(member, 0);
			printf("hpd_fwd: released its queues: %s\n", rc ? strerror(-rc) : "ok");
			fflush(stdout);
		}
		if (claim_again) {
			claim_again = 0;
			rc = hpd_member_claim(member, rule);
			printf("hpd_fwd: claim %s: %s\n", rule, rc < 0 ? strerror(-rc) : "ok");
			fflush(stdout);
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
