/* SPDX-License-Identifier: BSD-3-Clause */
/* The port configuration's one parse (common/portconf.c): merge, null back
 * to the default, strict keys and types, rss words, round trip. */
#include <errno.h>
#include <string.h>

#include "check.h"
#include "portconf.h"

static int merge(struct hpd_port_conf *c, const char *text, char *msg, size_t len)
{
	json_t *j = json_loads(text, JSON_DECODE_ANY, NULL);
	int rc = portconf_merge(c, j, msg, len);

	json_decref(j);
	return rc;
}

int main(void)
{
	struct hpd_port_conf c, d, back;
	char msg[160], buf[64];
	uint32_t rss;
	json_t *j;

	portconf_default(&d);
	CHECK(d.rxq == 1 && d.txq == 1 && d.rxd == 0 && d.pool_size == 8191 && d.socket == -1);
	CHECK(d.rss == HPD_RSS_AUTO && d.promisc == -1);

	c = d;
	CHECK(merge(&c, "{\"rxq\":3,\"txq\":2,\"promisc\":true,\"rss\":[\"ip\",\"udp\"],"
		    "\"pool\":{\"size\":4095}}", msg, sizeof(msg)) == 0);
	CHECK(c.rxq == 3 && c.txq == 2 && c.promisc == 1 && c.rss == (HPD_RSS_IP | HPD_RSS_UDP));
	CHECK(c.pool_size == 4095 && c.pool_cache == 256);
	/* merged: keys not given stay; null is the default again */
	CHECK(merge(&c, "{\"rxq\":null,\"pool\":{\"cache\":0}}", msg, sizeof(msg)) == 0);
	CHECK(c.rxq == 1 && c.txq == 2 && c.pool_size == 4095 && c.pool_cache == 0);
	/* round trip through the JSON list and the state file show */
	j = portconf_json(&c);
	back = d;
	CHECK(portconf_merge(&back, j, msg, sizeof(msg)) == 0 && portconf_equal(&back, &c));
	json_decref(j);

	/* refused whole, naming the key; nothing changed */
	back = c;
	const char *bad[] = {
		"{\"rxq\":0}", "{\"rxq\":-1}", "{\"rxq\":65536}", "{\"rxq\":\"3\"}", "{\"rxq\":3.0}",
		"{\"rxd\":1099511627776}", "{\"queues\":3}", "{\"pool\":{\"size\":0}}",
		"{\"pool\":{\"sizes\":1}}", "{\"pool\":5}", "{\"pool\":{\"socket\":-2}}",
		"{\"rss\":[\"ip\",\"md5\"]}", "{\"rss\":3}", "{\"rss\":\"ip,,tcp\"}",
		"{\"rss\":\"ip,\"}", "{\"promisc\":\"on\"}", "{\"mtu\":65536}", "[]", "\"rxq=3\"",
		"{\"pool\":{\"size\":2147483648}}", "{\"pool\":{\"cache\":513}}",
		"{\"txq\":2,\"rxq\":0}",
	};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		msg[0] = '\0';
		CHECK(merge(&c, bad[i], msg, sizeof(msg)) == -EINVAL && strstr(msg, "config") &&
		      portconf_equal(&c, &back));
	}
	CHECK(merge(&c, "{\"rxq\":0}", msg, sizeof(msg)) == -EINVAL);
	CHECK_STR(msg, "config.rxq must be an integer from 1 to 65535");
	CHECK(merge(&c, "{\"queues\":3}", msg, sizeof(msg)) == -EINVAL);
	CHECK(strstr(msg, "unknown key \"queues\"") != NULL);

	CHECK(portconf_rss_parse("tcp,ip", &rss, msg, sizeof(msg)) == 0 &&
	      rss == (HPD_RSS_IP | HPD_RSS_TCP));
	CHECK(portconf_rss_parse("none", &rss, msg, sizeof(msg)) == 0 && rss == 0);
	CHECK(portconf_rss_parse("auto", &rss, msg, sizeof(msg)) == 0 && rss == HPD_RSS_AUTO);
	CHECK_STR(portconf_rss_str(HPD_RSS_IP | HPD_RSS_SCTP, buf, sizeof(buf)), "ip,sctp");
	CHECK_STR(portconf_rss_str(0, buf, sizeof(buf)), "none");
	CHECK_STR(portconf_rss_str(HPD_RSS_AUTO, buf, sizeof(buf)), "auto");
	CHECK_DONE();
}
