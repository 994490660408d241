/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libhotplugd-member: the public face (include/hotplugd/member.h) of the
 * member side that hotplugd's own secondaries use (ports.c, proto.c,
 * local.c). What differs from the daemon is only where the work runs: the
 * mp thread queues the primary's requests and wakes the application's fd;
 * the application's thread carries them out in hpd_member_dispatch().
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/queue.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_log.h>

#include "hotplugd/member.h"
#include "local.h"
#include "pidfd.h"
#include "ports.h"
#include "proto.h"
#include "queues.h"

#define DEFAULT_TIMEOUT_MS 5000

struct request {
	STAILQ_ENTRY(request) next;
	struct hpd_mp_msg m;
};

struct hpd_member {
	struct hpd_member_conf conf;
	char name[HPD_NAME_MAX + 1];
	int primary_pid;
	int epfd, evfd, pidfd;
	bool gone;
	pthread_mutex_t lock; /* requests: the mp thread adds, dispatch takes */
	STAILQ_HEAD(, request) requests;
};

/* rte_mp actions are per process, so is membership */
static struct hpd_member *self;
/* set on polling lcores: dispatch there would wait for itself */
static __thread bool polling;

/* DPDK's mp thread: confirm receipt, queue, wake the application. */
static int receive(const struct rte_mp_msg *msg, const void *peer)
{
	struct hpd_member *m = self;
	struct request *r;
	uint64_t one = 1;

	(void)peer;
	if (m == NULL)
		return 0;
	r = calloc(1, sizeof(*r));
	if (r == NULL || proto_decode(msg, &r->m) != 0 || proto_answer_now(&r->m, true)) {
		free(r);
		return 0;
	}
	if (r->m.h.type != HPD_MP_ATTACH && r->m.h.type != HPD_MP_DETACH &&
	    r->m.h.type != HPD_MP_QUIESCE) {
		free(r); /* FENCED and the like: informational */
		return 0;
	}
	pthread_mutex_lock(&m->lock);
	STAILQ_INSERT_TAIL(&m->requests, r, next);
	pthread_mutex_unlock(&m->lock);
	if (write(m->evfd, &one, sizeof(one)) < 0)
		RTE_LOG(ERR, USER1, "hotplugd member: eventfd: %s\n", strerror(errno));
	return 0;
}

static void release(struct hpd_member *m)
{
	struct request *r;

	rte_mp_action_unregister(HPD_MP_TO_MEMBERS);
	while ((r = STAILQ_FIRST(&m->requests)) != NULL) {
		STAILQ_REMOVE_HEAD(&m->requests, next);
		free(r);
	}
	if (m->epfd >= 0)
		close(m->epfd);
	if (m->evfd >= 0)
		close(m->evfd);
	if (m->pidfd >= 0)
		close(m->pidfd);
	ports_readers_fini();
	pthread_mutex_destroy(&m->lock);
	free(m);
	self = NULL;
}

static int watch(int epfd, int fd)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.fd = fd};

	return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) ? -errno : 0;
}

int hpd_member_join(const struct hpd_member_conf *conf, struct hpd_member **out)
{
	struct hpd_member *m;
	int rc, pid;

	if (conf == NULL || out == NULL || rte_eal_process_type() != RTE_PROC_SECONDARY)
		return -EINVAL;
	if (self != NULL)
		return -EEXIST;
	m = calloc(1, sizeof(*m));
	if (m == NULL)
		return -ENOMEM;
	m->conf = *conf;
	m->conf.timeout_ms = conf->timeout_ms > 0 ? conf->timeout_ms : DEFAULT_TIMEOUT_MS;
	snprintf(m->name, sizeof(m->name), "%s", conf->name ? conf->name : "member");
	m->conf.name = m->name;
	m->conf.ports = NULL; /* copied into ports.c below */
	m->epfd = m->evfd = m->pidfd = -1;
	pthread_mutex_init(&m->lock, NULL);
	STAILQ_INIT(&m->requests);
	self = m;

	if ((rc = ports_table_init(false)) != 0)
		goto fail; /* -ENOENT: the primary is not a hotplugd */
	ports_set_patterns(conf->ports);
	if (conf->lcores > 0 && (rc = ports_readers_init(conf->lcores)) != 0)
		goto fail;
	m->epfd = epoll_create1(EPOLL_CLOEXEC);
	m->evfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (m->epfd < 0 || m->evfd < 0 || (rc = watch(m->epfd, m->evfd)) != 0) {
		rc = rc ? rc : -errno;
		goto fail;
	}
	/* listen before joining: no request of the primary may be missed */
	if (rte_mp_action_register(HPD_MP_TO_MEMBERS, receive) != 0) {
		rc = rte_errno == EEXIST ? -EEXIST : -rte_errno;
		goto fail;
	}
	pid = proto_join(m->name, HPD_JOIN_NO_SOCKET, m->conf.timeout_ms);
	if (pid < 0) {
		rc = pid;
		goto fail;
	}
	m->primary_pid = pid;
	m->pidfd = hpd_pidfd_open(pid);
	if (m->pidfd < 0 || (rc = watch(m->epfd, m->pidfd)) != 0) {
		rc = m->pidfd < 0 ? -errno : rc;
		proto_leave();
		goto fail;
	}
	if (proto_reconcile(&proto_local_ops) != 0)
		RTE_LOG(WARNING, USER1, "hotplugd member: not every device could be brought "
			"in line with the primary\n");
	*out = m;
	return 0;
fail:
	release(m);
	return rc;
}

int hpd_member_fd(const struct hpd_member *m)
{
	return m->epfd;
}

static void emit(struct hpd_member *m, enum hpd_member_event_type type, uint16_t port,
		 const char *device, int rc)
{
	struct hpd_member_event ev = {.type = type, .port = port, .device = device, .rc = rc};

	if (m->conf.on_event)
		m->conf.on_event(m, &ev, m->conf.arg);
}

static bool primary_gone(struct hpd_member *m)
{
	struct pollfd p = {.fd = m->pidfd, .events = POLLIN};

	if (!m->gone && poll(&p, 1, 0) == 1) {
		m->gone = true;
		emit(m, HPD_MEMBER_PRIMARY_GONE, 0, "", 0);
	}
	return m->gone;
}

static void handle(struct hpd_member *m, const struct hpd_mp_msg *msg)
{
	char reason[HPD_REASON_MAX + 1] = "", name[HPD_NAME_MAX + 1] = "";
	uint16_t port = UINT16_MAX;
	int rc;

	if (msg->h.type == HPD_MP_DETACH)
		local_find(msg->u.arg, &port); /* gone after the job */
	rc = proto_job(msg, &proto_local_ops, m->conf.timeout_ms, reason, sizeof(reason));
	proto_ack(msg, rc, reason);
	switch (msg->h.type) {
	case HPD_MP_ATTACH:
		if (local_parse_name(msg->u.arg, name, sizeof(name)) == 0)
			local_find(name, &port);
		/* a success that made no ethdev port here is no port event:
		 * applications index their tables by the port id */
		if (port != UINT16_MAX || rc != 0)
			emit(m, HPD_MEMBER_PORT_ATTACHED, port, msg->u.arg, rc);
		break;
	case HPD_MP_QUIESCE:
		port = (uint16_t)atoi(msg->u.arg);
		emit(m, HPD_MEMBER_PORT_QUIESCED, port, "", rc);
		break;
	default:
		if (port != UINT16_MAX)
			emit(m, HPD_MEMBER_PORT_DETACHED, port, msg->u.arg, rc);
	}
}

int hpd_member_dispatch(struct hpd_member *m)
{
	struct request *r;
	uint64_t n;
	int done = 0;

	if (polling)
		return -EDEADLK;
	if (read(m->evfd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		return -errno;
	for (;;) {
		pthread_mutex_lock(&m->lock);
		r = STAILQ_FIRST(&m->requests);
		if (r)
			STAILQ_REMOVE_HEAD(&m->requests, next);
		pthread_mutex_unlock(&m->lock);
		if (r == NULL)
			break;
		handle(m, &r->m);
		free(r);
		done++;
	}
	return primary_gone(m) ? -ESHUTDOWN : done;
}

int hpd_member_lcore_online(struct hpd_member *m, unsigned int id)
{
	if (id >= ports_readers())
		return -EINVAL;
	(void)m;
	polling = true;
	ports_reader_online(id);
	queues_poller(id);
	return 0;
}

void hpd_member_lcore_offline(struct hpd_member *m, unsigned int id)
{
	(void)m;
	if (id < ports_readers())
		ports_reader_offline(id);
	polling = false;
}

void hpd_member_quiescent(struct hpd_member *m, unsigned int id)
{
	(void)m;
	ports_reader_quiescent(id);
}

uint64_t hpd_member_ports_gen(const struct hpd_member *m)
{
	(void)m;
	return ports_usable_gen();
}

unsigned int hpd_member_ports(const struct hpd_member *m, uint16_t *ports, unsigned int max)
{
	(void)m;
	return ports_usable(ports, max);
}

int hpd_member_claim(struct hpd_member *m, const char *rule)
{
	char reason[HPD_REASON_MAX + 1];
	int rc;

	if (polling)
		return -EDEADLK;
	rc = proto_claim(ports_patterns(), rule, m->conf.timeout_ms, reason, sizeof(reason));
	if (rc > 0)
		queues_claimed((uint32_t)rc);
	if (rc < 0)
		RTE_LOG(ERR, USER1, "hotplugd member: claim \"%s\" refused: %s\n",
			rule ? rule : "all", reason);
	return rc;
}

int hpd_member_release(struct hpd_member *m, int claim)
{
	char reason[HPD_REASON_MAX + 1];
	int rc;

	if (polling)
		return -EDEADLK;
	if (claim < 0)
		return -EINVAL;
	/* the lcores let go before the primary frees the queues: another
	 * member may poll them the moment they are free */
	queues_withdraw((uint32_t)claim);
	if ((rc = ports_wait_readers(m->conf.timeout_ms)) != 0)
		return rc;
	rc = proto_release((unsigned)claim, m->conf.timeout_ms, reason, sizeof(reason));
	if (rc < 0)
		RTE_LOG(ERR, USER1, "hotplugd member: release %d: %s\n", claim, reason);
	return rc;
}

unsigned int hpd_member_queues(const struct hpd_member *m, unsigned int id,
			       struct hpd_member_queue *q, unsigned int max)
{
	struct hpd_queue_use use[RTE_MAX_ETHPORTS * 8];
	unsigned n = queues_mine(id, m->conf.lcores, use,
				 RTE_MIN((unsigned)RTE_DIM(use), max));

	for (unsigned i = 0; i < n; i++)
		q[i] = (struct hpd_member_queue){.port = use[i].port, .queue = use[i].queue,
						 .rx = use[i].rx, .tx = use[i].tx};
	return n;
}

uint16_t hpd_member_rx_burst(uint16_t port, uint16_t queue, struct rte_mbuf **pkts,
			     uint16_t n)
{
	return queues_rx_burst(port, queue, pkts, n);
}

uint16_t hpd_member_tx_burst(uint16_t port, uint16_t queue, struct rte_mbuf **pkts,
			     uint16_t n)
{
	return queues_tx_burst(port, queue, pkts, n);
}

int hpd_member_primary_pid(const struct hpd_member *m)
{
	return m->primary_pid;
}

void hpd_member_leave(struct hpd_member *m)
{
	if (m == NULL)
		return;
	if (!m->gone)
		proto_leave();
	release(m);
}
