/* SPDX-License-Identifier: BSD-3-Clause */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "devconf.h"
#include "eal_log.h"
#include "log.h"
#include "unplug.h"

/* At most one pool per port, plus those no port uses any more but whose
 * mbufs a member still holds. */
#define POOLS_MAX (RTE_MAX_ETHPORTS + 8)

struct pool {
	struct rte_mempool *mp;
	uint32_t size;
	uint16_t cache;
	int16_t socket;
	unsigned users;
};

/* What the last successful apply set up on a port (primary only; the
 * device-job thread alone touches it). */
struct applied {
	bool set;
	struct hpd_port_conf conf;
	int pool;
	int8_t promisc_before; /* the driver's own mode, for a rollback to -1 */
};

static struct pool pools[POOLS_MAX];
static struct applied applied[RTE_MAX_ETHPORTS];

static const char *port_name(uint16_t port, char *buf)
{
	if (rte_eth_dev_get_name_by_port(port, buf) != 0)
		snprintf(buf, RTE_ETH_NAME_MAX_LEN, "port %u", port);
	return buf;
}

static void pool_name(const struct hpd_port_conf *c, char *buf, size_t len)
{
	struct hpd_port_conf d;

	portconf_default(&d);
	/* the default keeps the name it has always had */
	if (c->pool_size == d.pool_size && c->pool_cache == d.pool_cache && c->socket == d.socket)
		snprintf(buf, len, "hpd_mbufs");
	else
		snprintf(buf, len, "hpd_mb_%u_%u_%d", c->pool_size, c->pool_cache, c->socket);
}

static uint64_t rss_bits(uint32_t rss)
{
	uint64_t b = 0;

	if (rss & HPD_RSS_IP)
		b |= RTE_ETH_RSS_IP;
	if (rss & HPD_RSS_TCP)
		b |= RTE_ETH_RSS_TCP;
	if (rss & HPD_RSS_UDP)
		b |= RTE_ETH_RSS_UDP;
	if (rss & HPD_RSS_SCTP)
		b |= RTE_ETH_RSS_SCTP;
	return b;
}

/* Our names for the hash functions a device offers. */
static uint32_t rss_offered(uint64_t offloads)
{
	uint32_t r = 0;

	for (uint32_t bit = HPD_RSS_IP; bit & HPD_RSS_ALL; bit <<= 1)
		if (offloads & rss_bits(bit))
			r |= bit;
	return r;
}

/* The hash functions DPDK is given: what was asked (auto: ip,tcp,udp) that
 * the device offers; none with one rx queue, there is nothing to spread. */
static uint64_t rss_effective(const struct hpd_port_conf *c, const struct rte_eth_dev_info *info)
{
	uint32_t want = c->rss == HPD_RSS_AUTO ? HPD_RSS_IP | HPD_RSS_TCP | HPD_RSS_UDP : c->rss;

	if (c->rxq < 2)
		return 0;
	return rss_bits(want) & info->flow_type_rss_offloads;
}

/* The count a queue setup with 0 descriptors gets (ethdev's own rule). */
static unsigned desc_count(uint16_t asked, uint16_t preferred, unsigned fallback)
{
	return asked ? asked : preferred ? preferred : fallback;
}

static int check_desc(const char *name, const char *dir, uint16_t n,
		      const struct rte_eth_desc_lim *lim, char *reason, size_t rlen)
{
	unsigned align = lim->nb_align ? lim->nb_align : 1;

	if (n == 0 || (n >= lim->nb_min && n <= lim->nb_max && n % align == 0))
		return 0;
	if (align > 1)
		snprintf(reason, rlen, "%s takes %u to %u %s descriptors in multiples of %u, asked %u",
			 name, lim->nb_min, lim->nb_max, dir, align, n);
	else
		snprintf(reason, rlen, "%s takes %u to %u %s descriptors, asked %u", name,
			 lim->nb_min, lim->nb_max, dir, n);
	return -EINVAL;
}

static bool socket_known(int socket)
{
	for (unsigned i = 0; i < rte_socket_count(); i++)
		if (rte_socket_id_by_idx(i) == socket)
			return true;
	return false;
}

static int check_socket(int socket, char *reason, size_t rlen)
{
	char list[64] = "";
	size_t n = 0;

	if (socket < 0 || socket_known(socket))
		return 0;
	for (unsigned i = 0; i < rte_socket_count() && n < sizeof(list); i++)
		n += (size_t)snprintf(list + n, sizeof(list) - n, "%s%d", i ? ", " : "",
				      rte_socket_id_by_idx(i));
	snprintf(reason, rlen, "mbuf pool: NUMA socket %d does not exist (the EAL has %s)", socket,
		 list);
	return -EINVAL;
}

/* Free hugepage memory: what the heaps have free plus the pages the
 * kernel has not handed out yet (the heaps grow into them). */
static uint64_t hugepages_free(void)
{
	struct rte_malloc_socket_stats st;
	uint64_t total = 0;
	struct dirent *e;
	DIR *d;

	for (unsigned i = 0; i < rte_socket_count(); i++)
		if (rte_malloc_get_socket_stats(rte_socket_id_by_idx(i), &st) == 0)
			total += st.heap_freesz_bytes;
	d = opendir("/sys/kernel/mm/hugepages");
	while (d && (e = readdir(d)) != NULL) {
		char path[300];
		unsigned long kb, pages;
		FILE *f;

		if (sscanf(e->d_name, "hugepages-%lukB", &kb) != 1)
			continue;
		snprintf(path, sizeof(path), "/sys/kernel/mm/hugepages/%s/free_hugepages",
			 e->d_name);
		if ((f = fopen(path, "r")) == NULL)
			continue;
		if (fscanf(f, "%lu", &pages) == 1)
			total += (uint64_t)pages * kb * 1024;
		fclose(f);
	}
	if (d)
		closedir(d);
	return total;
}

/*
 * A pool the hugepages cannot hold is refused before DPDK tries: its
 * attempt would take every free page (other processes' too) for a while
 * before failing. DPDK's own ENOMEM remains the last word.
 */
static int check_pool(const struct hpd_port_conf *c, unsigned rx_mbufs, char *reason,
		      size_t rlen)
{
	char pname[RTE_MEMPOOL_NAMESIZE];
	uint64_t need, avail;
	uint32_t elt;
	int rc;

	pool_name(c, pname, sizeof(pname));
	if ((unsigned)c->pool_cache * 3 / 2 > c->pool_size) {
		snprintf(reason, rlen, "mbuf pool %s: a cache of %u mbufs per lcore needs a pool of "
			 "at least %u, asked %u", pname, c->pool_cache, c->pool_cache * 3 / 2,
			 c->pool_size);
		return -EINVAL;
	}
	if (c->pool_size < rx_mbufs) {
		snprintf(reason, rlen, "mbuf pool %s: %u mbufs cannot fill %u rx queues of %u "
			 "descriptors (%u mbufs)", pname, c->pool_size, c->rxq, rx_mbufs / c->rxq,
			 rx_mbufs);
		return -EINVAL;
	}
	if ((rc = check_socket(c->socket, reason, rlen)) != 0)
		return rc;
	for (unsigned i = 0; i < POOLS_MAX; i++)
		if (pools[i].mp && pools[i].size == c->pool_size && pools[i].cache == c->pool_cache &&
		    pools[i].socket == c->socket)
			return 0; /* exists: costs nothing more */
	elt = rte_mempool_calc_obj_size(sizeof(struct rte_mbuf) + RTE_MBUF_DEFAULT_BUF_SIZE, 0,
					NULL);
	need = (uint64_t)c->pool_size * elt;
	avail = hugepages_free();
	if (need > avail) {
		snprintf(reason, rlen, "mbuf pool %s: %u mbufs need %llu MiB of hugepage memory, "
			 "%llu MiB are free", pname, c->pool_size,
			 (unsigned long long)(need >> 20), (unsigned long long)(avail >> 20));
		return -ENOMEM;
	}
	return 0;
}

int devconf_check(uint16_t port, const struct hpd_port_conf *c, char *reason, size_t rlen)
{
	struct rte_eth_dev_info info;
	char name[RTE_ETH_NAME_MAX_LEN], have[48], want[48];
	unsigned rxd;
	int rc;

	port_name(port, name);
	if ((rc = rte_eth_dev_info_get(port, &info)) != 0) {
		snprintf(reason, rlen, "%s: cannot read its limits: %s", name, strerror(-rc));
		return rc;
	}
	if (c->rxq > info.max_rx_queues || c->txq > info.max_tx_queues) {
		bool rx = c->rxq > info.max_rx_queues;

		snprintf(reason, rlen, "%s supports at most %u %s queues, asked %u", name,
			 rx ? info.max_rx_queues : info.max_tx_queues, rx ? "rx" : "tx",
			 rx ? c->rxq : c->txq);
		return -EINVAL;
	}
	if ((rc = check_desc(name, "rx", c->rxd, &info.rx_desc_lim, reason, rlen)) != 0 ||
	    (rc = check_desc(name, "tx", c->txd, &info.tx_desc_lim, reason, rlen)) != 0)
		return rc;
	if (c->mtu && (c->mtu < info.min_mtu || c->mtu > info.max_mtu)) {
		snprintf(reason, rlen, "%s takes an MTU from %u to %u, asked %u", name, info.min_mtu,
			 info.max_mtu, c->mtu);
		return -EINVAL;
	}
	if (c->rss != HPD_RSS_AUTO && c->rss && (rss_offered(info.flow_type_rss_offloads) &
						 c->rss) != c->rss) {
		snprintf(reason, rlen, "%s offers RSS on %s, asked %s", name,
			 portconf_rss_str(rss_offered(info.flow_type_rss_offloads), have,
					  sizeof(have)), portconf_rss_str(c->rss, want, sizeof(want)));
		return -EINVAL;
	}
	rxd = desc_count(c->rxd, info.default_rxportconf.ring_size,
			 RTE_ETH_DEV_FALLBACK_RX_RINGSIZE);
	return check_pool(c, (unsigned)c->rxq * rxd, reason, rlen);
}

/* ---- pools ------------------------------------------------------------- */

static void pools_sweep(void)
{
	for (unsigned i = 0; i < POOLS_MAX; i++) {
		struct pool *p = &pools[i];

		if (p->mp == NULL || p->users || !rte_mempool_full(p->mp))
			continue;
		log_info("mbuf pool %s: no port uses it, freed", p->mp->name);
		rte_mempool_free(p->mp);
		p->mp = NULL;
	}
}

int devconf_pool_get(const struct hpd_port_conf *c, int *pool, char *reason, size_t rlen)
{
	char pname[RTE_MEMPOOL_NAMESIZE];
	int free_slot = -1;

	for (int i = 0; i < POOLS_MAX; i++) {
		struct pool *p = &pools[i];

		if (p->mp && p->size == c->pool_size && p->cache == c->pool_cache &&
		    p->socket == c->socket) {
			p->users++;
			*pool = i;
			return 0;
		}
		if (p->mp == NULL && free_slot < 0)
			free_slot = i;
	}
	pool_name(c, pname, sizeof(pname));
	if (free_slot < 0) {
		snprintf(reason, rlen, "mbuf pool %s: %d pools exist already, each still holding "
			 "mbufs; none can be added", pname, POOLS_MAX);
		return -ENOSPC;
	}
	eal_log_capture_begin();
	/* owned by the primary, visible to secondaries by name */
	pools[free_slot].mp = rte_pktmbuf_pool_create(pname, c->pool_size, c->pool_cache, 0,
						      RTE_MBUF_DEFAULT_BUF_SIZE,
						      c->socket < 0 ? SOCKET_ID_ANY : c->socket);
	if (pools[free_slot].mp == NULL) {
		char what[RTE_MEMPOOL_NAMESIZE + 64];

		snprintf(what, sizeof(what), "mbuf pool %s of %u mbufs", pname, c->pool_size);
		return eal_log_failed(-rte_errno, what, reason, rlen);
	}
	eal_log_capture_end();
	pools[free_slot].size = c->pool_size;
	pools[free_slot].cache = c->pool_cache;
	pools[free_slot].socket = c->socket;
	pools[free_slot].users = 1;
	*pool = free_slot;
	return 0;
}

void devconf_pool_put(int pool)
{
	if (pool >= 0 && pool < POOLS_MAX && pools[pool].users)
		pools[pool].users--;
	pools_sweep();
}

/* ---- applying ---------------------------------------------------------- */

#ifdef HPD_FAULT_HOOKS
/*
 * Test builds only: HOTPLUGD_FAULT=fail:setup[:DEVICE] in the primary makes
 * the queue setup of a port's next configuration (not its first) fail
 * after the port was configured with it: the half-configured state a
 * rollback must undo. It fails once: the rollback's own setup goes through.
 */
static bool setup_fault(const char *name)
{
	static bool fired;
	const char *f = getenv("HOTPLUGD_FAULT");

	if (fired || f == NULL || strncmp(f, "fail:setup", 10) != 0 ||
	    (f[10] == ':' && strcmp(f + 11, name) != 0) || (f[10] != ':' && f[10] != '\0'))
		return false;
	fired = true;
	log_warn("fault injection: queue setup of %s fails", name);
	return true;
}
#else
static bool setup_fault(const char *name)
{
	(void)name;
	return false;
}
#endif

static int setup_queues(uint16_t port, const struct hpd_port_conf *c, struct rte_mempool *mp,
			char *reason, size_t rlen)
{
	int socket = rte_eth_dev_socket_id(port), rc;
	char what[48], name[RTE_ETH_NAME_MAX_LEN];

	if (applied[port].set && setup_fault(port_name(port, name))) {
		snprintf(reason, rlen, "rx queue setup: fault injected by HOTPLUGD_FAULT=%s",
			 getenv("HOTPLUGD_FAULT"));
		return -EIO;
	}
	for (uint16_t q = 0; q < c->rxq; q++)
		if ((rc = rte_eth_rx_queue_setup(port, q, c->rxd, socket, NULL, mp)) != 0) {
			snprintf(what, sizeof(what), "rx queue %u setup", q);
			return eal_log_failed(rc, what, reason, rlen);
		}
	for (uint16_t q = 0; q < c->txq; q++)
		if ((rc = rte_eth_tx_queue_setup(port, q, c->txd, socket, NULL)) != 0) {
			snprintf(what, sizeof(what), "tx queue %u setup", q);
			return eal_log_failed(rc, what, reason, rlen);
		}
	return 0;
}

static int set_promisc(uint16_t port, int8_t want, char *reason, size_t rlen)
{
	int rc;

	if (want < 0 || rte_eth_promiscuous_get(port) == want)
		return 0;
	rc = want ? rte_eth_promiscuous_enable(port) : rte_eth_promiscuous_disable(port);
	if (rc)
		return eal_log_failed(rc, want ? "promiscuous mode on" : "promiscuous mode off",
				      reason, rlen);
	return 0;
}

int devconf_apply(uint16_t port, const struct hpd_port_conf *c, char *reason, size_t rlen)
{
	struct applied *a = &applied[port];
	struct rte_eth_dev_info info;
	struct rte_eth_conf conf;
	int pool, rc, before = rte_eth_promiscuous_get(port);

	if ((rc = rte_eth_dev_info_get(port, &info)) != 0)
		return eal_log_failed(rc, "device info", reason, rlen);
	if ((rc = devconf_pool_get(c, &pool, reason, rlen)) != 0)
		return rc;
	memset(&conf, 0, sizeof(conf));
	/* a PMD that reports its device's removal does so only when asked */
	conf.intr_conf.rmv = unplug_port_has_rmv(port);
	conf.rxmode.mtu = c->mtu; /* 0: DPDK's 1500 */
	conf.rx_adv_conf.rss_conf.rss_hf = rss_effective(c, &info);
	if (conf.rx_adv_conf.rss_conf.rss_hf)
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
	eal_log_capture_begin();
	if ((rc = rte_eth_dev_configure(port, c->rxq, c->txq, &conf)) != 0)
		rc = eal_log_failed(rc, "configure", reason, rlen);
	else if ((rc = setup_queues(port, c, pools[pool].mp, reason, rlen)) == 0 &&
		 (rc = set_promisc(port, c->promisc < 0 && a->set ? a->promisc_before : c->promisc,
				   reason, rlen)) == 0)
		eal_log_capture_end();
	if (rc) {
		/* the queues set up so far may hold its mbufs: the sweep
		 * frees the pool only once they are all back */
		devconf_pool_put(pool);
		return rc;
	}
	if (!a->set)
		a->promisc_before = (int8_t)(before > 0);
	if (a->set)
		devconf_pool_put(a->pool);
	a->set = true;
	a->conf = *c;
	a->pool = pool;
	return 0;
}

int devconf_restore(uint16_t port, char *reason, size_t rlen)
{
	struct applied *a = &applied[port];
	struct hpd_port_conf c;
	struct rte_eth_conf conf;
	int rc;

	if (a->set) {
		c = a->conf;
		return devconf_apply(port, &c, reason, rlen);
	}
	memset(&conf, 0, sizeof(conf));
	eal_log_capture_begin();
	if ((rc = rte_eth_dev_configure(port, 1, 1, &conf)) != 0)
		return eal_log_failed(rc, "configure", reason, rlen);
	eal_log_capture_end();
	return 0;
}

void devconf_forget(uint16_t port)
{
	struct applied *a = &applied[port];

	if (a->set)
		devconf_pool_put(a->pool);
	memset(a, 0, sizeof(*a));
}
