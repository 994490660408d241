/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "api.h"
#include "console.h"
#include "devargs.h"
#include "hotplugd.h"
#include "log.h"

/* A script on a regular file or /dev/null is read in chunks of this. */
#define SCRIPT_CHUNK 65536

struct command {
	const char *name;
	const char *method;  /* API method, NULL for local commands */
	const char *param;   /* its single parameter, if any */
	const char *help;
	void (*print)(const char *arg, json_t *result, json_t *error);
};

static struct event *stdin_ev, *next_ev;
static struct evbuffer *inbuf;
static const struct command *running;
static char running_arg[512];
static bool busy, eof;

static void prompt(void)
{
	fputs("example> ", stdout);
	fflush(stdout);
}

static const char *reason_of(json_t *error)
{
	json_t *data = json_object_get(error, "data");
	const char *r = json_string_value(json_object_get(data, "reason"));

	return r && *r ? r : json_string_value(json_object_get(error, "message"));
}

static void print_list(const char *arg, json_t *result, json_t *error)
{
	json_t *p;
	size_t i;

	(void)arg;
	if (error) {
		printf("list failed: %s\n", reason_of(error));
		return;
	}
	printf("list all etherdev\n");
	json_array_foreach(json_object_get(result, "ports"), i, p)
		printf("%d\t%s\n", (int)json_integer_value(json_object_get(p, "port")),
		       json_string_value(json_object_get(p, "name")));
}

/* The device name the example prints: devargs reduced to its name, as the
 * user spelled it (DPDK's example prints its parse, which keeps "00:04.0"
 * as typed; the daemon's answers name the device in full). */
static const char *short_name(const char *arg, char *buf, size_t len)
{
	const char *colon = strchr(arg, ':'), *comma = strchr(arg, ',');

	/* a bus prefix ("pci:", "vdev:") is not part of the name */
	if (colon && (!comma || colon < comma) &&
	    (strncmp(arg, "pci:", 4) == 0 || strncmp(arg, "vdev:", 5) == 0))
		arg = colon + 1, comma = strchr(arg, ',');
	snprintf(buf, len, "%.*s", comma ? (int)(comma - arg) : (int)strlen(arg), arg);
	return buf;
}

static void print_hotplug(const char *verb, const char *arg, json_t *result, json_t *error)
{
	char name[HPD_NAME_MAX + 1];

	if (error)
		printf("failed to %s device %s: %s\n", verb, short_name(arg, name, sizeof(name)),
		       reason_of(error));
	else
		printf("%sed device %s\n", verb,
		       json_string_value(json_object_get(result, "name")));
}

static void print_attach(const char *arg, json_t *result, json_t *error)
{
	print_hotplug("attach", arg, result, error);
}

static void print_detach(const char *arg, json_t *result, json_t *error)
{
	print_hotplug("detach", arg, result, error);
}

static void print_port(const char *verb, const char *arg, json_t *result, json_t *error)
{
	if (error)
		printf("failed to %s port %s: %s\n", verb, arg, reason_of(error));
	else
		printf("%s port %d (%s)\n", strcmp(verb, "start") ? "stopped" : "started",
		       (int)json_integer_value(json_object_get(result, "port")),
		       json_string_value(json_object_get(result, "name")));
}

static void print_start(const char *arg, json_t *result, json_t *error)
{
	print_port("start", arg, result, error);
}

static void print_stop(const char *arg, json_t *result, json_t *error)
{
	print_port("stop", arg, result, error);
}

static void print_json(const char *arg, json_t *result, json_t *error)
{
	char *s = json_dumps(error ? error : result, JSON_INDENT(2) | JSON_SORT_KEYS);

	(void)arg;
	printf("%s\n", s ? s : "?");
	free(s);
}

static void print_help(const char *arg, json_t *result, json_t *error);

static const struct command commands[] = {
	{"help", NULL, NULL, "show this help", print_help},
	{"list", "list", NULL, "list all etherdev", print_list},
	{"attach", "attach", "devargs", "attach <devargs>: attach a device in every process",
	 print_attach},
	{"detach", "detach", "device", "detach <device>: detach a device from every process",
	 print_detach},
	{"start", "start", "device", "start <device>: configure and start a port", print_start},
	{"stop", "stop", "device", "stop <device>: stop a port", print_stop},
	{"ps", "ps", NULL, "members of the group", print_json},
	{"status", "status", NULL, "about this process", print_json},
	{"quit", NULL, NULL, "quit", NULL},
	{NULL, NULL, NULL, NULL, NULL},
};

static void print_help(const char *arg, json_t *result, json_t *error)
{
	(void)arg, (void)result, (void)error;
	for (const struct command *c = commands; c->name; c++)
		printf("  %-8s %s\n", c->name, c->help);
}

static void console_respond(struct api_req *req, json_t *response)
{
	(void)req;
	if (response == NULL)
		return;
	running->print(running_arg, json_object_get(response, "result"),
		       json_object_get(response, "error"));
	json_decref(response);
	busy = false;
	running = NULL;
	prompt();
	event_active(next_ev, 0, 0); /* any further buffered line */
}

static const struct api_sink console_sink = {.respond = console_respond};

static void run(const struct command *c, const char *arg)
{
	struct api_req *req = calloc(1, sizeof(*req));
	json_t *params = json_object();

	if (req == NULL || params == NULL) {
		free(req);
		json_decref(params);
		printf("%s: out of memory\n", c->name);
		prompt();
		return;
	}
	if (c->param)
		json_object_set_new(params, c->param, json_string(arg));
	req->rpc.root = json_pack("{s:s, s:i, s:s, s:o}", "jsonrpc", "2.0", "id", 1,
				  "method", c->method, "params", params);
	req->rpc.id = json_object_get(req->rpc.root, "id");
	req->rpc.method = c->method;
	req->rpc.params = params;
	/* the console is this process's own terminal: full rights */
	req->peer.pid = hpd.pid;
	req->peer.uid = geteuid();
	req->peer.gid = getegid();
	snprintf(req->peer.comm, sizeof(req->peer.comm), "console");
	req->peer.rights = RIGHT_READ | RIGHT_ADMIN;
	req->sink = &console_sink;
	running = c;
	snprintf(running_arg, sizeof(running_arg), "%s", arg);
	busy = true;
	api_dispatch(req);
}

static void execute(char *line)
{
	char *cmd = strtok(line, " \t\r");
	char *arg = strtok(NULL, " \t\r");
	const struct command *c;

	if (cmd == NULL) {
		prompt();
		return;
	}
	for (c = commands; c->name; c++)
		if (strcmp(c->name, cmd) == 0)
			break;
	if (c->name == NULL) {
		printf("unknown command \"%s\" (try help)\n", cmd);
		prompt();
		return;
	}
	if (c->print == NULL) { /* quit */
		hpd_shutdown(0);
		return;
	}
	if ((c->param && arg == NULL) || (!c->param && arg && c->method)) {
		printf("usage: %s\n", c->help);
		prompt();
		return;
	}
	if (c->method == NULL) {
		c->print(arg, NULL, NULL);
		prompt();
		return;
	}
	run(c, arg ? arg : "");
}

/* Run buffered lines one at a time: a command's output is complete before
 * the next starts, as in the interactive example. */
static void pump(evutil_socket_t fd, short what, void *arg)
{
	(void)fd, (void)what, (void)arg;
	while (!busy && !hpd.stopping) {
		size_t n;
		char *line = evbuffer_readln(inbuf, &n, EVBUFFER_EOL_LF);

		if (line == NULL)
			break;
		execute(line);
		free(line);
	}
	if (!busy && eof && !hpd.stopping) {
		size_t left = evbuffer_get_length(inbuf);

		if (left) { /* a last line without '\n' */
			char *line = calloc(1, left + 1);

			if (line == NULL) {
				printf("out of memory: the last line is lost\n");
				hpd_shutdown(1);
				return;
			}
			evbuffer_remove(inbuf, line, left);
			execute(line);
			free(line);
			if (busy)
				return;
		}
		printf("\n");
		hpd_shutdown(0);
	}
}

static void on_stdin(evutil_socket_t fd, short what, void *arg)
{
	int n;

	(void)what, (void)arg;
	n = evbuffer_read(inbuf, fd, 4096);
	if (n <= 0) {
		eof = true;
		event_del(stdin_ev);
	}
	pump(-1, 0, NULL);
}

int console_init(struct event_base *base)
{
	inbuf = evbuffer_new();
	stdin_ev = event_new(base, STDIN_FILENO, EV_READ | EV_PERSIST, on_stdin, NULL);
	next_ev = event_new(base, -1, 0, pump, NULL);
	if (inbuf == NULL || stdin_ev == NULL || next_ev == NULL)
		return -ENOMEM;
	return 0;
}

/* The prompt comes once the process is ready (the primary: its devices
 * restored), so a first "list" shows them all. */
int console_start(void)
{
	prompt();
	if (event_add(stdin_ev, NULL) < 0) {
		/* A regular file or /dev/null cannot be polled with epoll:
		 * read it whole; it is the user's script. */
		while (evbuffer_read(inbuf, STDIN_FILENO, SCRIPT_CHUNK) > 0)
			;
		eof = true;
		event_active(next_ev, 0, 0);
	}
	return 0;
}

void console_fini(void)
{
	if (stdin_ev)
		event_free(stdin_ev);
	if (next_ev)
		event_free(next_ev);
	if (inbuf)
		evbuffer_free(inbuf);
}
