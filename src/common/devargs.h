/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Devargs handling that needs no EAL: syntax and length checks done before a
 * request reaches DPDK, PCI address canonicalisation, and telling how a user
 * named a device (port id, PCI address, name or full devargs).
 */
#ifndef HPD_DEVARGS_H
#define HPD_DEVARGS_H

#include <stdbool.h>
#include <stddef.h>

/* "0000:00:04.0" plus NUL */
#define HPD_PCI_ADDR_LEN 13

/*
 * Check a devargs string "[bus:]name[,key=value...]". Returns 0, or a
 * negative errno with the reason written: -EINVAL (empty, control
 * characters, empty name, malformed key=value), -ENAMETOOLONG (over
 * HPD_DEVARGS_MAX bytes: DPDK would truncate it silently).
 */
int hpd_devargs_check(const char *devargs, char *reason, size_t len);

/* The device name of a devargs string: bus prefix and arguments removed, a
 * PCI address canonicalised. 0 or -EINVAL / -ENAMETOOLONG. */
int hpd_devargs_name(const char *devargs, char *name, size_t len);

/* Parse "DDDD:BB:DD.F" or "BB:DD.F" (hex) into canonical lowercase
 * "dddd:bb:dd.f". */
bool hpd_pci_addr_canon(const char *s, char out[HPD_PCI_ADDR_LEN]);

/*
 * A device as DPDK will probe it: the policy judges this, never a string
 * it would have to parse again in its own way. The daemon fills it from
 * rte_devargs_parse and rte_kvargs (src/daemon/devspec.c); hpd_devspec_plain
 * fills it without DPDK for the unit tests and fuzzers, and the
 * differential fuzzer holds the two to the same result.
 */
#define DEVSPEC_MAX_ARGS 32
struct hpd_devspec {
	char bus[16];        /* "vdev", "pci", ... */
	char name[64];       /* the device name DPDK probes */
	/* vdev: the driver name or alias DPDK's vdev bus matches the name
	 * with (its shortest matching prefix); "" when not known */
	char match[64];
	unsigned nargs;
	struct devspec_arg {
		char key[64];
		char value[128];
		bool has_value;  /* "key=value" rather than a bare "key" */
	} args[DEVSPEC_MAX_ARGS];
};

/*
 * Read the plain form "[bus:]name[,key=value...]" without DPDK: what
 * rte_devargs_parse returns for it when the name is one DPDK knows. Refuses
 * (-EINVAL) what only DPDK's other grammar reads (layers "bus=", "class=",
 * "driver=", brackets); match is left empty. For tests and fuzzers: the
 * daemon uses DPDK's own parse (src/daemon/devspec.c).
 */
int hpd_devspec_plain(const char *devargs, struct hpd_devspec *spec, char *reason, size_t len);
/* True if devargs uses DPDK's layered syntax anywhere: a first key "bus",
 * "class" or "driver" (with or without a value), or a later layer
 * "/bus=", "/class=", "/driver=" (where rte_devargs_layers_parse splits). */
bool hpd_devargs_layered(const char *devargs);

/* How a user referred to a device in detach/start/stop. */
enum hpd_devref_kind { HPD_DEVREF_PORT, HPD_DEVREF_NAME };
struct hpd_devref {
	enum hpd_devref_kind kind;
	unsigned port;
	char name[64];
};
/* "3" is port 3; anything else is a name or devargs (reduced to its name). */
int hpd_devref_parse(const char *s, struct hpd_devref *ref, char *reason, size_t len);

#endif
