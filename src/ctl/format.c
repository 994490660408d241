/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Values for people: JSON as asked (--json, --json=pretty), durations
 * rounded to what a reader needs, and objects flattened to key=value words
 * (status, watch) so that human output never carries a JSON fragment.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hpctl.h"

void ctl_print_json(const struct ctl *ctl, const json_t *v)
{
	char *s = json_dumps(v, JSON_ENCODE_ANY |
			     (ctl->json_pretty ? JSON_INDENT(2) : JSON_COMPACT));

	printf("%s\n", s ? s : "null");
	free(s);
}

const char *ctl_duration(double s, char *buf, size_t len)
{
	long t = (long)(s + 0.5);

	if (s < 0)
		snprintf(buf, len, "-");
	else if (s < 1)
		snprintf(buf, len, "%.0fms", s * 1e3);
	else if (s < 60)
		snprintf(buf, len, "%.1fs", s);
	else if (t < 3600)
		snprintf(buf, len, "%ldmin %lds", t / 60, t % 60);
	else if (t < 86400)
		snprintf(buf, len, "%ldh %ldmin", t / 3600, t % 3600 / 60);
	else
		snprintf(buf, len, "%ldd %ldh", t / 86400, t % 86400 / 3600);
	return buf;
}

static bool ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), m = strlen(tail);

	return n >= m && strcmp(s + n - m, tail) == 0;
}

static void value_text(const char *key, json_t *v, char *buf, size_t len);

/* buf += sep (unless first) + v's word; false once buf is full. */
static bool append(char *buf, size_t len, bool first, char sep, const char *key, json_t *v)
{
	size_t used = strlen(buf);

	if (used + 2 >= len)
		return false;
	if (!first)
		buf[used++] = sep;
	value_text(key, v, buf + used, len - used);
	return true;
}

/* One value as a word: durations by their key's unit, reals rounded,
 * arrays comma-separated ("none" when empty), objects in an array by
 * their values, space-separated. */
static void value_text(const char *key, json_t *v, char *buf, size_t len)
{
	const char *k;
	bool first = true;
	json_t *e;
	size_t i;

	buf[0] = '\0';
	switch (json_typeof(v)) {
	case JSON_STRING: snprintf(buf, len, "%s", json_string_value(v)); break;
	case JSON_INTEGER:
	case JSON_REAL:
		if (strcmp(key, "uptime") == 0 || ends_with(key, "_s"))
			ctl_duration(json_number_value(v), buf, len);
		else if (ends_with(key, "_ms"))
			ctl_duration(json_number_value(v) / 1e3, buf, len);
		else if (json_is_integer(v))
			snprintf(buf, len, "%lld", (long long)json_integer_value(v));
		else
			snprintf(buf, len, "%.3g", json_real_value(v));
		break;
	case JSON_TRUE: snprintf(buf, len, "yes"); break;
	case JSON_FALSE: snprintf(buf, len, "no"); break;
	case JSON_NULL: snprintf(buf, len, "-"); break;
	case JSON_ARRAY:
		if (json_array_size(v) == 0)
			snprintf(buf, len, "none");
		json_array_foreach(v, i, e)
			if (!append(buf, len, i == 0, ',', key, e))
				break;
		break;
	case JSON_OBJECT:
		json_object_foreach(v, k, e) {
			if (!append(buf, len, first, ' ', k, e))
				break;
			first = false;
		}
		break;
	}
}

const char *ctl_value(const char *key, json_t *v, char *buf, size_t len)
{
	if (v == NULL)
		snprintf(buf, len, "-");
	else
		value_text(key, v, buf, len);
	return buf;
}

static void flatten(const char *prefix, json_t *obj, ctl_field_cb cb, void *arg)
{
	const char *k;
	json_t *v;

	json_object_foreach(obj, k, v) {
		char key[128], val[1024];

		snprintf(key, sizeof(key), "%s%s%s", prefix, *prefix ? "." : "", k);
		if (json_is_object(v)) {
			flatten(key, v, cb, arg);
			continue;
		}
		value_text(k, v, val, sizeof(val));
		cb(key, val, arg);
	}
}

void ctl_fields(json_t *obj, ctl_field_cb cb, void *arg)
{
	flatten("", obj, cb, arg);
}
