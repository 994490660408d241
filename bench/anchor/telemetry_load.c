/* SPDX-License-Identifier: BSD-3-Clause
 *
 * bench-telemetry-load: closed-loop request/response load against a local
 * control socket, C client threads for a fixed duration.
 *
 *   --proto telemetry (default): DPDK telemetry v2 (SOCK_SEQPACKET,
 *       <runtime dir>/dpdk_telemetry.v2); the server greets first, then one
 *       request string ("/ethdev/list") gets one JSON message back.
 *   --proto jsonrpc: SOCK_STREAM, newline-delimited JSON-RPC 2.0; --command
 *       is the method name (default "list").
 *
 * The same client measures both DPDK's own socket (the anchor) and hotplugd,
 * so the numbers differ only by the server. It needs no DPDK itself.
 *
 *   bench-telemetry-load --socket PATH --clients C --duration S
 *                        [--proto telemetry|jsonrpc] [--command CMD] [--json]
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>

#define RXBUF (256 * 1024) /* telemetry replies are <= 16 KiB; rpc may be more */

enum proto { PROTO_TELEMETRY, PROTO_JSONRPC };

static struct {
	const char *socket;
	const char *command;
	enum proto proto;
	int clients;
	double duration;
	bool json;
} cfg;

struct client {
	pthread_t tid;
	int id;
	int fd;
	uint64_t *lat_ns; /* one entry per completed request */
	size_t n, cap;
	uint64_t errors;
	double t_end;
	char *buf;
	size_t have; /* jsonrpc: bytes buffered past the last '\n' */
	const char *fail; /* fatal error, reported by main */
};

static pthread_barrier_t start_barrier;
static double t_start, t_stop;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + ts.tv_nsec;
}

static int connect_unix(const char *path, int type)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/* Telemetry: one send, one SEQPACKET message back. */
static int telemetry_call(struct client *c)
{
	ssize_t r;

	if (send(c->fd, cfg.command, strlen(cfg.command), MSG_NOSIGNAL) < 0)
		return -1;
	r = recv(c->fd, c->buf, RXBUF - 1, 0);
	if (r <= 0)
		return -1;
	c->buf[r] = '\0';
	/* A good answer is {"<command>": ...}; errors come back as null. */
	if (c->buf[0] != '{' || strstr(c->buf, "\":null}"))
		c->errors++;
	return 0;
}

/* JSON-RPC: send one line, read up to and including the next '\n'. */
static int jsonrpc_call(struct client *c, uint64_t id)
{
	char req[512];
	int len = snprintf(req, sizeof(req),
			   "{\"jsonrpc\":\"2.0\",\"id\":%" PRIu64 ",\"method\":\"%s\"}\n",
			   id, cfg.command);
	char *nl;

	for (int off = 0; off < len;) {
		ssize_t w = send(c->fd, req + off, len - off, MSG_NOSIGNAL);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		off += w;
	}
	while (!(nl = memchr(c->buf, '\n', c->have))) {
		ssize_t r;

		if (c->have >= RXBUF - 1) {
			c->fail = "jsonrpc response line longer than buffer";
			return -1;
		}
		r = recv(c->fd, c->buf + c->have, RXBUF - 1 - c->have, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		c->have += r;
	}
	*nl = '\0';
	if (!strstr(c->buf, "\"result\"") || strstr(c->buf, "\"error\""))
		c->errors++;
	/* Keep anything after the newline (not expected in a closed loop). */
	c->have -= (size_t)(nl + 1 - c->buf);
	memmove(c->buf, nl + 1, c->have);
	return 0;
}

static int record(struct client *c, uint64_t ns)
{
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 65536;
		uint64_t *p = realloc(c->lat_ns, cap * sizeof(*p));

		if (!p)
			return -1;
		c->lat_ns = p;
		c->cap = cap;
	}
	c->lat_ns[c->n++] = ns;
	return 0;
}

static void *client_main(void *arg)
{
	struct client *c = arg;
	uint64_t id = (uint64_t)c->id << 32;

	/* Every client is connected (and greeted) before anyone starts, so
	 * connection set-up is not part of the measured window. */
	pthread_barrier_wait(&start_barrier);
	if (c->fd < 0)
		return NULL;
	while (now_s() < t_stop) {
		uint64_t t0 = now_ns();
		int r = cfg.proto == PROTO_TELEMETRY ? telemetry_call(c)
						     : jsonrpc_call(c, ++id);

		if (r < 0) {
			if (!c->fail)
				c->fail = "connection closed or failed mid-run";
			break;
		}
		if (record(c, now_ns() - t0) < 0) {
			c->fail = "out of memory";
			break;
		}
	}
	c->t_end = now_s();
	return NULL;
}

/* Connect one client; for telemetry also consume the greeting, which is
 * where an over-limit connection shows up (the server closes it at once). */
static const char *client_connect(struct client *c)
{
	c->fd = connect_unix(cfg.socket, cfg.proto == PROTO_TELEMETRY ?
			     SOCK_SEQPACKET : SOCK_STREAM);
	if (c->fd < 0)
		return strerror(errno);
	if (cfg.proto == PROTO_TELEMETRY) {
		ssize_t r = recv(c->fd, c->buf, RXBUF - 1, 0);

		if (r <= 0)
			return "no greeting (server full? DPDK telemetry "
			       "allows ~10 clients)";
		c->buf[r] = '\0';
		if (c->buf[0] != '{')
			return "unexpected greeting";
	}
	return NULL;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* Nearest-rank percentile, in microseconds, of a sorted array. */
static double pct_us(const uint64_t *s, size_t n, double p)
{
	size_t k = (size_t)((p / 100.0) * n + 0.999999999);

	if (n == 0)
		return 0;
	if (k < 1)
		k = 1;
	return s[(k > n ? n : k) - 1] / 1e3;
}

static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			putchar('\\');
		if ((unsigned char)*s >= 0x20)
			putchar(*s);
	}
	putchar('"');
}

static void usage(void)
{
	fprintf(stderr, "usage: bench-telemetry-load --socket PATH --clients C "
		"--duration SECONDS [--proto telemetry|jsonrpc]\n"
		"                            [--command CMD] [--json]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct client *cl;
	uint64_t *all, total = 0, errors = 0;
	double elapsed = 0;
	size_t off = 0;
	int rc = 0;

	cfg.clients = 1;
	cfg.duration = 10;
	cfg.proto = PROTO_TELEMETRY;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--json")) {
			cfg.json = true;
			continue;
		}
		if (!v)
			usage();
		i++;
		if (!strcmp(a, "--socket"))
			cfg.socket = v;
		else if (!strcmp(a, "--clients"))
			cfg.clients = atoi(v);
		else if (!strcmp(a, "--duration"))
			cfg.duration = atof(v);
		else if (!strcmp(a, "--command"))
			cfg.command = v;
		else if (!strcmp(a, "--proto") && !strcmp(v, "telemetry"))
			cfg.proto = PROTO_TELEMETRY;
		else if (!strcmp(a, "--proto") && !strcmp(v, "jsonrpc"))
			cfg.proto = PROTO_JSONRPC;
		else
			usage();
	}
	if (!cfg.socket || cfg.clients < 1 || cfg.duration <= 0)
		usage();
	if (!cfg.command)
		cfg.command = cfg.proto == PROTO_TELEMETRY ? "/ethdev/list" : "list";
	if (cfg.proto == PROTO_JSONRPC && strpbrk(cfg.command, "\"\\\n"))
		usage(); /* spliced into the request unescaped */
	signal(SIGPIPE, SIG_IGN);

	cl = calloc(cfg.clients, sizeof(*cl));
	if (!cl)
		return 1;
	for (int i = 0; i < cfg.clients; i++) {
		const char *err;

		cl[i].id = i;
		cl[i].buf = malloc(RXBUF);
		if (!cl[i].buf)
			return 1;
		err = client_connect(&cl[i]);
		if (err) {
			fprintf(stderr, "bench-telemetry-load: client %d: "
				"connect %s: %s\n", i, cfg.socket, err);
			return 1;
		}
	}

	pthread_barrier_init(&start_barrier, NULL, cfg.clients + 1);
	for (int i = 0; i < cfg.clients; i++)
		if (pthread_create(&cl[i].tid, NULL, client_main, &cl[i]) != 0) {
			fprintf(stderr, "bench-telemetry-load: pthread_create\n");
			return 1;
		}
	t_start = now_s();
	t_stop = t_start + cfg.duration;
	pthread_barrier_wait(&start_barrier);

	for (int i = 0; i < cfg.clients; i++) {
		pthread_join(cl[i].tid, NULL);
		if (cl[i].fail) {
			fprintf(stderr, "bench-telemetry-load: client %d: %s\n",
				i, cl[i].fail);
			rc = 1;
		}
		total += cl[i].n;
		errors += cl[i].errors;
		if (cl[i].t_end - t_start > elapsed)
			elapsed = cl[i].t_end - t_start;
	}

	/* Per-thread arrays merged into one, sorted once for the percentiles. */
	all = malloc((total ? total : 1) * sizeof(*all));
	if (!all)
		return 1;
	for (int i = 0; i < cfg.clients; i++) {
		memcpy(all + off, cl[i].lat_ns, cl[i].n * sizeof(*all));
		off += cl[i].n;
		free(cl[i].lat_ns);
		free(cl[i].buf);
		close(cl[i].fd);
	}
	qsort(all, total, sizeof(*all), cmp_u64);

	if (cfg.json) {
		printf("{\"load\":\"%s\",\"socket\":",
		       cfg.proto == PROTO_TELEMETRY ? "telemetry" : "jsonrpc");
		json_str(cfg.socket);
		printf(",\"command\":");
		json_str(cfg.command);
		printf(",\"clients\":%d,\"duration_s\":%.3f,\"requests\":%" PRIu64
		       ",\"errors\":%" PRIu64 ",\"req_per_s\":%.1f,"
		       "\"p50_us\":%.2f,\"p99_us\":%.2f,\"max_us\":%.2f}\n",
		       cfg.clients, elapsed, total, errors,
		       elapsed > 0 ? total / elapsed : 0, pct_us(all, total, 50),
		       pct_us(all, total, 99), pct_us(all, total, 100));
	} else {
		printf("%s load on %s, command %s: %d clients, %.2f s\n",
		       cfg.proto == PROTO_TELEMETRY ? "telemetry" : "jsonrpc",
		       cfg.socket, cfg.command, cfg.clients, elapsed);
		printf("requests %" PRIu64 " (errors %" PRIu64 ")  %.1f req/s  "
		       "p50 %.1f us  p99 %.1f us  max %.1f us\n", total, errors,
		       elapsed > 0 ? total / elapsed : 0, pct_us(all, total, 50),
		       pct_us(all, total, 99), pct_us(all, total, 100));
	}
	free(all);
	free(cl);
	return rc;
}
