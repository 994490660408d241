/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "portconf.h"

static const struct {
	const char *name;
	uint32_t bit;
} rss_names[] = {
	{"ip", HPD_RSS_IP}, {"tcp", HPD_RSS_TCP}, {"udp", HPD_RSS_UDP}, {"sctp", HPD_RSS_SCTP},
};

void portconf_default(struct hpd_port_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->rxq = c->txq = 1;
	c->promisc = -1;
	c->rss = HPD_RSS_AUTO;
	c->pool_size = 8191; /* 2^n - 1: the ring under the mempool wastes nothing */
	c->pool_cache = 256;
	c->socket = -1;
}

const char *portconf_rss_str(uint32_t rss, char *buf, size_t len)
{
	size_t n = 0;

	if (rss == HPD_RSS_AUTO)
		return snprintf(buf, len, "auto"), buf;
	*buf = '\0';
	for (unsigned i = 0; i < sizeof(rss_names) / sizeof(*rss_names); i++)
		if ((rss & rss_names[i].bit) && n < len)
			n += (size_t)snprintf(buf + n, len - n, "%s%s", n ? "," : "",
					      rss_names[i].name);
	if (n == 0)
		snprintf(buf, len, "none");
	return buf;
}

static int rss_word(const char *w, size_t wl, uint32_t *bits, char *msg, size_t len)
{
	for (unsigned i = 0; i < sizeof(rss_names) / sizeof(*rss_names); i++)
		if (strlen(rss_names[i].name) == wl && strncmp(w, rss_names[i].name, wl) == 0) {
			*bits |= rss_names[i].bit;
			return 0;
		}
	snprintf(msg, len, "config.rss: unknown hash function \"%.*s\" (ip, tcp, udp, sctp, "
		 "none or auto)", (int)(wl > 32 ? 32 : wl), w);
	return -EINVAL;
}

int portconf_rss_parse(const char *s, uint32_t *out, char *msg, size_t len)
{
	uint32_t bits = 0;

	if (strcmp(s, "auto") == 0) {
		*out = HPD_RSS_AUTO;
		return 0;
	}
	if (strcmp(s, "none") == 0 || *s == '\0') {
		*out = 0;
		return 0;
	}
	for (const char *w = s; *w;) {
		size_t wl = strcspn(w, ",");

		if (rss_word(w, wl, &bits, msg, len))
			return -EINVAL;
		w += wl;
		if (*w == ',' && *++w == '\0')
			return rss_word(w, 0, &bits, msg, len);
	}
	*out = bits;
	return 0;
}

/* rss: "auto", "none", "ip,tcp" or ["ip", "tcp"] */
static int rss_json(const json_t *v, uint32_t *out, char *msg, size_t len)
{
	const json_t *e;
	uint32_t bits = 0;
	size_t i;

	if (json_is_string(v))
		return portconf_rss_parse(json_string_value(v), out, msg, len);
	if (!json_is_array(v)) {
		snprintf(msg, len, "config.rss must be a list of hash functions or \"auto\"");
		return -EINVAL;
	}
	json_array_foreach(v, i, e) {
		const char *w = json_string_value(e);

		if (w == NULL) {
			snprintf(msg, len, "config.rss[%zu] must be a string", i);
			return -EINVAL;
		}
		if (rss_word(w, strlen(w), &bits, msg, len))
			return -EINVAL;
	}
	*out = bits;
	return 0;
}

/* An integer key in [min, max]; null: the default's value. */
static int num(const json_t *v, const char *key, long long min, long long max,
	       long long dflt, long long *out, char *msg, size_t len)
{
	if (json_is_null(v)) {
		*out = dflt;
		return 0;
	}
	if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max) {
		snprintf(msg, len, "config.%s must be an integer from %lld to %lld", key, min, max);
		return -EINVAL;
	}
	*out = json_integer_value(v);
	return 0;
}

static int merge_pool(struct hpd_port_conf *c, const struct hpd_port_conf *d,
		      const json_t *pool, char *msg, size_t len)
{
	const char *k;
	json_t *v;
	long long x;

	if (json_is_null(pool)) {
		c->pool_size = d->pool_size;
		c->pool_cache = d->pool_cache;
		c->socket = d->socket;
		return 0;
	}
	if (!json_is_object(pool)) {
		snprintf(msg, len, "config.pool must be an object {size, cache, socket}");
		return -EINVAL;
	}
	json_object_foreach((json_t *)pool, k, v) {
		if (strcmp(k, "size") == 0) {
			if (num(v, "pool.size", 1, HPD_PORTCONF_POOL_MAX, d->pool_size, &x, msg, len))
				return -EINVAL;
			c->pool_size = (uint32_t)x;
		} else if (strcmp(k, "cache") == 0) {
			if (num(v, "pool.cache", 0, HPD_PORTCONF_CACHE_MAX, d->pool_cache, &x, msg,
				len))
				return -EINVAL;
			c->pool_cache = (uint16_t)x;
		} else if (strcmp(k, "socket") == 0) {
			if (num(v, "pool.socket", -1, HPD_PORTCONF_SOCKET_MAX, d->socket, &x, msg,
				len))
				return -EINVAL;
			c->socket = (int16_t)x;
		} else {
			snprintf(msg, len, "config.pool: unknown key \"%.48s\" (size, cache, socket)",
				 k);
			return -EINVAL;
		}
	}
	return 0;
}

static int merge_key(struct hpd_port_conf *c, const struct hpd_port_conf *d, const char *k,
		     const json_t *v, char *msg, size_t len)
{
	static const struct {
		const char *key;
		size_t off;
		long long min, max;
	} u16[] = {
		{"rxq", offsetof(struct hpd_port_conf, rxq), 1, HPD_PORTCONF_QUEUES_MAX},
		{"txq", offsetof(struct hpd_port_conf, txq), 1, HPD_PORTCONF_QUEUES_MAX},
		{"rxd", offsetof(struct hpd_port_conf, rxd), 0, HPD_PORTCONF_DESC_MAX},
		{"txd", offsetof(struct hpd_port_conf, txd), 0, HPD_PORTCONF_DESC_MAX},
		{"mtu", offsetof(struct hpd_port_conf, mtu), 0, HPD_PORTCONF_MTU_MAX},
	};
	long long x;

	for (unsigned i = 0; i < sizeof(u16) / sizeof(*u16); i++) {
		uint16_t *f = (uint16_t *)((char *)c + u16[i].off);

		if (strcmp(k, u16[i].key) != 0)
			continue;
		if (num(v, k, u16[i].min, u16[i].max,
			*(const uint16_t *)((const char *)d + u16[i].off), &x, msg, len))
			return -EINVAL;
		*f = (uint16_t)x;
		return 0;
	}
	if (strcmp(k, "promisc") == 0) {
		if (!json_is_boolean(v) && !json_is_null(v)) {
			snprintf(msg, len, "config.promisc must be true, false or null");
			return -EINVAL;
		}
		c->promisc = json_is_null(v) ? d->promisc : json_is_true(v);
		return 0;
	}
	if (strcmp(k, "rss") == 0) {
		if (json_is_null(v)) {
			c->rss = d->rss;
			return 0;
		}
		return rss_json(v, &c->rss, msg, len);
	}
	if (strcmp(k, "pool") == 0)
		return merge_pool(c, d, v, msg, len);
	snprintf(msg, len, "config: unknown key \"%.48s\" (rxq, txq, rxd, txd, mtu, promisc, rss, "
		 "pool)", k);
	return -EINVAL;
}

int portconf_merge(struct hpd_port_conf *c, const json_t *obj, char *msg, size_t len)
{
	struct hpd_port_conf d, n = *c;
	const char *k;
	json_t *v;

	if (obj == NULL)
		return 0;
	if (!json_is_object(obj)) {
		snprintf(msg, len, "config must be an object");
		return -EINVAL;
	}
	portconf_default(&d);
	json_object_foreach((json_t *)obj, k, v)
		if (merge_key(&n, &d, k, v, msg, len))
			return -EINVAL;
	*c = n;
	return 0;
}

json_t *portconf_json(const struct hpd_port_conf *c)
{
	json_t *rss;

	if (c->rss == HPD_RSS_AUTO) {
		rss = json_string("auto");
	} else {
		rss = json_array();
		for (unsigned i = 0; i < sizeof(rss_names) / sizeof(*rss_names); i++)
			if (c->rss & rss_names[i].bit)
				json_array_append_new(rss, json_string(rss_names[i].name));
	}
	return json_pack("{s:i, s:i, s:i, s:i, s:i, s:o, s:o, s:{s:i, s:i, s:i}}",
			 "rxq", c->rxq, "txq", c->txq, "rxd", c->rxd, "txd", c->txd,
			 "mtu", c->mtu, "promisc", c->promisc < 0 ? json_null() :
			 json_boolean(c->promisc), "rss", rss, "pool", "size", (int)c->pool_size,
			 "cache", c->pool_cache, "socket", c->socket);
}

bool portconf_equal(const struct hpd_port_conf *a, const struct hpd_port_conf *b)
{
	return a->rxq == b->rxq && a->txq == b->txq && a->rxd == b->rxd && a->txd == b->txd &&
	       a->mtu == b->mtu && a->promisc == b->promisc && a->rss == b->rss &&
	       a->pool_size == b->pool_size && a->pool_cache == b->pool_cache &&
	       a->socket == b->socket;
}
