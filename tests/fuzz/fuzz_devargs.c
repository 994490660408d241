/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the EAL-free devargs helpers (hpd_devargs_check,
 * hpd_devargs_name, hpd_pci_addr_canon, hpd_devref_parse) on a
 * NUL-terminated copy of the input. An embedded NUL ends the string, as it
 * would for a C caller; the invariants are in fuzz_common.h.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;

	/* Far past every limit; longer inputs only slow the fuzzer down. */
	if (size > 4096)
		return -1;
	s = malloc(size + 1);
	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	fuzz_check_devargs(s);
	free(s);
	return 0;
}
