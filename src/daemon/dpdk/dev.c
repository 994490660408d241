/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <unistd.h>
#include <stdio.h>
#include <string.h>

#include <rte_bus.h>
#include <rte_bus_vdev.h>
#include <rte_dev.h>
#include <rte_devargs.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_memzone.h>

#include "depend.h"
#include "dev.h"
#include "devconf.h"
#include "devjob.h"
#include "devspec.h"
#include "eal_log.h"
#include "sockfile.h"
#include "local.h"
#include "ports.h"
#include "hotplugd.h"
#include "log.h"

#define ports (ports_table()->port)

static void record(uint16_t port);
static void conf_record(uint16_t port, const struct hpd_port_conf *c);
static void snapshot_take(void);
static void snapshot_drop(void);
static json_t *snapshot; /* the port list while a device job runs */
static uint64_t local_changes; /* attach/detach/start/stop in this process */

int dev_init(void)
{
	int rc = ports_table_init(hpd_is_primary());
	uint16_t p;

	if (rc) {
		log_err("port state table %s: %s", HPD_PORTS_MZ,
			hpd_is_primary() ? rte_strerror(-rc) :
			"not found (is the primary a hotplugd?)");
		return rc;
	}
	devjob_on_busy(snapshot_take, snapshot_drop);
	/* devices the EAL probed at start-up (-a, --vdev) are the group's too */
	if (hpd_is_primary())
		RTE_ETH_FOREACH_DEV(p)
			record(p);
	return 0;
}

/* The shared started flag and generation are read by every member with
 * atomic loads: written one way only, here. */
static void set_started(uint16_t port, bool started)
{
	__atomic_store_n(&ports[port].started, started, __ATOMIC_RELEASE);
	__atomic_fetch_add(&ports[port].gen, 1, __ATOMIC_RELEASE);
}

int dev_parse(const char *devargs, struct local_devargs *out, char *reason, size_t rlen)
{
	eal_log_capture_begin();
	if (local_parse(devargs, out) != 0)
		return eal_log_failed(-EINVAL, "cannot parse devargs", reason, rlen);
	eal_log_capture_end();
	return 0;
}

/*
 * A secondary copies a port's queue array pointer into its fast-path table
 * when it probes the port (eth_dev_fp_ops_setup, DPDK 22.11 to 25.11); the
 * array is allocated by the first rte_eth_dev_configure() and kept until
 * close. So the primary configures a new port before any member attaches
 * it: a member that probed an unconfigured port would keep a NULL queue
 * array and fault in rte_eth_rx_burst once the port is started. (A PCI
 * device is probed in the members by the EAL inside the primary's own
 * probe, before this can run: docs/operations.md, "Physical hotplug".)
 */
static void preconfigure(const char *name)
{
	struct rte_eth_dev_info info;
	struct rte_eth_conf conf;
	uint16_t port;

	if (dev_port_by_name(name, &port) != 0 || rte_eth_dev_info_get(port, &info) != 0)
		return;
	/* net_tap: a secondary's probe asks the primary for the fd of every
	 * configured queue; configured but not yet set up, a queue has none
	 * and the request fails. tap hands its queues over at probe instead. */
	if (info.driver_name && strcmp(info.driver_name, "net_tap") == 0)
		return;
	memset(&conf, 0, sizeof(conf));
	/* one queue each way: the queue count is start's (its configuration) */
	if (rte_eth_dev_configure(port, 1, 1, &conf) != 0)
		log_warn("%s: cannot configure before the members attach it; a data-path "
			 "worker will leave it alone in members that attach it now", name);
}

static void clear_stale(const char *what, const char *path)
{
	int rc = sockfile_clear_stale(path);

	if (rc > 0)
		log_notice("removed stale %s socket %s", what, path);
	else if (rc < 0 && rc != -ENOENT)
		log_warn("%s socket %s left alone: %s", what, path, strerror(-rc));
}

/*
 * A vhost-user server socket left by a process that died (a primary killed
 * and restarted) makes the new bind fail with EADDRINUSE. Remove the file
 * only when nobody listens on it: a live socket is someone else's.
 */
static void clear_stale_vhost_socket(uint16_t port)
{
	struct rte_eth_dev_info info;
	const struct rte_devargs *da;
	char args[256], *tok, *save, *iface = NULL;
	bool client = false;

	if (rte_eth_dev_info_get(port, &info) != 0 || info.device == NULL ||
	    info.driver_name == NULL || strcmp(info.driver_name, "net_vhost") != 0)
		return;
	da = rte_dev_devargs(info.device);
	if (da == NULL || da->drv_str == NULL)
		return;
	snprintf(args, sizeof(args), "%s", da->drv_str);
	for (tok = strtok_r(args, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (strncmp(tok, "iface=", 6) == 0)
			iface = tok + 6;
		else if (strcmp(tok, "client=1") == 0)
			client = true;
	}
	if (iface == NULL || client)
		return;
	clear_stale("vhost-user", iface);
}

/*
 * The same for a memif server's socket, which memif binds at probe (vhost
 * at start): a primary restarted after a crash restores its memif ports
 * from the state file, and the dead primary's socket file would fail that
 * with EADDRINUSE. The path as DPDK reads the devargs (devspec_parse);
 * abstract sockets (the default) have no file, clients bind none.
 */
static void clear_stale_memif_socket(const char *devargs)
{
	struct hpd_devspec spec;
	char reason[HPD_REASON_MAX + 1];
	const char *path = NULL;
	bool file = false, client = false;

	if (devspec_parse(devargs, &spec, reason, sizeof(reason)) != 0 ||
	    strcmp(spec.match, "net_memif") != 0)
		return;
	for (unsigned i = 0; i < spec.nargs; i++) {
		const struct devspec_arg *a = &spec.args[i];

		/* memif's own reading, key by key, the last one winning
		 * (rte_kvargs_process calls its handler for each): substrings,
		 * "server" before "client", the deprecated "master"/"slave" */
		if (strcmp(a->key, "socket") == 0)
			path = a->value;
		else if (strcmp(a->key, "socket-abstract") == 0)
			file = !strstr(a->value, "yes") && strstr(a->value, "no");
		else if (strcmp(a->key, "role") == 0)
			client = !strstr(a->value, "server") &&
				 (strstr(a->value, "client") ||
				  (!strstr(a->value, "master") && strstr(a->value, "slave")));
	}
	if (path && file && !client)
		clear_stale("memif", path);
}

/* The primary publishes what it attached, for members that join later. */
static void record(uint16_t port)
{
	struct rte_eth_dev_info info;
	char devargs[HPD_DEVARGS_MAX + 1];
	const char *name;

	if (rte_eth_dev_info_get(port, &info) != 0 || info.device == NULL)
		return;
	name = rte_dev_name(info.device);
	if (dev_devargs(name, devargs, sizeof(devargs)) == 0) {
		struct hpd_port_conf c;

		ports_record(port, name, devargs);
		portconf_default(&c);
		conf_record(port, &c);
	}
}

int dev_attach(const char *devargs, const struct local_devargs *d, char *reason, size_t rlen)
{
	const char *name = d->name;
	uint16_t port;
	int rc;

	if (hpd_is_primary())
		clear_stale_memif_socket(devargs);
	eal_log_capture_begin();
	if (hpd_is_primary() && !d->vdev) {
		rc = rte_dev_probe(devargs);
		if (rc == 0 && !dev_exists(name))
			rc = -ENODEV; /* probed a device that made no ethdev port */
	} else {
		rc = local_attach(devargs);
	}
	/* the devargs parsed: an EINVAL now is the driver's failure (a DMA
	 * mapping, say), not a mistake in the request */
	if (rc == -EINVAL)
		rc = -EIO;
	if (rc)
		return eal_log_failed(rc, "", reason, rlen);
	if (hpd_is_primary() && dev_port_by_name(name, &port) == 0) {
		if (d->vdev)
			preconfigure(name);
		record(port);
	}
	eal_log_capture_end();
	__atomic_fetch_add(&local_changes, 1, __ATOMIC_RELEASE);
	return 0;
}

static struct rte_device *find_device(const char *name, uint16_t *port)
{
	struct rte_eth_dev_info info;
	uint16_t p;

	if (local_find(name, &p) != 0 || rte_eth_dev_info_get(p, &info) != 0)
		return NULL;
	if (port)
		*port = p;
	return info.device;
}

bool dev_exists(const char *name)
{
	return local_find(name, NULL) == 0;
}

int dev_port_by_name(const char *name, uint16_t *port)
{
	return local_find(name, port);
}

int dev_detach(const char *name, char *reason, size_t rlen)
{
	struct rte_device *dev;
	uint16_t port;
	int rc;

	eal_log_capture_begin();
	dev = find_device(name, &port);
	if (dev == NULL) {
		eal_log_capture_end();
		snprintf(reason, rlen, "no device %s", name);
		return -ENOENT;
	}
	if (hpd_is_primary() && strcmp(rte_bus_name(rte_dev_bus(dev)), "vdev") != 0)
		rc = rte_dev_remove(dev);
	else if (hpd_is_primary() && (rc = dev_release_slaves(port)) != 0)
		rc = rc < 0 ? rc : rte_vdev_uninit(name); /* the port is closed: the device */
	else
		rc = local_detach(name);
	if (rc)
		return eal_log_failed(rc, "", reason, rlen);
	eal_log_capture_end();
	__atomic_fetch_add(&local_changes, 1, __ATOMIC_RELEASE);
	if (hpd_is_primary()) {
		ports_set_ready(port, false);
		ports_record(port, NULL, NULL);
		set_started(port, false);
		devconf_forget(port);
	}
	return 0;
}

int dev_resolve(const struct hpd_devref *ref, char *name, size_t len, uint16_t *port)
{
	struct rte_eth_dev_info info;

	if (ref->kind == HPD_DEVREF_NAME) {
		if (find_device(ref->name, port) == NULL) {
			/* a port name that differs from its device name */
			if (rte_eth_dev_get_port_by_name(ref->name, port) != 0)
				return -ENOENT;
		}
	} else {
		if (!rte_eth_dev_is_valid_port(ref->port))
			return -ENOENT;
		*port = ref->port;
	}
	if (rte_eth_dev_info_get(*port, &info) != 0 || info.device == NULL)
		return -ENOENT;
	snprintf(name, len, "%s", rte_dev_name(info.device));
	return 0;
}

int dev_devargs(const char *name, char *out, size_t len)
{
	struct rte_device *dev = find_device(name, NULL);
	const struct rte_devargs *da;

	if (dev == NULL)
		return -ENOENT;
	da = rte_dev_devargs(dev);
	if (da && da->drv_str && *da->drv_str)
		snprintf(out, len, "%s,%s", rte_dev_name(dev), da->drv_str);
	else
		snprintf(out, len, "%s", rte_dev_name(dev));
	return 0;
}

/* The configuration the port starts with: the one it was given, else the
 * default (a port the EAL probed at start-up has no record yet). */
void dev_conf(uint16_t port, struct hpd_port_conf *c)
{
	if (port < RTE_MAX_ETHPORTS && *ports[port].device)
		*c = ports[port].conf;
	else
		portconf_default(c);
}

/* Recorded (primary): what list shows in every process and start uses. */
static void conf_record(uint16_t port, const struct hpd_port_conf *c)
{
	ports[port].conf = *c;
	__atomic_fetch_add(&ports[port].gen, 1, __ATOMIC_RELEASE);
}

int dev_check_conf(uint16_t port, const struct hpd_port_conf *c, char *reason, size_t rlen)
{
	return devconf_check(port, c, reason, rlen);
}

int dev_configure(uint16_t port, const struct hpd_port_conf *c, char *reason, size_t rlen)
{
	int rc = devconf_check(port, c, reason, rlen);

	if (rc == 0)
		conf_record(port, c);
	return rc;
}

/* What queue leases cover: ethdev's own counts. */
static void queues_publish(uint16_t port)
{
	struct rte_eth_dev_info info;

	if (rte_eth_dev_info_get(port, &info) == 0)
		ports_set_queues(port, info.nb_rx_queues, info.nb_tx_queues);
}

/* Apply c and start; on a failure the port is configured as it was before
 * (and stays stopped), the first failure in reason. */
static int apply_and_start(uint16_t port, const struct hpd_port_conf *c, char *reason,
			   size_t rlen)
{
	char undo[HPD_REASON_MAX + 1];
	int rc;

	clear_stale_vhost_socket(port);
	rc = devconf_apply(port, c, reason, rlen);
	if (rc == 0) {
		eal_log_capture_begin();
		if ((rc = rte_eth_dev_start(port)) == 0)
			eal_log_capture_end();
		else
			rc = eal_log_failed(rc, "start", reason, rlen);
	}
	if (rc == 0)
		queues_publish(port);
	if (rc && devconf_restore(port, undo, sizeof(undo)) != 0)
		log_err("port %u: cannot configure it as it was again: %s", port, undo);
	return rc;
}

int dev_start(uint16_t port, const struct hpd_port_conf *c, char *reason, size_t rlen)
{
	int rc;

	if (dev_started(port))
		return -EALREADY;
	if ((rc = devconf_check(port, c, reason, rlen)) != 0)
		return rc;
	if ((rc = apply_and_start(port, c, reason, rlen)) != 0)
		return rc;
	conf_record(port, c);
	set_started(port, true);
	return 0;
}

/*
 * memif in a secondary (DPDK 22.11) maps the rings' shared memory once and
 * never again: after the primary set the rings up anew (another queue
 * count) a member would poll the old mapping, its packets lost and its tx
 * interrupts sent to the primary's fds (seen: traffic stopped, "Failed to
 * send interrupt. Bad file descriptor" in the member). A member that
 * probes the port again maps it as it is now. A restart with the same
 * queue counts keeps the rings (a stop and a start already work).
 */
bool dev_members_reprobe(uint16_t port)
{
	struct rte_eth_dev_info info;

	return rte_eth_dev_info_get(port, &info) == 0 && info.driver_name &&
	       strcmp(info.driver_name, "net_memif") == 0;
}

/*
 * A started port (already quiesced) to a new configuration: stop it, apply
 * c, start it; on a failure the previous configuration goes back and the
 * port is started with it. The new pool is made first, so that a pool the
 * memory cannot hold leaves the port running untouched.
 */
int dev_reconfigure(uint16_t port, const struct hpd_port_conf *c, char *reason, size_t rlen)
{
	struct hpd_port_conf old;
	char why[HPD_REASON_MAX + 1];
	int rc, pool;

	if ((rc = devconf_check(port, c, reason, rlen)) != 0 ||
	    (rc = devconf_pool_get(c, &pool, reason, rlen)) != 0)
		return rc;
	dev_conf(port, &old);
	rc = dev_stop(port, reason, rlen);
	if (rc == 0 && (rc = apply_and_start(port, c, reason, rlen)) == 0) {
		conf_record(port, c);
		set_started(port, true);
	} else if (rc && dev_started(port) == false) {
		/* the old configuration is set up again: start it */
		snprintf(why, sizeof(why), "%s", reason);
		eal_log_capture_begin();
		if (rte_eth_dev_start(port) == 0) {
			eal_log_capture_end();
			queues_publish(port);
			set_started(port, true);
			snprintf(reason, rlen, "%s; the previous configuration is back", why);
		} else {
			char again[HPD_REASON_MAX + 1];

			eal_log_failed(-EIO, "start", again, sizeof(again));
			snprintf(reason, rlen, "%.120s; and the port cannot start with the previous "
				 "configuration either (%.60s): it is stopped", why, again);
		}
	}
	devconf_pool_put(pool);
	return rc;
}

int dev_stop(uint16_t port, char *reason, size_t rlen)
{
	int rc;

	if (!dev_started(port))
		return -EALREADY;
	/* cleared first: whoever reads it as set may rely on the port running */
	set_started(port, false);
	eal_log_capture_begin();
	if ((rc = rte_eth_dev_stop(port)) != 0) {
		set_started(port, true);
		return eal_log_failed(rc, "stop", reason, rlen);
	}
	eal_log_capture_end();
	return 0;
}

/*
 * Changes whenever anything list shows may have changed: our own changes,
 * the shared port table, and a fingerprint of the ports this process has
 * (valid ids and names) — the EAL attaches and removes PCI devices in a
 * secondary by itself, outside our counters.
 */
uint64_t dev_list_gen(void)
{
	uint64_t g = __atomic_load_n(&local_changes, __ATOMIC_ACQUIRE) + ports_ready_gen();
	char name[RTE_ETH_NAME_MAX_LEN];

	for (uint16_t p = 0; p < RTE_MAX_ETHPORTS; p++) {
		g += (uint64_t)__atomic_load_n(&ports[p].gen, __ATOMIC_ACQUIRE) << 20;
		if (!rte_eth_dev_is_valid_port(p) || rte_eth_dev_get_name_by_port(p, name) != 0)
			continue;
		g = g * 1099511628211ULL + p + 1; /* FNV-style mixing */
		for (const char *c = name; *c; c++)
			g = (g ^ (unsigned char)*c) * 1099511628211ULL;
	}
	return g;
}

bool dev_started(uint16_t port)
{
	return port < RTE_MAX_ETHPORTS && __atomic_load_n(&ports[port].started, __ATOMIC_ACQUIRE);
}

unsigned dev_count(void)
{
	return snapshot ? json_array_size(snapshot) : rte_eth_dev_count_avail();
}

/* The configuration asked: the primary's record, the same in every process. */
static void config_json(json_t *o, uint16_t port)
{
	if (*ports[port].device)
		json_object_set_new(o, "config", portconf_json(&ports[port].conf));
}

/* A port whose driver cannot describe it now is still attached: listed
 * (and so kept in the state file) from what the primary recorded. */
static json_t *recorded_port_json(uint16_t port, const char *name)
{
	const struct hpd_port_state *st = &ports[port];

	json_t *o = json_pack("{s:i, s:s, s:s, s:s, s:s, s:s, s:s}", "port", port, "name", name,
			      "device", *st->device ? st->device : name,
			      "devargs", *st->devargs ? st->devargs : name, "driver", "",
			      "bus", "", "state", dev_started(port) ? "started" : "stopped");

	config_json(o, port);
	return o;
}

/* The configuration asked, and what this process's ethdev has: the queue
 * counts a member can poll here. */
static void conf_json(json_t *o, uint16_t port, const struct rte_eth_dev_info *info)
{
	uint16_t mtu;
	int promisc = rte_eth_promiscuous_get(port);

	config_json(o, port);
	json_object_set_new(o, "rx_queues", json_integer(info->nb_rx_queues));
	json_object_set_new(o, "tx_queues", json_integer(info->nb_tx_queues));
	if (rte_eth_dev_get_mtu(port, &mtu) == 0)
		json_object_set_new(o, "mtu", json_integer(mtu));
	if (promisc >= 0)
		json_object_set_new(o, "promisc", json_boolean(promisc));
}

json_t *dev_port_json(uint16_t port)
{
	struct rte_eth_dev_info info;
	struct rte_ether_addr mac;
	char name[RTE_ETH_NAME_MAX_LEN], devargs[256], macs[RTE_ETHER_ADDR_FMT_SIZE];
	json_t *o;

	if (rte_eth_dev_get_name_by_port(port, name) != 0)
		return NULL;
	if (rte_eth_dev_info_get(port, &info) != 0 || info.device == NULL)
		return recorded_port_json(port, name);
	dev_devargs(rte_dev_name(info.device), devargs, sizeof(devargs));
	o = json_pack("{s:i, s:s, s:s, s:s, s:s, s:s, s:s}",
		      "port", port, "name", name,
		      "device", rte_dev_name(info.device),
		      "devargs", devargs,
		      "driver", info.driver_name ? info.driver_name : "",
		      "bus", rte_bus_name(rte_dev_bus(info.device)),
		      "state", dev_started(port) ? "started" : "stopped");
	if (rte_eth_macaddr_get(port, &mac) == 0) {
		rte_ether_format_addr(macs, sizeof(macs), &mac);
		json_object_set_new(o, "mac", json_string(macs));
	}
	conf_json(o, port, &info);
	return o;
}

static json_t *build_list(void)
{
	json_t *a = json_array();

	/* every valid port: RTE_ETH_FOREACH_DEV would skip owned ones */
	for (uint16_t p = 0; p < RTE_MAX_ETHPORTS; p++) {
		json_t *o = rte_eth_dev_is_valid_port(p) ? dev_port_json(p) : NULL;

		if (o)
			json_array_append_new(a, o);
	}
	return a;
}

static void snapshot_take(void)
{
	json_decref(snapshot);
	snapshot = build_list();
}

static void snapshot_drop(void)
{
	json_decref(snapshot);
	snapshot = NULL;
}

json_t *dev_list_json(void)
{
	return snapshot ? json_deep_copy(snapshot) : build_list();
}
