/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <systemd/sd-daemon.h>

#include "api.h"
#include "control.h"
#include "hotplugd.h"
#include "jsonrpc.h"
#include "log.h"

/* Past this much unsent output we stop reading a client's requests
 * (backpressure) and drop events for a subscriber (reported to it). */
#define OUTPUT_HIGH (1024 * 1024)

struct conn {
	TAILQ_ENTRY(conn) next;
	struct bufferevent *bev;
	struct hpd_peer peer;
	bool subscribed;
	bool closing;          /* close once the output is flushed */
	bool read_paused;
	unsigned dropped;      /* events lost to a full output buffer */
	TAILQ_HEAD(, api_req) pending;
};

static TAILQ_HEAD(, conn) conns = TAILQ_HEAD_INITIALIZER(conns);
static struct event_base *evbase;
static struct event *accept_ev, *accept_pause;
static int listen_fd = -1;
static bool own_socket; /* we created it, so we unlink it */
static char sock_path[HPD_SUN_MAX];
static unsigned nconns, nsubs;

static void conn_free(struct conn *c)
{
	struct api_req *r;

	/* Requests in flight go on (an attach completes and is published);
	 * their answer has nowhere to go. */
	while ((r = TAILQ_FIRST(&c->pending)) != NULL) {
		TAILQ_REMOVE(&c->pending, r, next);
		r->ctx = NULL;
	}
	TAILQ_REMOVE(&conns, c, next);
	nconns--;
	if (c->subscribed)
		nsubs--;
	bufferevent_free(c->bev);
	free(c);
}

static void send_json(struct conn *c, const json_t *msg)
{
	size_t len;
	char *s = rpc_encode(msg, &len);

	if (s) {
		bufferevent_write(c->bev, s, len);
		free(s);
	}
}

/* Answer, then hang up once the answer is out. */
static void conn_fatal(struct conn *c, int code, const char *msg)
{
	json_t *e = rpc_error(NULL, code, msg, NULL);

	send_json(c, e);
	json_decref(e);
	c->closing = true;
	bufferevent_disable(c->bev, EV_READ);
	if (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0)
		conn_free(c);
}

static void conn_respond(struct api_req *req, json_t *response)
{
	struct conn *c = req->ctx;

	if (c) {
		TAILQ_REMOVE(&c->pending, req, next);
		if (response)
			send_json(c, response);
	}
	json_decref(response);
}

/* A request stays on its connection's list until answered, so that a
 * client hanging up can detach the requests still in flight. */
static void conn_track(struct api_req *req)
{
	struct conn *c = req->ctx;

	TAILQ_INSERT_TAIL(&c->pending, req, next);
}

static const struct api_sink conn_sink = {.respond = conn_respond, .track = conn_track};

static void on_read(struct bufferevent *bev, void *arg)
{
	struct conn *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);

	while (!c->closing) {
		size_t eol_len;
		struct evbuffer_ptr p = evbuffer_search_eol(in, NULL, &eol_len, EVBUFFER_EOL_LF);
		char *line;

		if (p.pos < 0) {
			if (evbuffer_get_length(in) > HPD_REQUEST_MAX)
				conn_fatal(c, HPD_E_LIMIT, "E2BIG: request exceeds 65536 bytes");
			return;
		}
		if ((size_t)p.pos > HPD_REQUEST_MAX) {
			conn_fatal(c, HPD_E_LIMIT, "E2BIG: request exceeds 65536 bytes");
			return;
		}
		line = malloc((size_t)p.pos + 1);
		if (line == NULL) {
			conn_fatal(c, RPC_INTERNAL_ERROR, "ENOMEM: out of memory");
			return;
		}
		evbuffer_remove(in, line, (size_t)p.pos);
		evbuffer_drain(in, eol_len);
		line[p.pos] = '\0';
		if (strspn(line, " \t\r") != (size_t)p.pos)
			api_handle_line(line, (size_t)p.pos, &c->peer, &conn_sink, c);
		free(line);
		if (evbuffer_get_length(bufferevent_get_output(bev)) > OUTPUT_HIGH) {
			bufferevent_disable(bev, EV_READ);
			c->read_paused = true;
			return;
		}
	}
}

static void on_write(struct bufferevent *bev, void *arg)
{
	struct conn *c = arg;

	if (c->closing) {
		conn_free(c);
		return;
	}
	if (c->read_paused) {
		c->read_paused = false;
		bufferevent_enable(bev, EV_READ);
		on_read(bev, c);
	}
	if (c->dropped && c->subscribed) {
		json_t *n = rpc_notification("events.overflow",
			json_pack("{s:i}", "dropped", c->dropped));

		c->dropped = 0;
		send_json(c, n);
		json_decref(n);
	}
}

static void on_event(struct bufferevent *bev, short what, void *arg)
{
	struct conn *c = arg;

	if ((what & BEV_EVENT_TIMEOUT) && (what & BEV_EVENT_READING) &&
	    (c->subscribed || !TAILQ_EMPTY(&c->pending))) {
		/* waiting for an answer or for events is not idling */
		bufferevent_enable(bev, EV_READ);
		return;
	}
	conn_free(c);
}

static void peer_creds(int fd, struct hpd_peer *p)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);
	char path[64];
	FILE *f;

	memset(p, 0, sizeof(*p));
	p->uid = (uid_t)-1;
	p->gid = (gid_t)-1;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) == 0) {
		p->pid = cr.pid;
		p->uid = cr.uid;
		p->gid = cr.gid;
	}
	snprintf(path, sizeof(path), "/proc/%d/comm", p->pid);
	if ((f = fopen(path, "r")) != NULL) {
		if (fgets(p->comm, sizeof(p->comm), f))
			p->comm[strcspn(p->comm, "\n")] = '\0';
		fclose(f);
	}
	p->rights = api_rights(p->uid, p->gid);
}

static void resume_accept(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	event_add(accept_ev, NULL);
}

static void on_accept(evutil_socket_t lfd, short what, void *arg)
{
	struct conn *c;
	int fd;

	(void)what;
	(void)arg;
	fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0) {
		if (errno == EMFILE || errno == ENFILE) {
			/* Out of descriptors: the pending connection keeps the
			 * listener readable, so stop watching it for a moment
			 * instead of spinning (tmux and relayd do the same). */
			struct timeval tv = {1, 0};

			log_warn("accept: %s; pausing for 1 s", strerror(errno));
			event_del(accept_ev);
			evtimer_add(accept_pause, &tv);
		}
		return;
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		close(fd);
		return;
	}
	TAILQ_INIT(&c->pending);
	peer_creds(fd, &c->peer);
	c->bev = bufferevent_socket_new(evbase, fd, BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL) {
		close(fd);
		free(c);
		return;
	}
	TAILQ_INSERT_TAIL(&conns, c, next);
	nconns++;
	bufferevent_setcb(c->bev, on_read, on_write, on_event, c);
	if (hpd.opt.idle_timeout_ms > 0) {
		struct timeval idle = {hpd.opt.idle_timeout_ms / 1000,
				       (hpd.opt.idle_timeout_ms % 1000) * 1000};

		bufferevent_set_timeouts(c->bev, &idle, &idle);
	}
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	if ((int)nconns > hpd.opt.max_clients) {
		char msg[64];

		snprintf(msg, sizeof(msg), "EMFILE: too many clients (limit %d)",
			 hpd.opt.max_clients);
		conn_fatal(c, HPD_E_LIMIT, msg);
		return;
	}
	if (c->peer.rights == 0) {
		/* still answered per request, so the client sees EPERM */
		log_info("client pid %d uid %d has no rights", c->peer.pid, c->peer.uid);
	}
}

static int make_socket(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct group *g;
	int fd;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* A socket file left by a dead daemon is replaced; a live one is
	 * not (connect succeeds: another daemon owns this path). */
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
		close(fd);
		return -EADDRINUSE;
	}
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 128) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	/* 0660 root:<read group>: the group's members may connect, the
	 * per-method rights decide what they may do. */
	g = getgrnam(hpd.opt.read_group);
	if (g && chown(path, 0, g->gr_gid) < 0)
		log_warn("chown %s: %s", path, strerror(errno));
	chmod(path, 0660);
	return fd;
}

int control_init(struct event_base *base, const char *path)
{
	int n;

	evbase = base;
	snprintf(sock_path, sizeof(sock_path), "%s", path);
	n = hpd_is_primary() ? sd_listen_fds(1) : 0;
	if (n > 0 && sd_is_socket_unix(SD_LISTEN_FDS_START, SOCK_STREAM, 1, NULL, 0) > 0) {
		listen_fd = SD_LISTEN_FDS_START;
		evutil_make_socket_nonblocking(listen_fd);
		log_info("control socket passed by systemd");
	} else {
		listen_fd = make_socket(path);
		if (listen_fd < 0)
			return listen_fd;
		own_socket = true;
	}
	accept_ev = event_new(base, listen_fd, EV_READ | EV_PERSIST, on_accept, NULL);
	accept_pause = evtimer_new(base, resume_accept, NULL);
	if (accept_ev == NULL || event_add(accept_ev, NULL) < 0)
		return -ENOMEM;
	return 0;
}

void control_fini(void)
{
	while (!TAILQ_EMPTY(&conns))
		conn_free(TAILQ_FIRST(&conns));
	if (accept_ev)
		event_free(accept_ev);
	if (accept_pause)
		event_free(accept_pause);
	if (listen_fd >= 0)
		close(listen_fd);
	if (own_socket)
		unlink(sock_path);
}

void control_publish(json_t *n)
{
	struct conn *c;
	char *s = NULL;
	size_t len = 0;

	TAILQ_FOREACH(c, &conns, next) {
		if (!c->subscribed || c->closing)
			continue;
		if (evbuffer_get_length(bufferevent_get_output(c->bev)) > OUTPUT_HIGH) {
			c->dropped++; /* a slow subscriber must not stall us */
			continue;
		}
		if (s == NULL && (s = rpc_encode(n, &len)) == NULL)
			break;
		bufferevent_write(c->bev, s, len);
	}
	free(s);
	json_decref(n);
}

bool control_subscribe(struct api_req *req)
{
	struct conn *c = req->ctx;

	if (c == NULL || req->sink != &conn_sink)
		return false;
	if (!c->subscribed)
		nsubs++;
	c->subscribed = true;
	return true;
}

unsigned control_clients(void)
{
	return nconns;
}

unsigned control_subscribers(void)
{
	return nsubs;
}
