/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Which device arguments a driver takes. Most drivers refuse an unknown
 * key (rte_kvargs_parse with their list) without logging which, and the
 * probe comes back as a bare -1. The list is in each driver's
 * PMD_INFO_STRING (the text dpdk-pmdinfo.py reads), which is loaded with
 * the driver: we read it from memory, never from the devargs' own words.
 */
#ifndef HPD_DRVPARAMS_H
#define HPD_DRVPARAMS_H

#include <stddef.h>

/* For a failed probe of devargs: if it names a key its driver does not
 * take, write why into reason and return -EINVAL; else 0. */
int drvparams_explain(const char *devargs, char *reason, size_t len);

#endif
