/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <linux/netlink.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/event.h>

#include "log.h"
#include "uevent.h"

/* the kernel's multicast group (not udev's re-broadcast, which may lag) */
#define UEVENT_GROUP_KERNEL 1

static struct event *ev_nl, *ev_inject;
static int nl_fd = -1, inject_fd = -1;
static char inject_at[108];
static uevent_fn handler;

/* kv is n bytes long, not always terminated (the message's last field) */
static void copy_value(char *dst, size_t len, const char *kv, size_t n, size_t klen)
{
	snprintf(dst, len, "%.*s", (int)(n - klen), kv + klen);
}

int uevent_parse(const char *buf, size_t len, struct hpd_uevent *ev)
{
	bool pci = false;
	size_t i = 0;

	memset(ev, 0, sizeof(*ev));
	/* libudev's messages start "libudev\0": never the kernel's */
	if (len == 0 || memchr(buf, '@', strnlen(buf, len)) == NULL)
		return -EINVAL;
	while (i < len) {
		const char *kv = buf + i;
		size_t n = strnlen(kv, len - i);

		if (strncmp(kv, "ACTION=", 7) == 0)
			copy_value(ev->action, sizeof(ev->action), kv, n, 7);
		else if (strncmp(kv, "SUBSYSTEM=", 10) == 0)
			pci = n == 13 && memcmp(kv + 10, "pci", 3) == 0;
		else if (strncmp(kv, "PCI_SLOT_NAME=", 14) == 0)
			copy_value(ev->slot, sizeof(ev->slot), kv, n, 14);
		else if (strncmp(kv, "DRIVER=", 7) == 0)
			copy_value(ev->driver, sizeof(ev->driver), kv, n, 7);
		else if (strncmp(kv, "PCI_ID=", 7) == 0)
			copy_value(ev->id, sizeof(ev->id), kv, n, 7);
		i += n + 1;
	}
	return pci && *ev->action && *ev->slot ? 0 : -EINVAL;
}

/* Messages read per wake-up: a flood on the uevent group (any process of
 * the namespace with CAP_NET_ADMIN may multicast there) must not keep the
 * loop from the control sockets; the socket stays readable, so libevent
 * comes back to it after the others. */
#define UEVENT_BATCH 64

#ifdef HPD_FAULT_HOOKS
/* Test builds: HOTPLUGD_UEVENT_READ_US=N makes each message cost N us more,
 * so that a test's flood outpaces the reading. */
static void slow_read(void)
{
	static int us = -1;

	if (us < 0) {
		const char *e = getenv("HOTPLUGD_UEVENT_READ_US");

		us = e ? atoi(e) : 0;
	}
	if (us > 0)
		usleep((useconds_t)us);
}
#else
static void slow_read(void)
{
}
#endif

/* Said at most every 10 s, with the count: a flood of them must not
 * become a flood of log lines. */
static void forged(uint32_t port_id)
{
	static unsigned long count;
	static time_t told;
	time_t now = time(NULL);

	count++;
	if (told && now - told < 10)
		return;
	log_warn("uevent: %lu message(s) not from the kernel ignored (the last from port id %u)",
		 count, port_id);
	count = 0;
	told = now;
}

static void readable(evutil_socket_t fd, short what, void *arg)
{
	char buf[8192];
	struct hpd_uevent ev;
	ssize_t n = 0;

	(void)what, (void)arg;
	for (unsigned i = 0; i < UEVENT_BATCH; i++) {
		struct sockaddr_nl from = {0};
		socklen_t flen = sizeof(from);

		n = recvfrom(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT, (struct sockaddr *)&from, &flen);
		if (n <= 0)
			break;
		slow_read();
		/* only the kernel's own (port id 0): another process of our
		 * network namespace with CAP_NET_ADMIN could otherwise forge a
		 * removal of any device of the group */
		if (fd == nl_fd && from.nl_pid != 0) {
			forged(from.nl_pid);
			continue;
		}
		buf[n] = '\0';
		if (uevent_parse(buf, (size_t)n, &ev) == 0) {
			log_debug("uevent: %s %s driver=%s id=%s", ev.action, ev.slot, ev.driver,
				  ev.id);
			handler(&ev);
		}
	}
	if (n < 0 && errno == ENOBUFS)
		log_warn("uevent: the kernel dropped events (receive buffer full); a device "
			 "removed meanwhile is still seen by DPDK's own signals");
}

static int open_netlink(void)
{
	struct sockaddr_nl a = {.nl_family = AF_NETLINK, .nl_groups = UEVENT_GROUP_KERNEL};
	int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
			NETLINK_KOBJECT_UEVENT);
	int sz = 1 << 20;

	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		int rc = -errno;

		close(fd);
		return rc;
	}
	return fd;
}

#ifdef HPD_FAULT_HOOKS
/* Test builds: the same messages from a test, for devices the machine
 * cannot remove (a vdev's name as PCI_SLOT_NAME drives the removal path). */
static int open_inject(const char *path)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	int fd;

	if (path == NULL || strlen(path) >= sizeof(a.sun_path))
		return -1;
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
	unlink(path);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		close(fd);
		return -1;
	}
	snprintf(inject_at, sizeof(inject_at), "%s", path);
	return fd;
}
#else
static int open_inject(const char *path)
{
	(void)path;
	return -1;
}
#endif

int uevent_init(struct event_base *base, uevent_fn fn, const char *inject_path)
{
	handler = fn;
	nl_fd = open_netlink();
	if (nl_fd < 0) {
		log_warn("uevent socket: %s; removals are seen only through DPDK's signals and "
			 "no arrival is noticed", strerror(-nl_fd));
	} else {
		ev_nl = event_new(base, nl_fd, EV_READ | EV_PERSIST, readable, NULL);
		if (ev_nl == NULL || event_add(ev_nl, NULL) < 0)
			return -ENOMEM;
	}
	inject_fd = open_inject(inject_path);
	if (inject_fd >= 0) {
		ev_inject = event_new(base, inject_fd, EV_READ | EV_PERSIST, readable, NULL);
		if (ev_inject == NULL || event_add(ev_inject, NULL) < 0)
			return -ENOMEM;
	}
	return 0;
}

void uevent_fini(void)
{
	if (ev_nl)
		event_free(ev_nl);
	if (ev_inject)
		event_free(ev_inject);
	if (nl_fd >= 0)
		close(nl_fd);
	if (inject_fd >= 0) {
		close(inject_fd);
		unlink(inject_at);
	}
	ev_nl = ev_inject = NULL;
	nl_fd = inject_fd = -1;
}
