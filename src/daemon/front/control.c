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
#include "clock.h"
#include "climits.h"
#include "control.h"
#include "events.h"
#include "hotplugd.h"
#include "jsonrpc.h"
#include "log.h"
#include "members.h"

/* Past this much unsent output we stop reading a client's requests
 * (backpressure) and stop sending events to a subscriber: it is served
 * from the event history as its output drains, and told what it lost if
 * the history moved past it (events.overflow). */
#define OUTPUT_HIGH (1024 * 1024)
/* listen(2): connections the kernel queues before we accept them */
#define LISTEN_BACKLOG 128

struct conn {
	TAILQ_ENTRY(conn) next;
	/* Output (and its timeout) through a bufferevent; input through a
	 * plain read event: libevent's own reads cost an ioctl(FIONREAD)
	 * before every read, one more system call per request. */
	struct bufferevent *bev;
	struct evbuffer *in; /* (a bufferevent's own input only it may fill) */
	struct event *rd, *idle;
	struct hpd_peer peer;
	bool subscribed;
	/* The last event seq this subscriber was sent: it is a cursor into
	 * the event history (core/events.c), never a queue of its own. */
	uint64_t cursor;
	/* the subscribe whose answer must go out before any event */
	struct api_req *replay_after;
	bool closing;          /* close once the output is flushed */
	bool read_paused;
	bool discarding;       /* a member's oversized line: skip to its end */
	bool member;           /* a member's relay connection: never limited */
	bool counted;          /* admitted by climit_admit */
	bool line_done;        /* a line completed since the deadline was armed */
	struct event *line_ev; /* deadline to complete a request line */
	TAILQ_HEAD(, api_req) pending;
};

static TAILQ_HEAD(, conn) conns = TAILQ_HEAD_INITIALIZER(conns);
static struct event_base *evbase;
static struct event *accept_ev, *accept_pause;
static int listen_fd = -1;
static bool own_socket; /* we created it, so we unlink it */
static char sock_path[HPD_SUN_MAX];
static unsigned nconns;

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
	if (c->subscribed && !c->member)
		climit_unsubscribe(c->peer.uid, c->peer.rights & RIGHT_ADMIN);
	if (c->counted)
		climit_release(c->peer.uid, c->peer.rights & RIGHT_ADMIN);
	if (c->line_ev)
		event_free(c->line_ev);
	if (c->rd)
		event_free(c->rd);
	if (c->idle)
		event_free(c->idle);
	if (c->in)
		evbuffer_free(c->in);
	bufferevent_free(c->bev);
	free(c);
}

/*
 * Send now when nothing is queued for this client: going through the
 * bufferevent costs an EV_WRITE registration, one more loop iteration and
 * its removal for every answer. Whatever the socket does not take now is
 * queued, and the bufferevent keeps the order from then on.
 */
static void conn_send(struct conn *c, const char *data, size_t len)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);

	if (evbuffer_get_length(out) == 0) {
		ssize_t n = send(bufferevent_getfd(c->bev), data, len, MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n > 0) {
			data += n;
			len -= (size_t)n;
		}
	}
	if (len)
		bufferevent_write(c->bev, data, len);
}

static void send_json(struct conn *c, const json_t *msg)
{
	size_t len;
	char *s = rpc_encode(msg, &len);

	if (s) {
		conn_send(c, s, len);
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
	event_del(c->rd);
	/* never freed under the caller (it may be walking the input): the
	 * close happens from the loop, once the answer is out */
	if (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0) {
		struct timeval now = {0, 0};

		evtimer_add(c->idle, &now);
	}
}

static void catch_up(struct conn *c);

static void conn_respond(struct api_req *req, json_t *response)
{
	struct conn *c = req->ctx;

	if (c) {
		TAILQ_REMOVE(&c->pending, req, next);
		if (response)
			send_json(c, response);
		if (c->replay_after == req) { /* the subscribe's answer is out */
			c->replay_after = NULL;
			catch_up(c);
		}
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

static void conn_respond_raw(struct api_req *req, const char *line, size_t len)
{
	struct conn *c = req->ctx;

	if (c) {
		TAILQ_REMOVE(&c->pending, req, next);
		conn_send(c, line, len);
	}
}

/* A reader's subscriptions are limited per user (climits.h); a member's
 * relay connection is not a client and is never counted. The events after
 * `after` follow the answer to this request. */
static int conn_subscribe(struct api_req *req, uint64_t after, char *reason, size_t len)
{
	struct conn *c = req->ctx;
	int rc;

	if (c == NULL) {
		snprintf(reason, len, "the connection is gone");
		return -ENOTCONN;
	}
	if (c->subscribed)
		return 1;
	if (!c->member &&
	    (rc = climit_subscribe(c->peer.uid, c->peer.rights & RIGHT_ADMIN, reason, len)) != 0)
		return rc;
	c->subscribed = true;
	c->cursor = after;
	c->replay_after = req;
	return 0;
}

static const struct api_sink conn_sink = {.respond = conn_respond, .track = conn_track,
					  .respond_raw = conn_respond_raw,
					  .subscribe = conn_subscribe};

/*
 * An oversized line. A client's connection is closed (it broke the
 * framing); a member's relay connection carries every other client's
 * requests too, so only this line is dropped: what was read of it now,
 * the rest up to its newline as it arrives.
 */
static bool oversized(struct conn *c, size_t have, bool complete, size_t eol_len)
{
	char msg[64];

	snprintf(msg, sizeof(msg), "E2BIG: request exceeds %d bytes", HPD_REQUEST_MAX);
	if (!(hpd_is_primary() && members_find(c->peer.pid))) {
		conn_fatal(c, HPD_E_LIMIT, msg);
		return false;
	}
	if (!c->discarding) {
		json_t *e = rpc_error(NULL, HPD_E_LIMIT, msg, NULL);

		log_warn("member %d sent a line over %d bytes; dropped", c->peer.pid,
			 HPD_REQUEST_MAX);
		send_json(c, e);
		json_decref(e);
	}
	evbuffer_drain(c->in, have + (complete ? eol_len : 0));
	c->discarding = !complete;
	return complete;
}

/* Every complete line in the input, one request each. */
static void process(struct conn *c)
{
	struct bufferevent *bev = c->bev;
	struct evbuffer *in = c->in;

	while (!c->closing) {
		size_t eol_len;
		struct evbuffer_ptr p = evbuffer_search_eol(in, NULL, &eol_len, EVBUFFER_EOL_LF);
		char *line;

		if (p.pos < 0) {
			if (c->discarding || evbuffer_get_length(in) > HPD_REQUEST_MAX)
				oversized(c, evbuffer_get_length(in), false, 0);
			return;
		}
		if (c->discarding || (size_t)p.pos > HPD_REQUEST_MAX) {
			if (oversized(c, (size_t)p.pos, true, eol_len))
				continue;
			return;
		}
		line = malloc((size_t)p.pos + 1);
		if (line == NULL) {
			conn_fatal(c, RPC_INTERNAL_ERROR, "ENOMEM: out of memory");
			return;
		}
		evbuffer_remove(in, line, (size_t)p.pos);
		evbuffer_drain(in, eol_len);
		c->line_done = true;
		line[p.pos] = '\0';
		if (strspn(line, " \t\r") != (size_t)p.pos)
			api_handle_line(line, (size_t)p.pos, &c->peer, &conn_sink, c);
		free(line);
		if (evbuffer_get_length(bufferevent_get_output(bev)) > OUTPUT_HIGH) {
			event_del(c->rd);
			c->read_paused = true;
			return;
		}
	}
}

static void arm_idle(struct conn *c)
{
	struct timeval tv = hpd_ms_timeval(hpd.opt.idle_timeout_ms);

	if (hpd.opt.idle_timeout_ms > 0 && !c->closing)
		evtimer_add(c->idle, &tv);
}

/* The idle timeout restarts with every byte, so a line sent one byte a
 * second would hold its connection for ever: a line must be complete
 * within a deadline counted from its first byte. */
static int line_deadline_ms(void)
{
	int ms = hpd.opt.idle_timeout_ms;

	return ms > 0 && ms < 10000 ? ms : 10000;
}

static void arm_line_deadline(struct conn *c)
{
	struct timeval tv = {line_deadline_ms() / 1000, (line_deadline_ms() % 1000) * 1000};

	if (c->closing || c->member || evbuffer_get_length(c->in) == 0) {
		evtimer_del(c->line_ev);
	} else if (c->line_done || !evtimer_pending(c->line_ev, NULL)) {
		evtimer_add(c->line_ev, &tv);
	}
	c->line_done = false;
}

static void on_line_deadline(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;
	char msg[96];

	(void)fd, (void)what;
	if (c->closing)
		return;
	snprintf(msg, sizeof(msg), "ETIMEDOUT: request line not complete within %d ms",
		 line_deadline_ms());
	log_info("client pid %d uid %d: %s", c->peer.pid, c->peer.uid, msg);
	conn_fatal(c, HPD_E_LIMIT, msg);
}

static void on_readable(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;
	char buf[16384];
	ssize_t n = recv(fd, buf, sizeof(buf), 0);

	(void)what;
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) { /* the client went away (or the socket broke) */
		conn_free(c);
		return;
	}
	if (evbuffer_add(c->in, buf, (size_t)n) < 0) {
		conn_free(c);
		return;
	}
	arm_idle(c);
	process(c);
	arm_line_deadline(c);
}

/* Waiting for an answer or for events is not idling. */
static void on_idle(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;

	(void)fd, (void)what;
	if (!c->closing && (c->subscribed || !TAILQ_EMPTY(&c->pending)))
		arm_idle(c);
	else
		conn_free(c);
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
		event_add(c->rd, NULL);
		process(c);
	}
	if (c->subscribed && c->replay_after == NULL)
		catch_up(c);
}

/* Output side: a write error or a client that does not read its answers
 * within the idle timeout. */
static void on_event(struct bufferevent *bev, short what, void *arg)
{
	(void)bev, (void)what;
	conn_free(arg);
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
	/* the groups the peer really has, not those /etc/group lists */
	len = sizeof(p->groups);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, p->groups, &len) == 0)
		p->ngroups = (int)(len / sizeof(gid_t));
	snprintf(path, sizeof(path), "/proc/%d/comm", p->pid);
	if ((f = fopen(path, "r")) != NULL) {
		if (fgets(p->comm, sizeof(p->comm), f))
			p->comm[strcspn(p->comm, "\n")] = '\0';
		fclose(f);
	}
	p->rights = api_rights(p->uid, p->gid, p->groups, p->ngroups);
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
	bufferevent_setcb(c->bev, NULL, on_write, on_event, c);
	if (hpd.opt.idle_timeout_ms > 0) {
		struct timeval idle = hpd_ms_timeval(hpd.opt.idle_timeout_ms);

		bufferevent_set_timeouts(c->bev, NULL, &idle);
	}
	bufferevent_enable(c->bev, EV_WRITE);
	c->in = evbuffer_new();
	c->rd = event_new(evbase, fd, EV_READ | EV_PERSIST, on_readable, c);
	c->idle = evtimer_new(evbase, on_idle, c);
	c->line_ev = evtimer_new(evbase, on_line_deadline, c);
	if (c->in == NULL || c->rd == NULL || c->idle == NULL || c->line_ev == NULL) {
		conn_free(c); /* out of memory: drop this client, keep serving */
		return;
	}
	event_add(c->rd, NULL);
	arm_idle(c);
	/* a member relays for its own clients: never counted against ours */
	c->member = hpd_is_primary() && members_find(c->peer.pid) != NULL;
	if (!c->member) {
		char msg[128];

		if (climit_admit(c->peer.uid, c->peer.rights & RIGHT_ADMIN, msg, sizeof(msg)) != 0) {
			log_info("client pid %d uid %d refused: %s", c->peer.pid, c->peer.uid, msg);
			conn_fatal(c, HPD_E_LIMIT, msg);
			return;
		}
		c->counted = true;
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
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, LISTEN_BACKLOG) < 0) {
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

static void publish(const char *event, json_t *params, const struct hpd_event *ev, void *arg);
static void status_clients(json_t *status);

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
	if ((n = events_subscribe(publish, NULL)) != 0 || (n = api_status_field(status_clients)) != 0)
		return n;
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

/*
 * Send a subscriber the events it has not had, from the history, while its
 * unsent output stays under OUTPUT_HIGH; the rest goes when it drains
 * (on_write). A subscriber the history moved past is told how many it
 * lost, once, before the events that follow. Its memory is its output
 * buffer: the history is shared and bounded.
 */
static void catch_up(struct conn *c)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);
	uint64_t oldest = events_oldest_seq();
	const struct hpd_event *e;

	if (c->closing)
		return;
	if (c->cursor + 1 < oldest) {
		json_t *n = rpc_notification("events.overflow", json_pack("{s:I, s:I, s:I}",
			"dropped", (json_int_t)(oldest - 1 - c->cursor),
			"first", (json_int_t)(c->cursor + 1), "last", (json_int_t)(oldest - 1)));

		send_json(c, n);
		json_decref(n);
		c->cursor = oldest - 1;
	}
	while (evbuffer_get_length(out) <= OUTPUT_HIGH && (e = events_next(c->cursor)) != NULL) {
		conn_send(c, e->line, e->len);
		c->cursor = e->seq;
	}
}

/* The event bus's subscriber: each subscribed client gets the new event
 * now if it keeps up, else later from the history. */
static void publish(const char *event, json_t *params, const struct hpd_event *ev, void *arg)
{
	struct conn *c;

	(void)event, (void)params, (void)ev, (void)arg;
	TAILQ_FOREACH(c, &conns, next)
		if (c->subscribed && c->replay_after == NULL)
			catch_up(c);
}

/* status: "clients" */
static void status_clients(json_t *status)
{
	json_object_set_new(status, "clients", json_integer(nconns));
}
