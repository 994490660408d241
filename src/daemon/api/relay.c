/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "api.h"
#include "events.h"
#include "hotplugd.h"
#include "jsonrpc.h"
#include "log.h"
#include "relay.h"

struct relayed {
	TAILQ_ENTRY(relayed) next;
	long long id;
	struct api_req *req;
};

static struct event_base *evbase;
static struct bufferevent *bev;
static TAILQ_HEAD(, relayed) inflight = TAILQ_HEAD_INITIALIZER(inflight);
static long long next_id = 1;
/* Mirroring the primary's event stream (relay_follow_events): our
 * subscribe's id while its answer is due, and a retry after a lost
 * connection. */
static bool following;
static long long sub_id;
static struct event *refollow;

static int connect_primary(void);

static void fail_all(int err, const char *why)
{
	struct relayed *r;

	while ((r = TAILQ_FIRST(&inflight)) != NULL) {
		TAILQ_REMOVE(&inflight, r, next);
		api_fail(r->req, err, "primary (pid %d) at %s: %s", hpd.primary_pid,
			 hpd.paths.primary, why);
		free(r);
	}
	if (bev) {
		bufferevent_free(bev);
		bev = NULL;
	}
	if (following && refollow) { /* the stream resumes where it stopped */
		struct timeval tv = {1, 0};

		evtimer_add(refollow, &tv);
	}
}

/* Our own subscribe's answer: where the primary's stream is. The events
 * after `since` follow it on this connection. */
static void followed(json_t *msg)
{
	json_t *r = json_object_get(msg, "result");
	const char *epoch = json_string_value(json_object_get(r, "epoch"));
	json_int_t seq = json_integer_value(json_object_get(r, "seq"));
	json_int_t replayed = json_integer_value(json_object_get(r, "replayed"));

	sub_id = 0;
	if (epoch == NULL || seq < replayed) {
		log_warn("cannot follow the primary's events: %s", json_string_value(json_object_get(
			json_object_get(msg, "error"), "message")) ?: "bad answer");
		return;
	}
	events_adopt(epoch, (uint64_t)(seq - replayed));
}

static void on_read(struct bufferevent *b, void *arg)
{
	struct evbuffer *in = bufferevent_get_input(b);
	size_t n;
	char *line;

	(void)arg;
	while ((line = evbuffer_readln(in, &n, EVBUFFER_EOL_LF)) != NULL) {
		json_t *msg = json_loadb(line, n, 0, NULL);
		json_t *id = json_object_get(msg, "id");
		struct relayed *r;

		free(line);
		if (!json_is_integer(id)) {
			const char *method = json_string_value(json_object_get(msg, "method"));

			/* events.overflow needs nothing: the next event's seq
			 * shows the gap, and the mirror restarts there */
			if (following && method && strcmp(method, "event") == 0)
				events_mirror(json_object_get(msg, "params"));
			json_decref(msg);
			continue;
		}
		if (sub_id && json_integer_value(id) == sub_id) {
			followed(msg);
			json_decref(msg);
			continue;
		}
		TAILQ_FOREACH(r, &inflight, next)
			if (r->id == json_integer_value(id))
				break;
		if (r == NULL) {
			json_decref(msg);
			continue;
		}
		TAILQ_REMOVE(&inflight, r, next);
		api_relayed(r->req, msg);
		free(r);
	}
}

static void on_event(struct bufferevent *b, short what, void *arg)
{
	(void)b;
	(void)arg;
	if (what & BEV_EVENT_CONNECTED)
		return;
	fail_all((what & BEV_EVENT_EOF) ? -ECONNRESET : -ECONNREFUSED,
		 (what & BEV_EVENT_EOF) ? "connection closed" : "cannot connect");
}

static int connect_primary(void)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};

	if (bev)
		return 0;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", hpd.paths.primary);
	bev = bufferevent_socket_new(evbase, -1, BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL)
		return -ENOMEM;
	bufferevent_setcb(bev, on_read, NULL, on_event, NULL);
	bufferevent_enable(bev, EV_READ | EV_WRITE);
	if (bufferevent_socket_connect(bev, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		bufferevent_free(bev);
		bev = NULL;
		return -ECONNREFUSED;
	}
	if (following) {
		/* from what the mirror has (all the primary keeps, the first
		 * time), so that a client may switch processes with its seq */
		json_t *msg;
		char *s;
		size_t len;

		sub_id = next_id++;
		msg = json_pack("{s:s, s:I, s:s, s:{s:I}}", "jsonrpc", "2.0", "id",
				(json_int_t)sub_id, "method", "subscribe", "params", "since",
				(json_int_t)events_last_seq());
		if (*events_epoch())
			json_object_set_new(json_object_get(msg, "params"), "epoch",
					    json_string(events_epoch()));
		if ((s = rpc_encode(msg, &len)) != NULL)
			bufferevent_write(bev, s, len);
		free(s);
		json_decref(msg);
	}
	return 0;
}

static void on_refollow(evutil_socket_t fd, short what, void *arg)
{
	(void)fd, (void)what, (void)arg;
	if (following && connect_primary() != 0)
		fail_all(-ECONNREFUSED, "cannot connect"); /* and retry */
}

int relay_follow_events(void)
{
	following = true;
	refollow = evtimer_new(evbase, on_refollow, NULL);
	if (refollow == NULL)
		return -ENOMEM;
	return connect_primary();
}

/* The API's forwarder in a secondary: hand the request to the primary. */
static void forward(struct api_req *req)
{
	struct relayed *r = calloc(1, sizeof(*r));
	json_t *msg, *groups;
	char *s;
	size_t len;
	int rc;

	if (r == NULL) {
		api_fail(req, -ENOMEM, "out of memory");
		return;
	}
	if ((rc = connect_primary()) != 0) {
		free(r);
		api_fail(req, rc, "cannot reach the primary at %s", hpd.paths.primary);
		return;
	}
	r->id = next_id++;
	r->req = req;
	groups = json_array();
	for (int i = 0; i < req->peer.ngroups; i++)
		json_array_append_new(groups, json_integer(req->peer.groups[i]));
	/* who the client is, never what it may do: the primary decides that */
	msg = json_pack("{s:s, s:I, s:s, s:O, s:{s:i, s:i, s:i, s:o, s:s, s:O?}}",
			"jsonrpc", "2.0", "id", (json_int_t)r->id,
			"method", req->rpc.method, "params", req->rpc.params,
			"origin", "pid", req->origin.pid, "uid", req->origin.uid,
			"gid", req->origin.gid, "groups", groups, "comm", req->origin.comm,
			"request_id", req->rpc.id);
	s = rpc_encode(msg, &len);
	json_decref(msg);
	/* The line grows as it is relayed (origin); past the primary's limit it
	 * is refused here, for this client only: the primary would have to
	 * drop the whole line, and every other client's request shares this
	 * connection. */
	if (s && len - 1 > HPD_REQUEST_MAX) {
		free(s);
		free(r);
		api_fail(req, E2BIG, "request is %zu bytes once relayed; the primary's limit "
			 "is %d", len - 1, HPD_REQUEST_MAX);
		return;
	}
	TAILQ_INSERT_TAIL(&inflight, r, next);
	if (s)
		bufferevent_write(bev, s, len);
	free(s);
}

void relay_init(struct event_base *base)
{
	evbase = base;
	api_set_forwarder(forward);
}

void relay_fini(void)
{
	following = false;
	api_set_forwarder(NULL);
	fail_all(-ESHUTDOWN, "this member is stopping");
	if (refollow)
		event_free(refollow);
	refollow = NULL;
}
