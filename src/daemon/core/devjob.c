/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include <event2/event.h>
#include <rte_lcore.h>
#include <rte_thread.h>
#include <rte_version.h>

#include "hotplugd.h"
#include "log.h"
#include "devjob.h"

struct devjob {
	STAILQ_ENTRY(devjob) next;
	devjob_fn fn;
	devjob_done_t done;
	void *arg;
	int rc;
	char reason[HPD_REASON_MAX + 64];
};

/*
 * DPDK's control-thread helper keeps the thread off the data-path lcores,
 * like its own service threads. 23.11 removed rte_ctrl_thread_create
 * (pthread-based) for rte_thread_create_control (rte_thread_t, since
 * 23.07): one small shim, so that the rest reads the same for both.
 */
#if RTE_VERSION >= RTE_VERSION_NUM(23, 7, 0, 0)
static rte_thread_t thread;

static uint32_t run_thread(void *arg);

static int thread_start(void)
{
	return rte_thread_create_control(&thread, "hpd-devjob", run_thread, NULL) ? -EAGAIN : 0;
}

static void thread_join(void)
{
	rte_thread_join(thread, NULL);
}
#else
static pthread_t thread;

static void *run_thread_pthread(void *arg);

static int thread_start(void)
{
	int rc = rte_ctrl_thread_create(&thread, "hpd-devjob", NULL, run_thread_pthread, NULL);

	return rc > 0 ? -rc : rc; /* documented negative; older releases gave pthread's */
}

static void thread_join(void)
{
	pthread_join(thread, NULL);
}
#endif
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static STAILQ_HEAD(, devjob) todo = STAILQ_HEAD_INITIALIZER(todo),
	finished = STAILQ_HEAD_INITIALIZER(finished);
static struct event *completion;
static unsigned outstanding; /* loop thread only */
static bool stop, running;     /* under lock */
static void (*busy_begin)(void), (*busy_end)(void);

void devjob_on_busy(void (*begin)(void), void (*end)(void))
{
	busy_begin = begin;
	busy_end = end;
}

static void run(void)
{
	pthread_mutex_lock(&lock);
	for (;;) {
		struct devjob *j;

		while (STAILQ_EMPTY(&todo) && !stop)
			pthread_cond_wait(&wake, &lock);
		if (stop)
			break;
		j = STAILQ_FIRST(&todo);
		STAILQ_REMOVE_HEAD(&todo, next);
		running = true;
		pthread_mutex_unlock(&lock);
		j->rc = j->fn(j->arg, j->reason, sizeof(j->reason));
		pthread_mutex_lock(&lock);
		running = false;
		STAILQ_INSERT_TAIL(&finished, j, next);
		event_active(completion, 0, 0); /* thread-safe: evthread is on */
	}
	pthread_mutex_unlock(&lock);
}

#if RTE_VERSION >= RTE_VERSION_NUM(23, 7, 0, 0)
static uint32_t run_thread(void *arg)
{
	(void)arg;
	run();
	return 0;
}
#else
static void *run_thread_pthread(void *arg)
{
	(void)arg;
	run();
	return NULL;
}
#endif

static void on_completion(evutil_socket_t fd, short what, void *unused)
{
	struct devjob *j;

	(void)fd, (void)what, (void)unused;
	for (;;) {
		pthread_mutex_lock(&lock);
		j = STAILQ_FIRST(&finished);
		if (j)
			STAILQ_REMOVE_HEAD(&finished, next);
		pthread_mutex_unlock(&lock);
		if (j == NULL)
			break;
		if (--outstanding == 0 && busy_end)
			busy_end();
		j->done(j->arg, j->rc, j->reason);
		free(j);
	}
}

int devjob_init(struct event_base *base)
{
	completion = event_new(base, -1, 0, on_completion, NULL);
	if (completion == NULL)
		return -ENOMEM;
	return thread_start();
}

int devjob_fini(void)
{
	bool busy;

	pthread_mutex_lock(&lock);
	stop = true;
	busy = running;
	pthread_cond_signal(&wake);
	pthread_mutex_unlock(&lock);
	if (busy) { /* a driver call that never returned: do not wait for it */
		log_warn("exiting with a device call still running");
		return -EBUSY;
	}
	if (completion) {
		thread_join();
		event_free(completion);
	}
	return 0;
}

void devjob_submit(devjob_fn fn, devjob_done_t done, void *arg)
{
	struct devjob *j = calloc(1, sizeof(*j));

	if (j == NULL) {
		done(arg, -ENOMEM, "out of memory");
		return;
	}
	j->fn = fn;
	j->done = done;
	j->arg = arg;
	/* reads during the job see the table as it was before it */
	if (outstanding++ == 0 && busy_begin)
		busy_begin();
	pthread_mutex_lock(&lock);
	STAILQ_INSERT_TAIL(&todo, j, next);
	pthread_cond_signal(&wake);
	pthread_mutex_unlock(&lock);
}

bool devjob_busy(void)
{
	return outstanding > 0;
}
