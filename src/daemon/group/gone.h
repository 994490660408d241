/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Devices that went away by themselves (the kernel removed or unbound them
 * under the group): what each was attached with and whether it was
 * started, so that the state file keeps them out of a restart's restore,
 * and an arrival rule can bring one back as it was. Loop thread only.
 */
#ifndef HPD_GONE_H
#define HPD_GONE_H

#include <stdbool.h>

#include <jansson.h>

#include "portconf.h"
#include "wire.h"

struct gone_dev {
	char name[HPD_NAME_MAX + 1];
	char devargs[HPD_DEVARGS_MAX + 1];
	bool started;
	struct hpd_port_conf conf; /* its port's, to come back with */
	char signal[24];
	long long when; /* unix seconds */
};

/* Replaces an entry of the same name. */
void gone_add(const char *name, const char *devargs, bool started,
	      const struct hpd_port_conf *conf, const char *signal, long long when);
const struct gone_dev *gone_find(const char *name);
void gone_forget(const char *name);
/* [{"devargs","started","config","signal","removed_at"}] for the state file, the
 * devices attached now left out (attached again by hand). */
json_t *gone_json(void);
/* One entry of the state file's "removed" list; -EINVAL if unusable. */
int gone_load(const json_t *entry);

#endif
