/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the daemon's own control socket, end to end. The real
 * control.c (listening socket, accept, credentials, framing, limits,
 * backpressure, idle timers), api.c (decoding, rights, the method table,
 * answers) and every method handler run unchanged on a real libevent loop;
 * only the layers below the API (engine, devices, members: the EAL) are
 * stubs (daemon_stubs.c). Each input is what one client writes on one
 * connection; every line the daemon writes back must be one well-formed
 * JSON-RPC 2.0 response or notification, and the daemon must neither
 * crash, leak, nor hang.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/event.h>
#include <jansson.h>

#include "api.h"
#include "control.h"
#include "engine.h"
#include "hotplugd.h"

#include "fuzz_common.h"

static char dir[PATH_MAX], sock_path[sizeof(((struct sockaddr_un *)0)->sun_path)];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *tmp = getenv("TMPDIR");

	(void)argc, (void)argv;
	snprintf(dir, sizeof(dir), "%s/hpd-fuzz-control-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL)
		abort();
	snprintf(sock_path, sizeof(sock_path), "%s/control.sock", dir);
	hpd.role = HPD_PRIMARY;
	hpd.pid = getpid();
	snprintf(hpd.name, sizeof(hpd.name), "fuzz");
	hpd.opt.max_clients = 128;
	hpd.opt.idle_timeout_ms = 60000;
	hpd.opt.op_timeout_ms = 5000;
	hpd.opt.ping_timeout_ms = 250;
	hpd.opt.read_group = hpd.opt.admin_group = ""; /* root only */
	hpd.base = event_base_new();
	if (hpd.base == NULL || api_acl_init(hpd.opt.read_group, hpd.opt.admin_group) != 0 ||
	    control_init(hpd.base, sock_path) != 0)
		abort();
	return 0;
}

static void spin(void)
{
	event_base_loop(hpd.base, EVLOOP_NONBLOCK);
}

/* One line the daemon wrote: a response or a notification, well formed. */
static void check_line(const char *line, size_t len)
{
	json_error_t err;
	json_t *m = json_loadb(line, len, JSON_REJECT_DUPLICATES, &err), *v, *e;

	FUZZ_CHECK(m != NULL && json_is_object(m));
	v = json_object_get(m, "jsonrpc");
	FUZZ_CHECK(json_is_string(v) && strcmp(json_string_value(v), "2.0") == 0);
	if (json_object_get(m, "method")) { /* an event or events.overflow */
		FUZZ_CHECK(json_is_string(json_object_get(m, "method")));
		FUZZ_CHECK(json_object_get(m, "id") == NULL);
		json_decref(m);
		return;
	}
	FUZZ_CHECK(json_object_get(m, "id") != NULL);
	e = json_object_get(m, "error");
	FUZZ_CHECK((json_object_get(m, "result") != NULL) != (e != NULL));
	if (e) {
		FUZZ_CHECK(json_is_integer(json_object_get(e, "code")));
		FUZZ_CHECK(json_is_string(json_object_get(e, "message")));
		v = json_object_get(json_object_get(e, "data"), "errno");
		if (v) /* errno names, never numbers or strerror text */
			FUZZ_CHECK(json_is_string(v) && json_string_value(v)[0] == 'E');
	}
	json_decref(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	static char out[1 << 20];
	size_t sent = 0, got = 0, start = 0;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
	unsigned idle = 0;
	bool closed = false;

	FUZZ_CHECK(fd >= 0);
	memcpy(a.sun_path, sock_path, strlen(sock_path));
	FUZZ_CHECK(connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0);
	/* write, read and let the loop run, until everything was sent, every
	 * operation completed and the daemon has nothing more to say */
	while (idle < 8 && !closed) {
		ssize_t n;
		bool progress = false;

		if (sent < size && (n = send(fd, data + sent, size - sent, MSG_NOSIGNAL)) > 0)
			sent += (size_t)n, progress = true;
		spin();
		while ((n = recv(fd, out + got, sizeof(out) - got - 1, 0)) > 0) {
			got += (size_t)n, progress = true;
			for (char *nl; (nl = memchr(out + start, '\n', got - start)); ) {
				check_line(out + start, (size_t)(nl - (out + start)));
				start = (size_t)(nl - out) + 1;
			}
			if (got == sizeof(out) - 1) { /* keep only the partial line */
				memmove(out, out + start, got - start);
				got -= start, start = 0;
			}
		}
		if (n == 0)
			closed = true; /* the daemon ended the connection (a limit) */
		idle = progress || engine_queued() ? 0 : idle + 1;
	}
	FUZZ_CHECK(closed || sent == size); /* never stuck with input unread */
	/* the daemon never leaves a partial line behind, unless it hung up */
	FUZZ_CHECK(closed || start == got);
	close(fd);
	for (int i = 0; i < 4; i++) /* it sees the close and frees the connection */
		spin();
	return 0;
}
