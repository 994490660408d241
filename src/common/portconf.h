/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A port's configuration as the primary owns it: queue and descriptor
 * counts, MTU, promiscuous mode, RSS hash functions and the mbuf pool its
 * rx queues draw from. The JSON form is what `start`/`configure` take,
 * `list` shows and the state file keeps; this file holds its one parse
 * (strict: unknown keys and wrong types are refused) with no DPDK, so the
 * daemon, hpctl and the unit tests share it. What a device can do is
 * checked by the daemon against rte_eth_dev_info (dpdk/devconf.c).
 */
#ifndef HPD_PORTCONF_H
#define HPD_PORTCONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/* RSS hash functions by name; the daemon maps them to RTE_ETH_RSS_*. */
#define HPD_RSS_IP 0x1u
#define HPD_RSS_TCP 0x2u
#define HPD_RSS_UDP 0x4u
#define HPD_RSS_SCTP 0x8u
#define HPD_RSS_ALL (HPD_RSS_IP | HPD_RSS_TCP | HPD_RSS_UDP | HPD_RSS_SCTP)
/* rss not given: ip,tcp,udp where the device hashes them and rxq > 1 */
#define HPD_RSS_AUTO 0x80000000u

/* Bounds of the syntax, before any device is asked: DPDK's own types
 * (uint16_t queue and descriptor counts, a uint16_t MTU) and a pool no
 * larger than a 32-bit mempool count can describe. */
#define HPD_PORTCONF_QUEUES_MAX 65535
#define HPD_PORTCONF_DESC_MAX 65535
#define HPD_PORTCONF_MTU_MAX 65535
#define HPD_PORTCONF_POOL_MAX (1u << 30)
#define HPD_PORTCONF_CACHE_MAX 512 /* RTE_MEMPOOL_CACHE_MAX_SIZE */
#define HPD_PORTCONF_SOCKET_MAX 1023

struct hpd_port_conf {
	uint16_t rxq, txq;   /* queues (>= 1) */
	uint16_t rxd, txd;   /* descriptors per queue; 0: the driver's choice */
	uint16_t mtu;        /* 0: DPDK's default (1500) */
	int8_t promisc;      /* -1: as the driver leaves it; 0 off; 1 on */
	uint8_t pad;
	uint32_t rss;        /* HPD_RSS_* bits, or HPD_RSS_AUTO */
	uint32_t pool_size;  /* mbufs */
	uint16_t pool_cache; /* per-lcore cache */
	int16_t socket;      /* NUMA socket of the pool and queues; -1: the port's */
};

/* Today's behaviour, valid for every driver: 1 rx and 1 tx queue, the
 * driver's descriptor counts, 8191 mbufs with a 256 cache. */
void portconf_default(struct hpd_port_conf *c);
/*
 * Apply the keys of obj onto *c (a key set to null goes back to its
 * default). 0, or -EINVAL with msg naming the key and what it must be;
 * *c is unchanged then. A NULL obj changes nothing.
 */
int portconf_merge(struct hpd_port_conf *c, const json_t *obj, char *msg, size_t len);
/* Every key, as portconf_merge takes them. */
json_t *portconf_json(const struct hpd_port_conf *c);
bool portconf_equal(const struct hpd_port_conf *a, const struct hpd_port_conf *b);
/* "ip,tcp" ("none" for 0, "auto" for HPD_RSS_AUTO) */
const char *portconf_rss_str(uint32_t rss, char *buf, size_t len);
/* "ip,tcp,udp" / "none" / "auto" into bits; -EINVAL names the bad word. */
int portconf_rss_parse(const char *s, uint32_t *out, char *msg, size_t len);

#endif
