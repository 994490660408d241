/* SPDX-License-Identifier: BSD-3-Clause */
/* pidfds (Linux 5.3): a process's death is seen at once, as a readable
 * descriptor, and a signal reaches the process the pidfd was opened for
 * even if its pid was reused since. glibc 2.36 has no wrappers yet. */
#ifndef HPD_PIDFD_H
#define HPD_PIDFD_H

#include <signal.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

/* The descriptor, or -1 with errno set (ESRCH: already gone). */
static inline int hpd_pidfd_open(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

static inline int hpd_pidfd_kill(int pidfd, int sig)
{
	return (int)syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
}

#endif
