/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <event2/event.h>

#include "inbox.h"
#include "log.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct inbox_item *head, **tail = &head;
static int efd = -1;
static struct event *ev;
static inbox_handler_t handle;

static void enqueue(struct inbox_item *it)
{
	uint64_t one = 1;

	pthread_mutex_lock(&lock);
	*tail = it;
	tail = &it->next;
	pthread_mutex_unlock(&lock);
	if (write(efd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		log_err("inbox: eventfd write: %s", strerror(errno));
}

void inbox_post(const struct hpd_mp_msg *msg, const char *peer, bool is_request)
{
	struct inbox_item *it = calloc(1, sizeof(*it));

	if (it == NULL) {
		log_err("inbox: out of memory, dropping mp message type %u", msg->h.type);
		return;
	}
	it->msg = *msg;
	it->is_request = is_request;
	if (peer)
		snprintf(it->peer, sizeof(it->peer), "%s", peer);
	enqueue(it);
}

void inbox_call(void (*fn)(void *arg), void *arg)
{
	struct inbox_item *it = calloc(1, sizeof(*it));

	if (it == NULL) {
		log_err("inbox: out of memory, dropping a call for the loop");
		return;
	}
	it->call = fn;
	it->call_arg = arg;
	enqueue(it);
}

static void drain(evutil_socket_t fd, short what, void *arg)
{
	struct inbox_item *list, *it;
	uint64_t n;

	(void)what;
	(void)arg;
	if (read(fd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		log_err("inbox: eventfd read: %s", strerror(errno));
	pthread_mutex_lock(&lock);
	list = head;
	head = NULL;
	tail = &head;
	pthread_mutex_unlock(&lock);
	while ((it = list) != NULL) {
		list = it->next;
		if (it->call)
			it->call(it->call_arg);
		else
			handle(it);
		free(it);
	}
}

int inbox_init(struct event_base *base, inbox_handler_t handler)
{
	handle = handler;
	efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (efd < 0)
		return -errno;
	ev = event_new(base, efd, EV_READ | EV_PERSIST, drain, NULL);
	if (ev == NULL || event_add(ev, NULL) < 0)
		return -ENOMEM;
	return 0;
}
