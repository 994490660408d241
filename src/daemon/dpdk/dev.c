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
#include "unplug.h"
#include "devjob.h"
#include "eal_log.h"
#include "sockfile.h"
#include "local.h"
#include "ports.h"
#include "hotplugd.h"
#include "log.h"

#define ports (ports_table()->port)

static void record(uint16_t port);
static void snapshot_take(void);
static void snapshot_drop(void);
static struct rte_mempool *pool;
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

/* Keep the driver's own words: the capture, else the errno text. */
static int failed(int rc, const char *what, char *reason, size_t rlen)
{
	const char *eal = eal_log_capture_end();

	rc = local_errno(rc);
	if (rc == 0) /* called on a failure: never report success */
		rc = -EIO;
	snprintf(reason, rlen, "%s%s%s", what, *what ? ": " : "",
		 *eal ? eal : strerror(-rc));
	return rc;
}

int dev_parse(const char *devargs, struct local_devargs *out, char *reason, size_t rlen)
{
	eal_log_capture_begin();
	if (local_parse(devargs, out) != 0)
		return failed(-EINVAL, "cannot parse devargs", reason, rlen);
	eal_log_capture_end();
	return 0;
}

/*
 * A secondary copies a port's queue array pointer into its fast-path table
 * when it probes the port (DPDK 22.11, eth_dev_fp_ops_setup); the array is
 * allocated by the first rte_eth_dev_configure() and kept until close. So
 * the primary configures a new port before any member attaches it: a
 * member that probed an unconfigured port would keep a NULL queue array and
 * fault in rte_eth_rx_burst once the port is started.
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
	if (rte_eth_dev_configure(port, 1, 1, &conf) != 0)
		log_warn("%s: cannot configure before the members attach it; a data-path "
			 "worker will leave it alone in members that attach it now", name);
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
	if (dev_devargs(name, devargs, sizeof(devargs)) == 0)
		ports_record(port, name, devargs);
}

int dev_attach(const char *devargs, const struct local_devargs *d, char *reason, size_t rlen)
{
	const char *name = d->name;
	uint16_t port;
	int rc;

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
		return failed(rc, "", reason, rlen);
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
		return failed(rc, "", reason, rlen);
	eal_log_capture_end();
	__atomic_fetch_add(&local_changes, 1, __ATOMIC_RELEASE);
	if (hpd_is_primary()) {
		ports_set_ready(port, false);
		ports_record(port, NULL, NULL);
		set_started(port, false);
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

static int make_pool(char *reason, size_t rlen)
{
	if (pool)
		return 0;
	eal_log_capture_begin();
	/* One pool for every port the daemon starts; owned by the primary,
	 * visible to secondaries by name. */
	pool = rte_pktmbuf_pool_create("hpd_mbufs", 8191, 256, 0,
				       RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	if (pool == NULL)
		return failed(-rte_errno, "mbuf pool", reason, rlen);
	eal_log_capture_end();
	return 0;
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
	int rc;

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
	rc = sockfile_clear_stale(iface);
	if (rc > 0)
		log_notice("removed stale vhost-user socket %s", iface);
	else if (rc < 0 && rc != -ENOENT)
		log_warn("vhost-user socket %s left alone: %s", iface, strerror(-rc));
}

int dev_start(uint16_t port, char *reason, size_t rlen)
{
	struct rte_eth_conf conf;
	int socket = rte_eth_dev_socket_id(port);
	int rc;

	if (dev_started(port))
		return -EALREADY;
	rc = make_pool(reason, rlen);
	if (rc)
		return rc;
	memset(&conf, 0, sizeof(conf));
	/* a PMD that reports its device's removal does so only when asked */
	conf.intr_conf.rmv = unplug_port_has_rmv(port);
	clear_stale_vhost_socket(port);
	eal_log_capture_begin();
	if ((rc = rte_eth_dev_configure(port, 1, 1, &conf)) != 0)
		return failed(rc, "configure", reason, rlen);
	if ((rc = rte_eth_rx_queue_setup(port, 0, 0, socket, NULL, pool)) != 0)
		return failed(rc, "rx queue setup", reason, rlen);
	if ((rc = rte_eth_tx_queue_setup(port, 0, 0, socket, NULL)) != 0)
		return failed(rc, "tx queue setup", reason, rlen);
	if ((rc = rte_eth_dev_start(port)) != 0)
		return failed(rc, "start", reason, rlen);
	eal_log_capture_end();
	set_started(port, true);
	return 0;
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
		return failed(rc, "stop", reason, rlen);
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

/* A port whose driver cannot describe it now is still attached: listed
 * (and so kept in the state file) from what the primary recorded. */
static json_t *recorded_port_json(uint16_t port, const char *name)
{
	const struct hpd_port_state *st = &ports[port];

	return json_pack("{s:i, s:s, s:s, s:s, s:s, s:s, s:s}", "port", port, "name", name,
			 "device", *st->device ? st->device : name,
			 "devargs", *st->devargs ? st->devargs : name, "driver", "", "bus", "",
			 "state", dev_started(port) ? "started" : "stopped");
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
