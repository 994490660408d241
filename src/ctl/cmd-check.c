/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * check: every member's device table against the primary's. Each process
 * answers list for itself, so this sees what each one really has; a
 * library member, without a socket, by the port ids it published in the
 * group's shared roster (src/member/roster.h).
 */
#include <stdio.h>
#include <string.h>

#include "hpctl.h"

static json_t *find(json_t *ports, const char *device)
{
	json_t *p;
	size_t i;

	json_array_foreach(ports, i, p)
		if (strcmp(json_string_value(json_object_get(p, "device")), device) == 0)
			return p;
	return NULL;
}

static void diverge(json_t *out, json_t *m, const char *device, const char *problem)
{
	json_array_append_new(out, json_pack("{s:I, s:s, s:s, s:s}",
		"pid", json_integer_value(json_object_get(m, "pid")),
		"name", json_string_value(json_object_get(m, "name")),
		"device", device, "problem", problem));
}

/* Differences of one member's ports from the primary's. */
static void compare(json_t *out, json_t *m, json_t *want, json_t *have)
{
	json_t *p, *q;
	size_t i;

	json_array_foreach(want, i, p) {
		const char *dev = json_string_value(json_object_get(p, "device"));

		q = find(have, dev);
		if (q == NULL)
			diverge(out, m, dev, "missing");
		else if (!json_equal(json_object_get(p, "port"), json_object_get(q, "port")))
			diverge(out, m, dev, "different port id");
	}
	json_array_foreach(have, i, q) {
		const char *dev = json_string_value(json_object_get(q, "device"));

		if (find(want, dev) == NULL)
			diverge(out, m, dev, "extra (not in the primary)");
	}
}

static int exec(struct ctl *ctl, int argc, char **argv)
{
	json_t *ps, *primary, *m, *out = json_array();
	char primary_sock[HPD_SUN_MAX];
	size_t i, nmembers = 0, unchecked = 0;
	int rc;

	(void)argc, (void)argv;
	snprintf(primary_sock, sizeof(primary_sock), "%s", ctl->paths.primary);
	if ((rc = ctl_connect(ctl, primary_sock)) || (rc = ctl_call(ctl, "ps", NULL, &ps)))
		return rc;
	if ((rc = ctl_call(ctl, "list", NULL, &primary))) {
		json_decref(ps);
		return rc;
	}
	json_array_foreach(json_object_get(ps, "members"), i, m) {
		json_t *mine;

		if (strcmp(json_string_value(json_object_get(m, "role")), "primary") == 0)
			continue;
		if (!json_is_string(json_object_get(m, "socket"))) {
			/* no socket to ask: what it published itself, or, from
			 * a member that never did, nothing to compare */
			if (!json_is_array(json_object_get(m, "ports"))) {
				unchecked++;
				continue;
			}
			nmembers++;
			compare(out, m, json_object_get(primary, "ports"),
				json_object_get(m, "ports"));
			continue;
		}
		nmembers++;
		if (ctl_connect(ctl, json_string_value(json_object_get(m, "socket"))) ||
		    ctl_call(ctl, "list", NULL, &mine)) {
			diverge(out, m, "*", json_is_false(json_object_get(m, "socket_found")) ?
				"unreachable: no control socket where the primary expects it "
				"(started with another --runtime-dir?)" : "unreachable");
			continue;
		}
		compare(out, m, json_object_get(primary, "ports"), json_object_get(mine, "ports"));
		json_decref(mine);
	}
	if (ctl->json) {
		json_t *r = json_pack("{s:b, s:I, s:I, s:I, s:O}", "consistent",
				      json_array_size(out) == 0, "members", (json_int_t)nmembers,
				      "unchecked", (json_int_t)unchecked, "devices",
				      (json_int_t)json_array_size(json_object_get(primary, "ports")),
				      "divergences", out);

		ctl_print_json(ctl, r);
		json_decref(r);
	} else if (json_array_size(out) == 0) {
		printf("consistent: %zu members agree with the primary on %zu devices", nmembers,
		       json_array_size(json_object_get(primary, "ports")));
		if (unchecked)
			printf(" (not asked: %zu library member%s, without a control socket)",
			       unchecked, unchecked == 1 ? "" : "s");
		printf("\n");
	} else {
		json_array_foreach(out, i, m)
			printf("member %lld (%s): %s: %s\n",
			       (long long)json_integer_value(json_object_get(m, "pid")),
			       json_string_value(json_object_get(m, "name")),
			       json_string_value(json_object_get(m, "device")),
			       json_string_value(json_object_get(m, "problem")));
	}
	rc = json_array_size(out) ? EXIT_FAILED : EXIT_OK;
	json_decref(out);
	json_decref(ps);
	json_decref(primary);
	return rc;
}

const struct cmd_entry cmd_check_entry = {
	.name = "check", .usage = "", .min_args = 0, .max_args = 0,
	.help = "compare every member's devices with the primary's", .exec = exec,
};
