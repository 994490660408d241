/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hpctl [--file-prefix P] [-r DIR] [--pid PID | -s SOCKET] [--json[=pretty]]
 *       [--no-legend] COMMAND [ARGS]: options anywhere on the line (getopt
 *       permutes), "--" ends them.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "errname.h"
#include "hpctl.h"
#include "jsonrpc.h"

static const struct cmd_entry *const cmd_table[] = {
	&cmd_list_entry, &cmd_attach_entry, &cmd_detach_entry, &cmd_start_entry,
	&cmd_stop_entry, &cmd_configure_entry, &cmd_ps_entry, &cmd_queues_entry,
	&cmd_status_entry, &cmd_check_entry, &cmd_stats_entry, &cmd_metrics_entry,
	&cmd_watch_entry, NULL,
};

static void usage(FILE *f)
{
	fprintf(f, "usage: hpctl [--file-prefix P] [-r DIR] [--pid PID | -s SOCKET]\n"
		   "             [--json[=pretty]] [--no-legend] [-t MS] COMMAND [ARGS]\n"
		   "options may also follow the command; --json=pretty indents,\n"
		   "--no-legend leaves out the tables' headings\ncommands:\n");
	for (const struct cmd_entry *const *c = cmd_table; *c; c++)
		fprintf(f, "  %-9s %-20s %s\n", (*c)->name, (*c)->usage, (*c)->help);
	fprintf(f, "start and configure take: --rxq N --txq N --rxd N --txd N --mtu N\n"
		   "  --promisc on|off --rss ip,tcp,udp,sctp|none|auto --pool-size N\n"
		   "  --pool-cache N --pool-socket N\n");
	fprintf(f, "exit status: 0 ok, 1 the operation failed, 2 usage, 3 cannot reach "
		   "the process\n");
}

int ctl_number(const char *s, long min, long max, const char *what, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (*s == '\0' || *end || errno || v < min || v > max) {
		fprintf(stderr, "hpctl: %s must be a number from %ld to %ld, not \"%s\"\n",
			what, min, max, s);
		return EXIT_USAGE;
	}
	*out = v;
	return EXIT_OK;
}

int ctl_connect(struct ctl *ctl, const char *path)
{
	int rc;

	hpd_client_close(&ctl->client);
	rc = hpd_client_connect(&ctl->client, path, ctl->timeout_ms);
	if (rc) {
		fprintf(stderr, "hpctl: cannot reach %s: %s\n", path, rc == -EPERM ?
			"served by a process of another user, not root's hotplugd" : strerror(-rc));
		return EXIT_UNREACHABLE;
	}
	snprintf(ctl->socket, sizeof(ctl->socket), "%s", path);
	return EXIT_OK;
}

int ctl_call(struct ctl *ctl, const char *method, json_t *params, json_t **result)
{
	json_t *resp, *err;
	int rc;

	*result = NULL;
	rc = hpd_client_call(&ctl->client, method, params, ctl->timeout_ms, &resp);
	if (rc) {
		fprintf(stderr, "hpctl: %s: %s: %s\n", ctl->socket, method, strerror(-rc));
		return EXIT_UNREACHABLE;
	}
	err = json_object_get(resp, "error");
	if (err) {
		if (ctl->json)
			ctl_print_json(ctl, err);
		fprintf(stderr, "hpctl: %s failed: %s\n", method,
			json_string_value(json_object_get(err, "message")));
		json_decref(resp);
		return EXIT_FAILED;
	}
	*result = json_incref(json_object_get(resp, "result"));
	json_decref(resp);
	return EXIT_OK;
}

int ctl_show(struct ctl *ctl, const char *method,
	     int (*table)(const struct ctl *ctl, json_t *result))
{
	json_t *res;
	int rc = ctl_call(ctl, method, NULL, &res);

	if (rc)
		return rc;
	if (ctl->json)
		ctl_print_json(ctl, res);
	else if ((rc = table(ctl, res)) != 0)
		fprintf(stderr, "hpctl: %s: cannot print the answer: %s\n", method, strerror(-rc));
	json_decref(res);
	return rc ? EXIT_FAILED : EXIT_OK;
}

/* What else the change did: members fenced, a record not written. */
static void print_aftermath(json_t *res)
{
	json_t *m;
	size_t i;

	json_array_foreach(json_object_get(res, "fenced_members"), i, m)
		printf("; fenced member %lld (%s): %s",
		       (long long)json_integer_value(json_object_get(m, "pid")),
		       json_string_value(json_object_get(m, "name")),
		       json_string_value(json_object_get(m, "why")));
	if (json_is_false(json_object_get(res, "persisted")))
		printf("; not persisted: %s",
		       json_string_value(json_object_get(res, "persist_error")));
}

int ctl_simple_op(struct ctl *ctl, const char *method, const char *key,
		  const char *value, const char *verb)
{
	return ctl_op(ctl, method, json_pack("{s:s}", key, value), verb);
}

int ctl_op(struct ctl *ctl, const char *method, json_t *params, const char *verb)
{
	json_t *res;
	int rc = ctl_call(ctl, method, params, &res);

	if (rc)
		return rc;
	if (ctl->json) {
		ctl_print_json(ctl, res);
	} else {
		json_t *port = json_object_get(res, "port");

		printf("%s %s", verb, json_string_value(json_object_get(res, "name")));
		if (port)
			printf(" (port %lld)", (long long)json_integer_value(port));
		printf(" in %.1f ms", json_real_value(json_object_get(res, "duration_ms")));
		print_aftermath(res);
		printf("\n");
	}
	json_decref(res);
	return EXIT_OK;
}

static void unknown_command(const char *word)
{
	const char *names[sizeof(cmd_table) / sizeof(cmd_table[0])], *near;
	size_t n = 0;

	for (const struct cmd_entry *const *c = cmd_table; *c; c++)
		names[n++] = (*c)->name;
	names[n] = NULL;
	near = ctl_suggest(word, names);
	fprintf(stderr, "hpctl: unknown command '%s'", word);
	if (near)
		fprintf(stderr, "; did you mean '%s'?", near);
	fprintf(stderr, " (hpctl --help lists them)\n");
}

/* --pid: a secondary's socket is named after its pid; the primary's is
 * not, so ask the primary who that pid is. */
static int socket_for_pid(struct ctl *ctl, int pid)
{
	char path[HPD_SUN_MAX];
	json_t *res, *m;
	size_t i;
	int rc;

	hpd_paths_member(&ctl->paths, pid, path, sizeof(path));
	if (access(path, F_OK) == 0)
		return ctl_connect(ctl, path);
	if ((rc = ctl_connect(ctl, ctl->paths.primary)) != 0)
		return rc;
	if ((rc = ctl_call(ctl, "ps", NULL, &res)) != 0)
		return rc;
	json_array_foreach(json_object_get(res, "members"), i, m)
		if (json_integer_value(json_object_get(m, "pid")) == pid) {
			snprintf(path, sizeof(path), "%s",
				 json_string_value(json_object_get(m, "socket")));
			json_decref(res);
			return ctl_connect(ctl, path);
		}
	json_decref(res);
	fprintf(stderr, "hpctl: pid %d is not a member of group %s\n", pid, ctl->paths.group);
	return EXIT_UNREACHABLE;
}

/* The global options, then every command's own (each name once: start
 * and configure share theirs). */
static struct option *all_options(const struct option *global)
{
	size_t n = 0, k = 0;
	struct option *all;

	for (const struct option *o = global; o->name; o++)
		n++;
	for (const struct cmd_entry *const *c = cmd_table; *c; c++)
		for (const struct option *o = (*c)->options; o && o->name; o++)
			n++;
	if ((all = calloc(n + 1, sizeof(*all))) == NULL)
		return NULL;
	for (const struct option *o = global; o->name; o++)
		all[k++] = *o;
	for (const struct cmd_entry *const *c = cmd_table; *c; c++)
		for (const struct option *o = (*c)->options; o && o->name; o++) {
			size_t i = 0;

			while (i < k && strcmp(all[i].name, o->name) != 0)
				i++;
			if (i < k)
				continue;
			/* another name with this id would be handed to the
			 * wrong command: a programming error, loud at once */
			for (size_t j = 0; j < k; j++)
				if (all[j].val == o->val) {
					fprintf(stderr, "hpctl: internal error: options --%s and --%s "
						"share id %d\n", all[j].name, o->name, o->val);
					abort();
				}
			all[k++] = *o;
		}
	return all;
}

/* A command option given: kept until the command is known, then handed
 * to it, or refused if it is another command's. */
struct cmd_opt {
	int id;
	const char *arg;
};

static bool takes(const struct cmd_entry *c, int id)
{
	for (const struct option *o = c->options; o && o->name; o++)
		if (o->val == id)
			return true;
	return false;
}

static int cmd_options(struct ctl *ctl, const struct cmd_entry *c, const struct option *all,
		       const struct cmd_opt *given, int n)
{
	for (int i = 0; i < n; i++) {
		int rc;

		if (!takes(c, given[i].id)) {
			const char *name = "?";

			for (const struct option *o = all; o->name; o++)
				if (o->val == given[i].id)
					name = o->name;
			fprintf(stderr, "hpctl: --%s is not an option of %s\n", name, c->name);
			return EXIT_USAGE;
		}
		if ((rc = c->option(ctl, given[i].id, given[i].arg)) != EXIT_OK)
			return rc;
	}
	return EXIT_OK;
}

static int run(int argc, char **argv, struct option *all, struct cmd_opt *given);

enum { O_PREFIX = 256, O_PID, O_JSON, O_NOLEGEND }; /* the global options' ids */

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"file-prefix", required_argument, NULL, O_PREFIX},
		{"runtime-dir", required_argument, NULL, 'r'},
		{"pid", required_argument, NULL, O_PID},
		{"socket", required_argument, NULL, 's'},
		{"json", optional_argument, NULL, O_JSON},
		{"no-legend", no_argument, NULL, O_NOLEGEND},
		{"timeout", required_argument, NULL, 't'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	struct option *all = all_options(opts);
	struct cmd_opt *given = calloc((size_t)argc + 1, sizeof(*given));
	int rc = EXIT_FAILED;

	if (all && given)
		rc = run(argc, argv, all, given);
	else
		fprintf(stderr, "hpctl: out of memory\n");
	free(given);
	free(all);
	return rc;
}

static int run(int argc, char **argv, struct option *all, struct cmd_opt *given)
{
	const char *prefix = NULL, *rundir = NULL, *sock = NULL;
	const struct cmd_entry *const *c;
	struct ctl ctl = {.timeout_ms = 30000};
	int opt, pid = 0, nargs, rc, ngiven = 0;
	long n;

	ctl.client.fd = -1;
	/* no "+": options after the command too (hpctl list --json) */
	while ((opt = getopt_long(argc, argv, "r:s:t:hV", all, NULL)) != -1) {
		if (opt >= CTL_CMD_OPT) {
			given[ngiven].id = opt;
			given[ngiven++].arg = optarg;
			continue;
		}
		switch (opt) {
		case O_PREFIX: prefix = optarg; break;
		case 'r': rundir = optarg; break;
		case O_PID:
			if (ctl_number(optarg, 1, 4194304, "--pid", &n))
				return EXIT_USAGE;
			pid = (int)n;
			break;
		case 's': sock = optarg; break;
		case O_JSON:
			if (optarg && strcmp(optarg, "pretty") != 0) {
				fprintf(stderr, "hpctl: --json takes no value or =pretty, not "
					"\"%s\"\n", optarg);
				return EXIT_USAGE;
			}
			ctl.json = true;
			ctl.json_pretty = optarg != NULL;
			break;
		case O_NOLEGEND: ctl.no_legend = true; break;
		case 't':
			if (ctl_number(optarg, 1, 86400000, "--timeout", &n))
				return EXIT_USAGE;
			ctl.timeout_ms = (int)n;
			break;
		case 'h': usage(stdout); return EXIT_OK;
		case 'V': printf("hpctl %s\n", HPD_VERSION); return EXIT_OK;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (optind >= argc || (pid && sock) || pid < 0 || ctl.timeout_ms <= 0) {
		usage(stderr);
		return EXIT_USAGE;
	}
	for (c = cmd_table; *c; c++)
		if (strcmp((*c)->name, argv[optind]) == 0)
			break;
	nargs = argc - optind - 1;
	if (*c == NULL || nargs < (*c)->min_args || nargs > (*c)->max_args) {
		if (*c)
			fprintf(stderr, "usage: hpctl %s %s\n", (*c)->name, (*c)->usage);
		else
			unknown_command(argv[optind]);
		return EXIT_USAGE;
	}
	rc = cmd_options(&ctl, *c, all, given, ngiven);
	if (rc == EXIT_OK && hpd_paths_init(&ctl.paths, rundir, prefix) != 0) {
		fprintf(stderr, "hpctl: bad runtime directory or file prefix\n");
		rc = EXIT_USAGE;
	}
	if (rc == EXIT_OK)
		rc = pid ? socket_for_pid(&ctl, pid) : ctl_connect(&ctl, sock ? sock : ctl.paths.primary);
	if (rc == EXIT_OK)
		rc = (*c)->exec(&ctl, nargs, argv + optind + 1);
	hpd_client_close(&ctl.client);
	json_decref(ctl.config);
	return rc;
}
