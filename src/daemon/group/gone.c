/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include "dev.h"
#include "gone.h"

struct entry {
	TAILQ_ENTRY(entry) next;
	struct gone_dev d;
};
static TAILQ_HEAD(, entry) list = TAILQ_HEAD_INITIALIZER(list);

static struct entry *find(const char *name)
{
	struct entry *e;

	TAILQ_FOREACH(e, &list, next)
		if (strcmp(e->d.name, name) == 0)
			return e;
	return NULL;
}

void gone_add(const char *name, const char *devargs, bool started,
	      const struct hpd_port_conf *conf, const char *signal, long long when)
{
	struct entry *e = find(name);

	if (e == NULL) {
		e = calloc(1, sizeof(*e));
		if (e == NULL)
			return; /* only the restart's memory of it is lost */
		TAILQ_INSERT_TAIL(&list, e, next);
	}
	snprintf(e->d.name, sizeof(e->d.name), "%s", name);
	snprintf(e->d.devargs, sizeof(e->d.devargs), "%s", devargs && *devargs ? devargs : name);
	e->d.started = started;
	if (conf)
		e->d.conf = *conf;
	else
		portconf_default(&e->d.conf);
	snprintf(e->d.signal, sizeof(e->d.signal), "%s", signal ? signal : "");
	e->d.when = when;
}

const struct gone_dev *gone_find(const char *name)
{
	struct entry *e = find(name);

	return e ? &e->d : NULL;
}

void gone_forget(const char *name)
{
	struct entry *e = find(name);

	if (e) {
		TAILQ_REMOVE(&list, e, next);
		free(e);
	}
}

json_t *gone_json(void)
{
	json_t *a = json_array();
	struct entry *e, *t;

	for (e = TAILQ_FIRST(&list); e; e = t) {
		t = TAILQ_NEXT(e, next);
		if (dev_exists(e->d.name)) { /* attached again, by hand */
			TAILQ_REMOVE(&list, e, next);
			free(e);
			continue;
		}
		json_array_append_new(a, json_pack("{s:s, s:b, s:o, s:s, s:I}", "devargs",
			e->d.devargs, "started", e->d.started, "config", portconf_json(&e->d.conf),
			"signal", e->d.signal, "removed_at", e->d.when));
	}
	return a;
}

int gone_load(const json_t *entry)
{
	const char *da = json_string_value(json_object_get(entry, "devargs"));
	const char *sig = json_string_value(json_object_get(entry, "signal"));
	const json_t *config = json_object_get(entry, "config");
	struct hpd_port_conf conf;
	char name[HPD_NAME_MAX + 1], msg[128];
	size_t n;

	if (da == NULL || strlen(da) > HPD_DEVARGS_MAX)
		return -EINVAL;
	n = strcspn(da, ",");
	if (n == 0 || n > HPD_NAME_MAX)
		return -EINVAL;
	snprintf(name, sizeof(name), "%.*s", (int)n, da);
	portconf_default(&conf);
	/* written by an older hotplugd: no config, the default one */
	if (config && portconf_merge(&conf, config, msg, sizeof(msg)) != 0)
		return -EINVAL;
	gone_add(name, da, json_is_true(json_object_get(entry, "started")), &conf, sig,
		 json_integer_value(json_object_get(entry, "removed_at")));
	return 0;
}
