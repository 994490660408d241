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

/* The driver a device name selects: the longest allowed prefix, with
 * DPDK's "eth_" aliases read as "net_". */
static const char *driver_of(const struct hpd_policy *p, const char *name, char *norm,
			     size_t len)
{
	const char *best = NULL;
	size_t bestlen = 0;
	char pci[HPD_PCI_ADDR_LEN];

	if (hpd_pci_addr_canon(name, pci))
		return "pci";
	if (strncmp(name, "eth_", 4) == 0)
		snprintf(norm, len, "net_%s", name + 4);
	else
		snprintf(norm, len, "%s", name);
	for (unsigned i = 0; i < p->ndrivers; i++) {
		size_t n = strlen(p->drivers[i]);

		if (strncmp(norm, p->drivers[i], n) == 0 && n > bestlen) {
			best = p->drivers[i];
			bestlen = n;
		}
	}
	return best;
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
 * A path the daemon will create or open must lie, once resolved, under an
 * allowed directory: no ".." component, its directory resolved through
 * realpath() (a symlinked directory counts where it points), and the final
 * component not a symlink.
 */
static int check_path(const char *value, char (*dirs)[256], unsigned ndirs,
		      const char *what, char *reason, size_t len)
{
	char copy[PATH_MAX], parent[PATH_MAX], resolved[PATH_MAX];
	char *slash, *tok, *save;
	struct stat st;

	if (ndirs == 0)
		return deny(reason, len, "%s are not allowed (%s)", what, value);
	if (*value == '\0')
		return deny(reason, len, "empty %s path%s", what, "");
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
	for (unsigned i = 0; i < ndirs; i++)
		if (within(resolved, dirs[i]))
			return 0;
	return deny(reason, len, "%s is outside the allowed directories (%s)", value, what);
}

static int check_iface(const struct hpd_policy *p, const char *ifname, const char *route,
		       char *reason, size_t len)
{
	/* what the kernel accepts as a name (dev_valid_name) */
	if (*ifname == '\0' || strlen(ifname) > 15 || strpbrk(ifname, "/: \t") ||
	    strcmp(ifname, ".") == 0 || strcmp(ifname, "..") == 0)
		return deny(reason, len, "\"%s\" is not a valid interface name%s", ifname, "");
	if (route && *route && strcmp(ifname, route) == 0 && !p->allow_default_route_interface)
		return deny(reason, len, "interface %s carries the default route%s", ifname,
			    "; set allow_default_route_interface to use it");
	for (unsigned i = 0; i < p->ninterfaces; i++)
		if (fnmatch(p->interfaces[i], ifname, 0) == 0)
			return 0;
	return deny(reason, len, "interface %s matches no allowed pattern%s", ifname, "");
}

int policy_check(const struct hpd_policy *p, const char *devargs,
		 const char *default_route_iface, char *reason, size_t len)
{
	char name[64], norm[64], args[HPD_REASON_MAX + 128];
	const char *drv, *comma;
	char *tok, *save;

	if (hpd_devargs_name(devargs, name, sizeof(name)) != 0)
		return deny(reason, len, "cannot read a device name from %s%s", devargs, "");
	drv = driver_of(p, name, norm, sizeof(norm));
	if (drv == NULL)
		return deny(reason, len, "driver of %s is not allowed (%s)", name, p->source);
	if (strcmp(drv, "pci") == 0 && p->npci) {
		unsigned i;

		for (i = 0; i < p->npci && strcmp(p->pci[i], name); i++)
			;
		if (i == p->npci)
			return deny(reason, len, "PCI device %s is not in pci_addresses (%s)", name,
				    p->source);
	}
	comma = strchr(devargs, ',');
	if (comma == NULL)
		return 0;
	snprintf(args, sizeof(args), "%s", comma + 1);
	for (tok = strtok_r(args, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '=');
		const char *value = eq ? eq + 1 : "";
		int rc = 0;

		if (eq)
			*eq = '\0';
		for (unsigned i = 0; i < p->nkeys && rc == 0; i++) {
			const struct policy_key *k = &p->keys[i];

			if (strcmp(k->driver, drv) != 0 || strcmp(k->key, tok) != 0)
				continue;
			if (k->kind == KEY_SOCKET)
				rc = check_path(value, (char (*)[256])p->socket_dirs, p->nsocket_dirs,
						"socket paths", reason, len);
			else if (k->kind == KEY_FILE)
				rc = check_path(value, (char (*)[256])p->file_dirs, p->nfile_dirs,
						"files", reason, len);
			else
				rc = check_iface(p, value, default_route_iface, reason, len);
		}
		if (rc)
			return rc;
	}
	return 0;
}

void policy_default_route_iface(const char *route_file, char *out, size_t len)
{
	char line[256], ifname[64];
	unsigned dest, mask;
	FILE *f = fopen(route_file, "r");

	*out = '\0';
	if (f == NULL)
		return;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%63s %x %*x %*x %*d %*d %*d %x", ifname, &dest, &mask) == 3 &&
		    dest == 0 && mask == 0) {
			snprintf(out, len, "%s", ifname);
			break;
		}
	fclose(f);
}
