/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "devargs.h"
#include "policy.h"
#include "wire.h"

static const struct policy_key builtin_keys[] = {
	{"net_pcap", "rx_pcap", KEY_FILE}, {"net_pcap", "tx_pcap", KEY_FILE},
	{"net_pcap", "rx_iface", KEY_IFACE}, {"net_pcap", "rx_iface_in", KEY_IFACE},
	{"net_pcap", "tx_iface", KEY_IFACE}, {"net_pcap", "iface", KEY_IFACE},
	{"net_af_packet", "iface", KEY_IFACE}, {"net_af_xdp", "iface", KEY_IFACE},
	{"net_tap", "iface", KEY_IFACE}, {"net_tap", "remote", KEY_IFACE},
	{"net_tun", "iface", KEY_IFACE},
	{"net_vhost", "iface", KEY_SOCKET}, {"net_virtio_user", "path", KEY_SOCKET},
	{"net_memif", "socket", KEY_SOCKET},
};
static const char *const builtin_drivers[] = {"net_null", "net_ring", "net_memif",
	"net_af_packet", "net_tap", "net_tun", "net_vhost", "net_virtio_user", "net_pcap",
	"net_bonding", "pci"};

static void add(char (*list)[256], unsigned *n, const char *v)
{
	if (*n < POLICY_MAX_LIST)
		snprintf(list[(*n)++], 256, "%s", v);
}

void policy_default(struct hpd_policy *p, const char *socket_dir, const char *cwd)
{
	memset(p, 0, sizeof(*p));
	snprintf(p->source, sizeof(p->source), "built-in%s", cwd ? " (console)" : "");
	for (unsigned i = 0; i < sizeof(builtin_drivers) / sizeof(*builtin_drivers); i++)
		snprintf(p->drivers[p->ndrivers++], 32, "%s", builtin_drivers[i]);
	memcpy(p->keys, builtin_keys, sizeof(builtin_keys));
	p->nkeys = sizeof(builtin_keys) / sizeof(*builtin_keys);
	if (socket_dir)
		add(p->socket_dirs, &p->nsocket_dirs, socket_dir);
	if (cwd) {
		add(p->socket_dirs, &p->nsocket_dirs, cwd);
		snprintf(p->interfaces[p->ninterfaces++], 32, "*");
	} else {
		static const char *const ifs[] = {"veth*", "tap*", "dtap*", "hp*"};

		for (unsigned i = 0; i < 4; i++)
			snprintf(p->interfaces[p->ninterfaces++], 32, "%s", ifs[i]);
	}
}

/* ---- loading ----------------------------------------------------------- */

static int strings(json_t *a, char *dst, size_t width, unsigned *n, const char *what,
		   char *err, size_t len)
{
	size_t i;
	json_t *v;

	*n = 0;
	if (a == NULL)
		return 0;
	if (!json_is_array(a) || json_array_size(a) > POLICY_MAX_LIST) {
		snprintf(err, len, "\"%s\" must be an array of at most %d strings", what,
			 POLICY_MAX_LIST);
		return -EINVAL;
	}
	json_array_foreach(a, i, v) {
		if (!json_is_string(v) || json_string_length(v) == 0 ||
		    json_string_length(v) >= width) {
			snprintf(err, len, "\"%s\"[%zu] must be a non-empty string shorter than %zu",
				 what, i, width);
			return -EINVAL;
		}
		snprintf(dst + (*n)++ * width, width, "%s", json_string_value(v));
	}
	return 0;
}

int policy_load(struct hpd_policy *p, const char *path, char *err, size_t len)
{
	static const char *const known[] = {"drivers", "socket_dirs", "file_dirs", "interfaces",
		"allow_default_route_interface", "pci_addresses", NULL};
	json_error_t jerr;
	json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	const char *k;
	json_t *v;
	int rc = 0;

	if (root == NULL) {
		snprintf(err, len, "%s:%d:%d: %s", path, jerr.line, jerr.column, jerr.text);
		return -EINVAL;
	}
	policy_default(p, NULL, NULL);
	snprintf(p->source, sizeof(p->source), "%s", path);
	json_object_foreach(root, k, v) {
		const char *const *q;

		for (q = known; *q && strcmp(*q, k); q++)
			;
		if (*q == NULL) {
			snprintf(err, len, "%s: unknown setting \"%s\"", path, k);
			rc = -EINVAL;
			goto out;
		}
	}
	if (json_object_get(root, "drivers") &&
	    (rc = strings(json_object_get(root, "drivers"), p->drivers[0], 32, &p->ndrivers,
			  "drivers", err, len)))
		goto out;
	if ((rc = strings(json_object_get(root, "socket_dirs"), p->socket_dirs[0], 256,
			  &p->nsocket_dirs, "socket_dirs", err, len)) ||
	    (rc = strings(json_object_get(root, "file_dirs"), p->file_dirs[0], 256,
			  &p->nfile_dirs, "file_dirs", err, len)) ||
	    (rc = strings(json_object_get(root, "pci_addresses"), p->pci[0], 16, &p->npci,
			  "pci_addresses", err, len)))
		goto out;
	if (json_object_get(root, "interfaces") &&
	    (rc = strings(json_object_get(root, "interfaces"), p->interfaces[0], 32,
			  &p->ninterfaces, "interfaces", err, len)))
		goto out;
	v = json_object_get(root, "allow_default_route_interface");
	if (v && !json_is_boolean(v)) {
		snprintf(err, len, "\"allow_default_route_interface\" must be true or false");
		rc = -EINVAL;
		goto out;
	}
	p->allow_default_route_interface = json_is_true(v);
	for (unsigned i = 0; i < p->nsocket_dirs + p->nfile_dirs; i++) {
		const char *d = i < p->nsocket_dirs ? p->socket_dirs[i]
						    : p->file_dirs[i - p->nsocket_dirs];
		if (d[0] != '/') {
			snprintf(err, len, "%s: directory \"%s\" must be absolute", path, d);
			rc = -EINVAL;
			goto out;
		}
	}
	for (unsigned i = 0; i < p->npci; i++) {
		char canon[HPD_PCI_ADDR_LEN];

		if (!hpd_pci_addr_canon(p->pci[i], canon)) {
			snprintf(err, len, "%s: \"%s\" is not a PCI address", path, p->pci[i]);
			rc = -EINVAL;
			goto out;
		}
		snprintf(p->pci[i], sizeof(p->pci[i]), "%s", canon);
	}
out:
	json_decref(root);
	return rc;
}

/* ---- checking ---------------------------------------------------------- */

static int deny(char *reason, size_t len, const char *fmt, const char *a, const char *b)
{
	char msg[400];

	snprintf(msg, sizeof(msg), fmt, a, b);
	snprintf(reason, len, "policy: %s", msg);
	return -EPERM;
}

/* DPDK 22.11's vdev aliases of the drivers the built-in policy knows
 * (RTE_PMD_REGISTER_ALIAS): the vdev bus probes the driver for either. A
 * name starting with an alias not listed here matches no allowed driver. */
static const struct {
	const char *driver, *alias;
} aliases[] = {
	{"net_null", "eth_null"}, {"net_ring", "eth_ring"}, {"net_pcap", "eth_pcap"},
	{"net_af_packet", "eth_af_packet"}, {"net_tap", "eth_tap"}, {"net_vhost", "eth_vhost"},
	{"net_virtio_user", "virtio_user"}, {"net_bonding", "eth_bond"},
};

static bool prefixes(const char *name, const char *s)
{
	return strncmp(name, s, strlen(s)) == 0;
}

const char *policy_driver_of(const struct hpd_policy *p, const char *name, const char **alias)
{
	const char *best = NULL, *via = NULL;
	size_t bestlen = 0;

	for (unsigned i = 0; i < p->ndrivers; i++) {
		const char *d = p->drivers[i], *m = prefixes(name, d) ? d : NULL;

		for (unsigned j = 0; m == NULL && j < sizeof(aliases) / sizeof(*aliases); j++)
			if (strcmp(aliases[j].driver, d) == 0 && prefixes(name, aliases[j].alias))
				m = aliases[j].alias;
		if (m && strlen(m) > bestlen && strcmp(d, "pci") != 0) {
			best = d;
			via = m;
			bestlen = strlen(m);
		}
	}
	if (alias)
		*alias = via;
	return best;
}

static bool allowed(const struct hpd_policy *p, const char *driver)
{
	for (unsigned i = 0; i < p->ndrivers; i++)
		if (strcmp(p->drivers[i], driver) == 0)
			return true;
	return false;
}

/* path (resolved) is dir itself or below it, dir resolved too */
static bool within(const char *path, const char *dir)
{
	char real[PATH_MAX];
	size_t n;

	if (realpath(dir, real) == NULL)
		return false;
	n = strlen(real);
	if (n == 1) /* "/" */
		return true;
	return strncmp(path, real, n) == 0 && (path[n] == '/' || path[n] == '\0');
}

/*
 * A socket the daemon creates must stay where the check saw it: if anyone
 * but root (or us) could write to a directory on its way, they could swap
 * a subdirectory for a symlink after the check and make root bind, or
 * unlink (stale-socket clean-up, vhost unregister), somewhere else. So
 * every directory from the socket's own up to the allowed one (resolved,
 * top) must be ours and writable by nobody else.
 */
static int check_dirs_private(const char *resolved, const char *top, const char *value,
			      char *reason, size_t len)
{
	char dir[PATH_MAX];
	struct stat st;
	char *slash;

	snprintf(dir, sizeof(dir), "%s", resolved);
	for (;;) {
		if (lstat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
			return deny(reason, len, "directory %s of %s is gone", dir, value);
		if ((st.st_uid != 0 && st.st_uid != geteuid()) || (st.st_mode & 022))
			return deny(reason, len, "socket directory %s may be written by others "
				    "than root (a symlink swapped in would redirect %s)", dir, value);
		if (strlen(dir) <= strlen(top) || (slash = strrchr(dir, '/')) == NULL ||
		    slash == dir)
			return 0;
		*slash = '\0';
	}
}

/*
 * A path the daemon will create or open must lie, once resolved, under an
 * allowed directory: no ".." component, its directory resolved through
 * realpath() (a symlinked directory counts where it points), and the final
 * component not a symlink. socket: the directories on the way must be
 * private too (check_private).
 */
static int check_path(const char *value, char (*dirs)[256], unsigned ndirs,
		      const char *what, bool socket, char *reason, size_t len)
{
	char copy[PATH_MAX], parent[PATH_MAX], resolved[PATH_MAX];
	char *slash, *tok, *save;
	struct stat st;

	if (ndirs == 0)
		return deny(reason, len, "%s are not allowed (%s)", what, value);
	if (*value == '\0')
		return deny(reason, len, "empty %s path%s", what, "");
	if (strpbrk(value, ",[]"))
		return deny(reason, len, "%s may not contain ',', '[' or ']': %s", what, value);
	snprintf(copy, sizeof(copy), "%s", value);
	for (tok = strtok_r(copy, "/", &save); tok; tok = strtok_r(NULL, "/", &save))
		if (strcmp(tok, "..") == 0)
			return deny(reason, len, "%s may not contain \"..\": %s", what, value);
	if (value[0] == '/')
		snprintf(parent, sizeof(parent), "%s", value);
	else if (getcwd(parent, sizeof(parent)) != NULL)
		snprintf(parent + strlen(parent), sizeof(parent) - strlen(parent), "/%s", value);
	slash = strrchr(parent, '/');
	if (slash == parent)
		parent[1] = '\0';
	else
		*slash = '\0';
	if (realpath(parent, resolved) == NULL)
		return deny(reason, len, "directory of %s does not exist (%s)", value, what);
	if (lstat(value, &st) == 0 && S_ISLNK(st.st_mode))
		return deny(reason, len, "%s is a symbolic link (%s)", value, what);
	/* a driver that fails to bind removes what is there (vhost unregister
	 * unlinks its path): only a socket may already be in its place */
	if (socket && lstat(value, &st) == 0 && !S_ISSOCK(st.st_mode))
		return deny(reason, len, "%s exists and is not a socket (%s)", value, what);
	for (unsigned i = 0; i < ndirs; i++) {
		char top[PATH_MAX];

		if (!within(resolved, dirs[i]) || realpath(dirs[i], top) == NULL)
			continue;
		if (!socket)
			return 0;
		return check_dirs_private(resolved, top, value, reason, len);
	}
	return deny(reason, len, "%s is outside the allowed directories (%s)", value, what);
}

static int check_iface(const struct hpd_policy *p, const char *ifname,
		       const char *const *routes, char *reason, size_t len)
{
	/* what the kernel accepts as a name (dev_valid_name) */
	if (*ifname == '\0' || strlen(ifname) > 15 || strpbrk(ifname, "/: \t,[]") ||
	    strcmp(ifname, ".") == 0 || strcmp(ifname, "..") == 0)
		return deny(reason, len, "\"%s\" is not a valid interface name%s", ifname, "");
	for (const char *const *r = routes; r && *r; r++)
		if (strcmp(ifname, *r) == 0 && !p->allow_default_route_interface)
			return deny(reason, len, "interface %s carries a default route%s", ifname,
				    "; set allow_default_route_interface to use it");
	for (unsigned i = 0; i < p->ninterfaces; i++)
		if (fnmatch(p->interfaces[i], ifname, 0) == 0)
			return 0;
	return deny(reason, len, "interface %s matches no allowed pattern%s", ifname, "");
}

/* Driver-specific rules that are not about one key. */
static int check_driver_rules(const char *drv, const struct hpd_devspec *spec, char *reason,
			      size_t len)
{
	/* memif's socket is abstract unless socket-abstract=no: any local
	 * user could then connect to it, whatever the directory's mode. */
	if (strcmp(drv, "net_memif") == 0) {
		bool have_socket = false, fs = false;

		for (unsigned i = 0; i < spec->nargs; i++) {
			have_socket |= strcmp(spec->args[i].key, "socket") == 0;
			if (strcmp(spec->args[i].key, "socket-abstract") == 0)
				fs = strcmp(spec->args[i].value, "no") == 0;
		}
		if (!have_socket || !fs)
			return deny(reason, len, "%s: memif needs a filesystem socket: give "
				    "socket=<path> and socket-abstract=no%s", spec->name,
				    " (an abstract socket is open to every local user)");
	}
	return 0;
}

int policy_check_spec(const struct hpd_policy *p, const struct hpd_devspec *spec,
		      const char *const *routes, char *reason, size_t len)
{
	const char *drv, *via;
	int rc;

	if (strcmp(spec->bus, "pci") == 0) {
		char pci[HPD_PCI_ADDR_LEN];
		unsigned i;

		if (!allowed(p, "pci"))
			return deny(reason, len, "PCI devices are not allowed (%s)%s", p->source, "");
		if (!hpd_pci_addr_canon(spec->name, pci))
			return deny(reason, len, "%s is not a PCI address the policy reads%s",
				    spec->name, "");
		for (i = 0; i < p->npci && strcmp(p->pci[i], pci); i++)
			;
		if (p->npci && i == p->npci)
			return deny(reason, len, "PCI device %s is not in pci_addresses (%s)", pci,
				    p->source);
		return 0;
	}
	if (strcmp(spec->bus, "vdev") != 0)
		return deny(reason, len, "bus %s is not allowed (%s)", spec->bus, p->source);
	drv = policy_driver_of(p, spec->name, &via);
	if (drv == NULL)
		return deny(reason, len, "driver of %s is not allowed (%s)", spec->name, p->source);
	/* DPDK's vdev bus takes the first driver whose name or alias prefixes
	 * the device name: it must be the one the policy judged. */
	if (*spec->match && strcmp(spec->match, via) != 0)
		return deny(reason, len, "DPDK would probe %s with driver %s, not the "
			    "allowed one", spec->name, spec->match);
	for (unsigned a = 0; a < spec->nargs; a++) {
		const struct devspec_arg *arg = &spec->args[a];
		const char *value = arg->has_value ? arg->value : "";

		for (unsigned i = 0; i < p->nkeys; i++) {
			const struct policy_key *k = &p->keys[i];

			if (strcmp(k->driver, drv) != 0 || strcmp(k->key, arg->key) != 0)
				continue;
			if (k->kind == KEY_SOCKET)
				rc = check_path(value, (char (*)[256])p->socket_dirs, p->nsocket_dirs,
						"socket paths", true, reason, len);
			else if (k->kind == KEY_FILE)
				rc = check_path(value, (char (*)[256])p->file_dirs, p->nfile_dirs,
						"files", false, reason, len);
			else
				rc = check_iface(p, value, routes, reason, len);
			if (rc)
				return rc;
		}
	}
	return check_driver_rules(drv, spec, reason, len);
}

int policy_check(const struct hpd_policy *p, const char *devargs,
		 const char *default_route_iface, char *reason, size_t len)
{
	const char *routes[] = {default_route_iface, NULL};
	struct hpd_devspec spec;
	char why[160];

	if (hpd_devspec_plain(devargs, &spec, why, sizeof(why)) != 0)
		return deny(reason, len, "cannot read %s: %s", devargs, why);
	return policy_check_spec(p, &spec, routes, reason, len);
}

static void add_route(char out[][16], unsigned *n, unsigned max, const char *ifname)
{
	for (unsigned i = 0; i < *n; i++)
		if (strcmp(out[i], ifname) == 0)
			return;
	if (*n < max)
		snprintf(out[(*n)++], 16, "%s", ifname);
}

unsigned policy_default_routes(const char *route4, const char *route6, char out[][16],
			       unsigned max)
{
	char line[512], ifname[64], dst[40];
	unsigned dest, mask, plen, n = 0;
	FILE *f;

	if (route4 && (f = fopen(route4, "r")) != NULL) {
		while (fgets(line, sizeof(line), f))
			if (sscanf(line, "%63s %x %*x %*x %*d %*d %*d %x", ifname, &dest, &mask) == 3 &&
			    dest == 0 && mask == 0)
				add_route(out, &n, max, ifname);
		fclose(f);
	}
	/* ipv6_route: dest plen src splen nexthop metric refcnt use flags iface */
	if (route6 && (f = fopen(route6, "r")) != NULL) {
		while (fgets(line, sizeof(line), f))
			if (sscanf(line, "%39s %x %*s %*x %*s %*x %*x %*x %*x %63s", dst, &plen,
				   ifname) == 3 && plen == 0 &&
			    strspn(dst, "0") == strlen(dst) && strcmp(ifname, "lo") != 0)
				add_route(out, &n, max, ifname);
		fclose(f);
	}
	return n;
}

void policy_default_route_iface(const char *route_file, char *out, size_t len)
{
	char r[1][16];

	*out = '\0';
	if (policy_default_routes(route_file, NULL, r, 1))
		snprintf(out, len, "%s", r[0]);
}
