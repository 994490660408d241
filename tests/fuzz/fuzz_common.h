/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shared by the libFuzzer targets: the invariant macro and the checks every
 * target applies to a devargs-like string. Header-only (static functions) so
 * each target stays a single translation unit plus the src/common sources.
 *
 * A violated invariant calls __builtin_trap(): libFuzzer reports it as a
 * crash ("deadly signal") and saves the input; FUZZ_CHECK first prints which
 * invariant failed, so the artifact can be triaged without a debugger.
 */
#ifndef HPD_FUZZ_COMMON_H
#define HPD_FUZZ_COMMON_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devargs.h"
#include "wire.h"

#define FUZZ_CHECK(cond)                                                      \
	do {                                                                  \
		if (!(cond)) {                                                \
			fprintf(stderr, "fuzz invariant violated: %s (%s:%d)\n",      \
				#cond, __FILE__, __LINE__);                   \
			__builtin_trap();                                     \
		}                                                             \
	} while (0)

/*
 * An invariant that a known, reported bug in src/common violates. It is
 * enforced like FUZZ_CHECK unless its tag is listed (comma-separated) in
 * $HPD_FUZZ_ALLOW, so the fuzzer can look past an open bug without the
 * check being deleted: HPD_FUZZ_ALLOW=name-fixed-point tests/fuzz/run.sh
 */
static inline bool fuzz_allowed(const char *tag)
{
	static const char *allow;
	static bool init;
	const char *p;
	size_t n = tag ? strlen(tag) : 0;

	if (n == 0)
		return false;
	if (!init) {
		allow = getenv("HPD_FUZZ_ALLOW");
		init = true;
	}
	for (p = allow; p && *p; p += strcspn(p, ",")) {
		p += *p == ',';
		if (strncmp(p, tag, n) == 0 && (p[n] == ',' || p[n] == '\0'))
			return true;
	}
	return false;
}

#define FUZZ_CHECK_TAG(tag, cond)                                             \
	do {                                                                  \
		if (!(cond) && !fuzz_allowed(tag)) {                          \
			fprintf(stderr, "fuzz invariant violated [%s]: %s (%s:%d)\n", \
				tag, #cond, __FILE__, __LINE__);              \
			__builtin_trap();                                     \
		}                                                             \
	} while (0)

/* A reason buffer that was written must be a non-empty C string. */
static inline bool fuzz_is_cstr(const char *buf, size_t len, bool nonempty)
{
	const char *z = memchr(buf, '\0', len);

	return z != NULL && (!nonempty || z != buf);
}

static inline bool fuzz_all_digits(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

static inline bool fuzz_is_hex_lower(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

/* Exactly "dddd:bb:dd.f", lowercase hex, device <= 0x1f, function <= 7. */
static inline bool fuzz_is_canonical_pci(const char *s)
{
	static const char shape[] = "hhhh:hh:hh.h";
	unsigned dev;

	if (strlen(s) != sizeof(shape) - 1)
		return false;
	for (size_t i = 0; shape[i]; i++) {
		if (shape[i] == 'h' ? !fuzz_is_hex_lower(s[i]) : s[i] != shape[i])
			return false;
	}
	dev = (unsigned)strtoul((char[]){s[8], s[9], '\0'}, NULL, 16);
	return dev <= 0x1f && s[11] >= '0' && s[11] <= '7';
}

/* The documented input syntax: "DDDD:BB:DD.F" or "BB:DD.F", hex digits of
 * either case and nothing else (no sign, no "0x", no blanks). */
static inline bool fuzz_is_pci_syntax(const char *s)
{
	const char *shape;

	switch (strlen(s)) {
	case 12: shape = "hhhh:hh:hh.h"; break;
	case 7: shape = "hh:hh.h"; break;
	default: return false;
	}
	for (; *shape; shape++, s++) {
		bool hex = (*s >= '0' && *s <= '9') || ((*s | 0x20) >= 'a' && (*s | 0x20) <= 'f');

		if (*shape == 'h' ? !hex : *s != *shape)
			return false;
	}
	return true;
}

/* hpd_pci_addr_canon: accepts only the documented syntax, and the output is
 * canonical and a fixed point. */
static inline void fuzz_check_pci(const char *s)
{
	char out[HPD_PCI_ADDR_LEN], again[HPD_PCI_ADDR_LEN];

	memset(out, 0x5a, sizeof(out));
	if (!hpd_pci_addr_canon(s, out)) {
		/* Everything already canonical must be accepted. */
		FUZZ_CHECK(!fuzz_is_canonical_pci(s));
		return;
	}
	FUZZ_CHECK(memchr(out, '\0', sizeof(out)) == out + 12);
	FUZZ_CHECK_TAG("pci-sscanf", fuzz_is_pci_syntax(s));
	FUZZ_CHECK_TAG("pci-sscanf", fuzz_is_canonical_pci(out));
	FUZZ_CHECK_TAG("pci-sscanf", hpd_pci_addr_canon(out, again) && strcmp(out, again) == 0);
	/* A canonical input comes back unchanged. */
	if (fuzz_is_canonical_pci(s))
		FUZZ_CHECK(strcmp(s, out) == 0);
}

/*
 * Every check the daemon can apply to a user-supplied devargs or device
 * reference, with the relations between them:
 *  - hpd_devargs_check: 0 / -EINVAL / -ENAMETOOLONG, reason always set on
 *    error; accepted strings are <= HPD_DEVARGS_MAX bytes of printable ASCII
 *    with no space, and have a name;
 *  - hpd_devargs_name: succeeds on every accepted string; the name is 1..63
 *    bytes, has no ',', and is either a canonical PCI address or a substring
 *    of the input;
 *  - hpd_devref_parse: a port for digit strings, otherwise exactly
 *    hpd_devargs_check + hpd_devargs_name.
 */
static inline void fuzz_check_devargs(const char *s)
{
	char reason[160], reason_small[8], name[64], name2[64];
	struct hpd_devref ref;
	size_t n = strlen(s), nlen;
	int rc, rc2, nrc;

	memset(reason, 0x5a, sizeof(reason));
	rc = hpd_devargs_check(s, reason, sizeof(reason));
	FUZZ_CHECK(rc == 0 || rc == -EINVAL || rc == -ENAMETOOLONG);
	if (rc)
		FUZZ_CHECK(fuzz_is_cstr(reason, sizeof(reason), true));
	/* The reason buffer is optional and may be tiny: same verdict. */
	FUZZ_CHECK(hpd_devargs_check(s, NULL, 0) == rc);
	FUZZ_CHECK(hpd_devargs_check(s, reason_small, sizeof(reason_small)) == rc);
	if (rc)
		FUZZ_CHECK(fuzz_is_cstr(reason_small, sizeof(reason_small), true));
	if (n > HPD_DEVARGS_MAX)
		FUZZ_CHECK(rc == -ENAMETOOLONG);

	memset(name, 0x5a, sizeof(name));
	nrc = hpd_devargs_name(s, name, sizeof(name));
	FUZZ_CHECK(nrc == 0 || nrc == -EINVAL || nrc == -ENAMETOOLONG);
	if (nrc == 0) {
		FUZZ_CHECK(fuzz_is_cstr(name, sizeof(name), true));
		nlen = strlen(name);
		FUZZ_CHECK(nlen <= HPD_NAME_MAX);
		FUZZ_CHECK(strchr(name, ',') == NULL);
		FUZZ_CHECK_TAG("pci-sscanf", fuzz_is_canonical_pci(name) || strstr(s, name) != NULL);
		/* A buffer just big enough gives the same name. */
		FUZZ_CHECK(hpd_devargs_name(s, name2, nlen + 1) == 0);
		FUZZ_CHECK(strcmp(name, name2) == 0);
		/* The name is a fixed point: it names itself, so a device
		 * can be detached by the name attach reported. */
		rc2 = hpd_devargs_name(name, name2, sizeof(name2));
		FUZZ_CHECK_TAG("name-fixed-point", rc2 == 0 && strcmp(name, name2) == 0);
	}

	if (rc == 0) {
		FUZZ_CHECK(n >= 1 && n <= HPD_DEVARGS_MAX);
		for (size_t i = 0; i < n; i++)
			FUZZ_CHECK(s[i] > 0x20 && s[i] < 0x7f);
		FUZZ_CHECK(nrc == 0);
		/* The name of an accepted devargs is itself acceptable devargs
		 * (detach by name must be possible for everything attached). */
		FUZZ_CHECK_TAG("name-fixed-point", hpd_devargs_check(name, NULL, 0) == 0);
	}

	memset(&ref, 0x5a, sizeof(ref));
	memset(reason, 0x5a, sizeof(reason));
	rc2 = hpd_devref_parse(s, &ref, reason, sizeof(reason));
	FUZZ_CHECK(rc2 == 0 || rc2 == -EINVAL || rc2 == -ENAMETOOLONG);
	if (rc2)
		FUZZ_CHECK(fuzz_is_cstr(reason, sizeof(reason), true));
	if (fuzz_all_digits(s)) {
		if (rc2 == 0) {
			FUZZ_CHECK(ref.kind == HPD_DEVREF_PORT);
			FUZZ_CHECK(ref.port <= 65535);
			FUZZ_CHECK(strtoul(s, NULL, 10) == ref.port);
		} else {
			FUZZ_CHECK(rc2 == -EINVAL);
		}
	} else {
		FUZZ_CHECK(rc2 == rc);
		if (rc2 == 0) {
			FUZZ_CHECK(ref.kind == HPD_DEVREF_NAME);
			FUZZ_CHECK(strcmp(ref.name, name) == 0);
		}
	}

	fuzz_check_pci(s);
}

#endif
