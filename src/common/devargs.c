/* SPDX-License-Identifier: BSD-3-Clause */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devargs.h"
#include "wire.h"

/* Buses a "bus:" prefix may name in DPDK 22.11 devargs. */
static const char *const buses[] = {"pci", "vdev", "vmbus", "auxiliary",
	"platform", "fslmc", "dpaa_bus", "ifpga", NULL};

static int fail(char *reason, size_t len, int err, const char *fmt, const char *a)
{
	if (reason && len)
		snprintf(reason, len, fmt, a);
	return -err;
}

/* Length of a "bus:" prefix at s, or 0. A PCI address ("0000:00:04.0")
 * also contains ':' so only known bus names count. */
static size_t bus_prefix(const char *s)
{
	const char *const *b;

	for (b = buses; *b; b++) {
		size_t n = strlen(*b);

		if (strncmp(s, *b, n) == 0 && s[n] == ':')
			return n + 1;
	}
	return 0;
}

int hpd_devargs_check(const char *devargs, char *reason, size_t len)
{
	size_t n = strlen(devargs), namelen;
	const char *p, *name;

	if (n == 0)
		return fail(reason, len, EINVAL, "%sdevargs is empty", "");
	if (n > HPD_DEVARGS_MAX) {
		char b[96];

		snprintf(b, sizeof(b), "devargs is %zu bytes; DPDK's multi-process "
			 "hotplug limit is %d", n, HPD_DEVARGS_MAX);
		return fail(reason, len, ENAMETOOLONG, "%s", b);
	}
	for (p = devargs; *p; p++)
		if (iscntrl((unsigned char)*p) || isspace((unsigned char)*p) ||
		    (unsigned char)*p >= 0x80)
			return fail(reason, len, EINVAL,
				    "%sdevargs may contain only printable ASCII without spaces", "");
	name = devargs + bus_prefix(devargs);
	/* one bus prefix at most: "vdev:pci:x" would name one device here and
	 * another once the name is read back */
	if (bus_prefix(name))
		return fail(reason, len, EINVAL, "devargs names two buses: %s", devargs);
	namelen = strcspn(name, ",");
	if (namelen == 0)
		return fail(reason, len, EINVAL, "%sdevargs has no device name", "");
	if (namelen > 63)
		return fail(reason, len, ENAMETOOLONG, "%sdevice name is longer than 63 bytes", "");
	/* Each argument is key=value or a bare key; an empty one (",,") or an
	 * empty key ("=x") is a typo that DPDK drivers treat inconsistently. */
	for (p = name + namelen; *p == ','; ) {
		size_t alen = strcspn(p + 1, ",");

		if (alen == 0 || p[1] == '=')
			return fail(reason, len, EINVAL,
				    "malformed argument list in \"%s\"", devargs);
		p += 1 + alen;
	}
	return 0;
}

/* Exactly "XXXX:XX:XX.X" or "XX:XX.X", hex digits only: sscanf's %x
 * would also take signs, "0x" and blanks. */
static bool pci_shape(const char *s)
{
	static const char full[] = "hhhh:hh:hh.h", shortf[] = "hh:hh.h";
	const char *shape = strlen(s) == 12 ? full : strlen(s) == 7 ? shortf : NULL;

	if (shape == NULL)
		return false;
	for (size_t i = 0; shape[i]; i++)
		if (shape[i] == 'h' ? !isxdigit((unsigned char)s[i]) : s[i] != shape[i])
			return false;
	return true;
}

bool hpd_pci_addr_canon(const char *s, char out[HPD_PCI_ADDR_LEN])
{
	unsigned dom = 0, bus, dev, fn;

	if (!pci_shape(s))
		return false;
	if (strlen(s) == 12)
		sscanf(s, "%4x:%2x:%2x.%1x", &dom, &bus, &dev, &fn);
	else
		sscanf(s, "%2x:%2x.%1x", &bus, &dev, &fn);
	if (dev > 0x1f || fn > 7)
		return false;
	snprintf(out, HPD_PCI_ADDR_LEN, "%04x:%02x:%02x.%x", dom, bus, dev, fn);
	return true;
}

int hpd_devargs_name(const char *devargs, char *name, size_t len)
{
	const char *p = devargs + bus_prefix(devargs);
	size_t n = strcspn(p, ",");
	char tmp[64], pci[HPD_PCI_ADDR_LEN];

	if (n == 0 || bus_prefix(p)) /* no name, or two bus prefixes */
		return -EINVAL;
	if (n >= sizeof(tmp) || n >= len)
		return -ENAMETOOLONG;
	memcpy(tmp, p, n);
	tmp[n] = '\0';
	if (hpd_pci_addr_canon(tmp, pci))
		snprintf(name, len, "%s", pci);
	else
		snprintf(name, len, "%s", tmp);
	return 0;
}

int hpd_devref_parse(const char *s, struct hpd_devref *ref, char *reason, size_t len)
{
	char *end;
	long v;
	int rc;

	memset(ref, 0, sizeof(*ref));
	if (*s && strspn(s, "0123456789") == strlen(s)) {
		errno = 0;
		v = strtol(s, &end, 10);
		if (errno || v > 65535)
			return fail(reason, len, EINVAL, "port id %s is out of range", s);
		ref->kind = HPD_DEVREF_PORT;
		ref->port = (unsigned)v;
		return 0;
	}
	rc = hpd_devargs_check(s, reason, len);
	if (rc)
		return rc;
	ref->kind = HPD_DEVREF_NAME;
	return hpd_devargs_name(s, ref->name, sizeof(ref->name));
}

bool hpd_devargs_layered(const char *devargs)
{
	static const char *const keys[] = {"bus", "class", "driver"};

	/* The first layer is one if its first key is, whatever follows: DPDK
	 * 22.11 looks the bus or class up even without a value ("bus" alone
	 * makes it strcmp a NULL and crash). That key is what rte_kvargs
	 * reads first: empty pairs and leading '=' skipped (",bus", "=bus").
	 * Later layers start at "/key=". */
	const char *k = devargs + strspn(devargs, ",=");
	size_t klen = strcspn(k, ",=/");

	for (unsigned i = 0; i < sizeof(keys) / sizeof(*keys); i++)
		if (klen == strlen(keys[i]) && strncmp(k, keys[i], klen) == 0)
			return true;
	for (const char *s = devargs; (s = strchr(s, '/')) != NULL; s++)
		for (unsigned i = 0; i < sizeof(keys) / sizeof(*keys); i++)
			if (strncmp(s + 1, keys[i], strlen(keys[i])) == 0 &&
			    s[1 + strlen(keys[i])] == '=')
				return true;
	return false;
}

/* One "key[=value]" of the plain form into spec; forms rte_kvargs reads
 * another way (brackets, a second '=', an empty value) are refused. */
static int plain_arg(struct hpd_devspec *spec, const char *tok, size_t n, char *reason,
		     size_t len)
{
	struct devspec_arg *a;
	const char *eq = memchr(tok, '=', n);
	size_t klen = eq ? (size_t)(eq - tok) : n;

	if (spec->nargs == DEVSPEC_MAX_ARGS)
		return fail(reason, len, E2BIG, "more than %s arguments", "32");
	if (memchr(tok, '[', n) || memchr(tok, ']', n) ||
	    (eq && (memchr(eq + 1, '=', n - klen - 1) || klen + 1 == n)))
		return fail(reason, len, EINVAL, "argument \"%.64s\" is not a plain key=value", tok);
	a = &spec->args[spec->nargs++];
	snprintf(a->key, sizeof(a->key), "%.*s", (int)klen, tok);
	a->has_value = eq != NULL;
	if (eq)
		snprintf(a->value, sizeof(a->value), "%.*s", (int)(n - klen - 1), eq + 1);
	return 0;
}

int hpd_devspec_plain(const char *devargs, struct hpd_devspec *spec, char *reason, size_t len)
{
	size_t pre, n;
	const char *p;
	int rc;

	memset(spec, 0, sizeof(*spec));
	if ((rc = hpd_devargs_check(devargs, reason, len)) != 0)
		return rc;
	if (hpd_devargs_layered(devargs))
		return fail(reason, len, EINVAL, "layered devargs: %s", devargs);
	pre = bus_prefix(devargs);
	p = devargs + pre;
	n = strcspn(p, ",");
	/* DPDK reads "a=b" as a key and a value and "a/b=" as layers: no
	 * plain device name has either (found by fuzz_differential) */
	if (memchr(p, '=', n) || memchr(p, '/', n))
		return fail(reason, len, EINVAL, "not a plain device name: %s", devargs);
	snprintf(spec->name, sizeof(spec->name), "%.*s", (int)n, p);
	if (pre)
		snprintf(spec->bus, sizeof(spec->bus), "%.*s", (int)(pre - 1), devargs);
	else
		snprintf(spec->bus, sizeof(spec->bus), "%s", pci_shape(spec->name) ? "pci" : "vdev");
	for (p += n; *p == ','; p += n) {
		p++;
		n = strcspn(p, ",");
		if ((rc = plain_arg(spec, p, n, reason, len)) != 0)
			return rc;
	}
	return 0;
}
