/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "client.h"
#include "jsonrpc.h"
#include "wire.h"

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

int hpd_client_connect(struct hpd_client *c, const char *path, int timeout_ms)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct pollfd pfd;
	int err = 0;
	socklen_t el = sizeof(err);

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->next_id = 1;
	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (c->fd < 0)
		return -errno;
	if (connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		if (errno != EINPROGRESS && errno != EAGAIN) {
			err = -errno;
			goto fail;
		}
		pfd.fd = c->fd;
		pfd.events = POLLOUT;
		if (poll(&pfd, 1, timeout_ms) <= 0) {
			err = -ETIMEDOUT;
			goto fail;
		}
		if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &el) < 0 || err) {
			err = -(err ? err : errno);
			goto fail;
		}
	}
	/* Only root's (or our own) daemon answers: a socket someone else
	 * planted would feed us fake answers. */
	{
		struct ucred cr;
		socklen_t cl = sizeof(cr);

		if (getsockopt(c->fd, SOL_SOCKET, SO_PEERCRED, &cr, &cl) < 0) {
			err = -errno;
			goto fail;
		}
		if (cr.uid != 0 && cr.uid != geteuid()) {
			err = -EPERM;
			goto fail;
		}
	}
	return 0;
fail:
	close(c->fd);
	c->fd = -1;
	return err;
}

void hpd_client_close(struct hpd_client *c)
{
	if (c->fd >= 0)
		close(c->fd);
	free(c->buf);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
}

int hpd_client_send(struct hpd_client *c, const json_t *msg)
{
	size_t len, off = 0;
	char *s = rpc_encode(msg, &len);
	int rc = 0;

	if (s == NULL)
		return -ENOMEM;
	while (off < len) {
		ssize_t n = send(c->fd, s + off, len - off, MSG_NOSIGNAL);

		if (n < 0 && errno == EAGAIN) {
			struct pollfd pfd = {.fd = c->fd, .events = POLLOUT};

			poll(&pfd, 1, 1000);
			continue;
		}
		if (n < 0) {
			rc = -errno;
			break;
		}
		off += (size_t)n;
	}
	free(s);
	return rc;
}

int hpd_client_read(struct hpd_client *c, int timeout_ms, json_t **msg)
{
	long long deadline = timeout_ms < 0 ? 0 : now_ms() + timeout_ms;

	*msg = NULL;
	for (;;) {
		char *nl = c->len ? memchr(c->buf, '\n', c->len) : NULL;

		if (nl) {
			size_t linelen = (size_t)(nl - c->buf);
			json_error_t jerr;

			*msg = json_loadb(c->buf, linelen, 0, &jerr);
			memmove(c->buf, nl + 1, c->len - linelen - 1);
			c->len -= linelen + 1;
			if (*msg == NULL)
				return -EBADMSG;
			return 0;
		}
		if (c->cap - c->len < 4096) {
			size_t cap = c->cap ? c->cap * 2 : 8192;
			char *b = realloc(c->buf, cap);

			if (b == NULL)
				return -ENOMEM;
			c->buf = b;
			c->cap = cap;
		}
		ssize_t n = recv(c->fd, c->buf + c->len, c->cap - c->len, 0);

		if (n == 0)
			return -ECONNRESET;
		if (n > 0) {
			c->len += (size_t)n;
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN)
			return -errno;
		int wait = -1;

		if (timeout_ms >= 0) {
			wait = (int)(deadline - now_ms());
			if (wait <= 0)
				return -ETIMEDOUT;
		}
		struct pollfd pfd = {.fd = c->fd, .events = POLLIN};

		if (poll(&pfd, 1, wait) < 0 && errno != EINTR)
			return -errno;
	}
}

int hpd_client_call(struct hpd_client *c, const char *method, json_t *params,
		    int timeout_ms, json_t **resp)
{
	long long id = c->next_id++;
	json_t *req = json_pack("{s:s, s:I, s:s, s:o}", "jsonrpc", "2.0", "id",
				(json_int_t)id, "method", method,
				"params", params ? params : json_object());
	long long deadline = now_ms() + timeout_ms;
	int rc;

	*resp = NULL;
	rc = hpd_client_send(c, req);
	json_decref(req);
	if (rc)
		return rc;
	for (;;) {
		json_t *m;
		int left = timeout_ms < 0 ? -1 : (int)(deadline - now_ms());

		if (timeout_ms >= 0 && left <= 0)
			return -ETIMEDOUT;
		rc = hpd_client_read(c, left, &m);
		if (rc)
			return rc;
		json_t *mid = json_object_get(m, "id");

		if (json_is_integer(mid) && json_integer_value(mid) == id) {
			*resp = m;
			return 0;
		}
		json_decref(m); /* a notification or a stale answer */
	}
}
