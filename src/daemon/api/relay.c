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
			json_decref(msg); /* notification: not for us */
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
	return 0;
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
	api_set_forwarder(NULL);
	fail_all(-ESHUTDOWN, "this member is stopping");
}
