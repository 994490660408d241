/* SPDX-License-Identifier: BSD-3-Clause */
/* watch [COUNT] [--since SEQ [--epoch E]]: print events as they happen
 * (COUNT: stop after that many); --since first replays those after SEQ
 * that the history still holds, as subscribe does. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hpctl.h"
#include "jsonrpc.h"

enum { O_SINCE = CTL_WATCH_OPT, O_EPOCH };

static const struct option options[] = {
	{"since", required_argument, NULL, O_SINCE},
	{"epoch", required_argument, NULL, O_EPOCH},
	{NULL, 0, NULL, 0},
};

static long since = -1;
static const char *epoch;

static int option(struct ctl *ctl, int id, const char *arg)
{
	(void)ctl;
	if (id == O_EPOCH) {
		epoch = arg; /* the daemon checks its form */
		return EXIT_OK;
	}
	return ctl_number(arg, 0, RPC_INT_MAX, "--since", &since);
}

static void word(const char *key, const char *value, void *arg)
{
	(void)arg;
	if (strcmp(key, "event") == 0 || strcmp(key, "time") == 0)
		return;
	/* a value with blanks quoted, so that each word is one key=value */
	printf(strpbrk(value, " \t\"") || !*value ? " %s=\"%s\"" : " %s=%s", key, value);
}

/* One form for every event: time, name, then its fields as key=value
 * words (nested objects as dotted keys: origin.comm=hpctl). */
static void print_event(json_t *p)
{
	double when = json_number_value(json_object_get(p, "time"));
	time_t t = (time_t)when;
	char ts[32];

	strftime(ts, sizeof(ts), "%H:%M:%S", localtime(&t));
	printf("%s.%03d %s", ts, (int)((when - (double)t) * 1000),
	       json_string_value(json_object_get(p, "event")));
	ctl_fields(p, word, NULL);
	printf("\n");
}

static int exec(struct ctl *ctl, int argc, char **argv)
{
	long count = 0, seen = 0;
	json_t *res, *msg, *params = NULL;
	int rc;

	if (argc && ctl_number(argv[0], 1, 1000000000, "watch COUNT", &count))
		return EXIT_USAGE;
	if (epoch && since < 0) {
		fprintf(stderr, "hpctl: watch: --epoch goes with --since\n");
		return EXIT_USAGE;
	}
	if (since >= 0) {
		params = json_pack("{s:I}", "since", (json_int_t)since);
		if (epoch)
			json_object_set_new(params, "epoch", json_string(epoch));
	}
	if ((rc = ctl_call(ctl, "subscribe", params, &res)) != 0)
		return rc;
	json_decref(res);
	setvbuf(stdout, NULL, _IOLBF, 0);
	while (count <= 0 || seen < count) {
		rc = hpd_client_read(&ctl->client, -1, &msg);
		if (rc) {
			fprintf(stderr, "hpctl: watch: %s\n", strerror(-rc));
			return EXIT_UNREACHABLE;
		}
		if (json_object_get(msg, "method")) {
			json_t *p = json_object_get(msg, "params");

			if (ctl->json)
				ctl_print_json(ctl, p);
			else
				print_event(p);
			seen++;
		}
		json_decref(msg);
	}
	return EXIT_OK;
}

const struct cmd_entry cmd_watch_entry = {
	.name = "watch", .usage = "[COUNT] [--since SEQ [--epoch EPOCH]]", .min_args = 0,
	.max_args = 1, .help = "print events as they happen (--since: the missed ones first)",
	.exec = exec, .options = options, .option = option,
};
