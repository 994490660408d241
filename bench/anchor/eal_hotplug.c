/* SPDX-License-Identifier: BSD-3-Clause
 *
 * bench-eal-hotplug: the "anchor" for hotplugd's attach/detach latency.
 * It measures what plain DPDK does on its own: rte_dev_probe() and
 * rte_dev_remove() in a primary, which DPDK itself forwards to every
 * secondary over its EAL multi-process channel (one synchronous request per
 * secondary, one after another).
 *
 *   primary:   bench-eal-hotplug [EAL opts] -- --secondaries N --iterations K
 *                                [--devargs net_null0] [--secondary-lcores L]
 *                                [--json]
 *   secondary: bench-eal-hotplug [EAL opts] --proc-type=secondary -- --secondary
 *   idle:      bench-eal-hotplug [EAL opts] --vdev net_null0 -- --idle
 *              (same code as the secondary role, but as a primary: a quiet
 *              DPDK process whose telemetry socket bench-telemetry-load can
 *              hit; runs until SIGTERM/SIGINT)
 *
 * The primary spawns its N secondaries itself (fork + exec of its own binary)
 * so that a run is one command and every secondary shares its file prefix.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* close_range(), pipe2(), sched_*affinity() */
#endif

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include <rte_eal.h>
#include <rte_dev.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>

#define READY_TIMEOUT_S 30
#define MAX_SECONDARIES 64

static pid_t sec_pids[MAX_SECONDARIES];
static int sec_count;
/* CPU affinity the process had before EAL pinned the main thread. */
static cpu_set_t start_affinity;

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* ------------------------------------------------------- secondary / idle */

static int run_secondary(void)
{
	sigset_t wait_mask;
	int sig;

	/* SIGTERM/SIGINT were blocked in main() before rte_eal_init(), so the
	 * EAL threads inherit the mask and only this thread ever takes them. */
	sigemptyset(&wait_mask);
	sigaddset(&wait_mask, SIGTERM);
	sigaddset(&wait_mask, SIGINT);

	/* "ready" is printed only now, after rte_eal_init() returned: the mp
	 * socket exists early in init, so a half-initialised secondary could
	 * already be sent (and fail, or stall) a hotplug request. Only after
	 * init is it a full peer, so every timed operation really involves
	 * all N secondaries. */
	fputs("ready\n", stdout);
	fflush(stdout);

	while (sigwait(&wait_mask, &sig) != 0)
		;
	rte_eal_cleanup();
	return 0;
}

/* ------------------------------------------------------------------ primary */

struct opts {
	int secondaries;
	int iterations;
	const char *devargs;
	const char *sec_lcores; /* NULL: the primary's own core list */
	bool json;
	bool secondary;
};

static int parse_opts(int argc, char **argv, struct opts *o)
{
	o->secondaries = 0;
	o->iterations = 50;
	o->devargs = "net_null0";
	o->sec_lcores = NULL;
	o->json = false;
	o->secondary = false;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--secondary") || !strcmp(a, "--idle")) {
			o->secondary = true;
		} else if (!strcmp(a, "--json")) {
			o->json = true;
		} else if (!strcmp(a, "--secondaries") && v) {
			o->secondaries = atoi(v);
			i++;
		} else if (!strcmp(a, "--iterations") && v) {
			o->iterations = atoi(v);
			i++;
		} else if (!strcmp(a, "--devargs") && v) {
			o->devargs = v;
			i++;
		} else if (!strcmp(a, "--secondary-lcores") && v) {
			o->sec_lcores = v;
			i++;
		} else {
			fprintf(stderr, "bench-eal-hotplug: bad argument '%s'\n"
				"usage: bench-eal-hotplug [EAL] -- --secondaries N "
				"--iterations K [--devargs D]\n"
				"           [--secondary-lcores L] [--json]\n"
				"       bench-eal-hotplug [EAL] -- --secondary|--idle\n", a);
			return -1;
		}
	}
	if (o->secondaries < 0 || o->secondaries > MAX_SECONDARIES ||
	    o->iterations < 1) {
		fprintf(stderr, "bench-eal-hotplug: need 0 <= N <= %d, K >= 1\n",
			MAX_SECONDARIES);
		return -1;
	}
	return 0;
}

/* The core list the primary actually runs on, as an "-l" argument. Taken
 * from EAL (not from argv) so -c/-l/--lcores spellings all work. */
static void lcore_list(char *buf, size_t len)
{
	unsigned int lc;
	size_t off = 0;

	buf[0] = '\0';
	RTE_LCORE_FOREACH(lc) {
		int n = snprintf(buf + off, len - off, "%s%u", off ? "," : "", lc);

		if (n < 0 || (size_t)n >= len - off)
			break;
		off += n;
	}
}

/* One at a time: secondaries exiting together free memory concurrently and
 * get "Cannot find action: mp_malloc_response" noise from EAL. */
static void stop_secondaries(void)
{
	while (sec_count > 0) {
		pid_t pid = sec_pids[--sec_count];
		int st;

		kill(pid, SIGTERM);
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
			fprintf(stderr, "bench-eal-hotplug: secondary %d ended "
				"abnormally (status 0x%x)\n", (int)pid, st);
	}
}

/* Read the child's first line within the deadline; 0 if it is "ready". */
static int wait_ready(int fd, pid_t pid)
{
	double deadline = now_us() + READY_TIMEOUT_S * 1e6;
	char line[16] = "";
	size_t have = 0;

	while (!memchr(line, '\n', have)) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		double rem = deadline - now_us();
		ssize_t r;

		if (rem <= 0 || poll(&pfd, 1, (int)(rem / 1000) + 1) == 0) {
			fprintf(stderr, "bench-eal-hotplug: secondary %d not "
				"ready after %d s\n", (int)pid, READY_TIMEOUT_S);
			return -1;
		}
		r = read(fd, line + have, sizeof(line) - 1 - have);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0 || have + r >= sizeof(line) - 1) {
			fprintf(stderr, "bench-eal-hotplug: secondary %d exited "
				"or misbehaved before ready\n", (int)pid);
			return -1;
		}
		have += r;
	}
	if (have != 6 || memcmp(line, "ready\n", 6)) {
		fprintf(stderr, "bench-eal-hotplug: secondary %d said '%.*s' "
			"instead of ready\n", (int)pid, (int)have, line);
		return -1;
	}
	return 0;
}

/* Spawn n secondaries, each one only after the previous printed "ready".
 * Serial on purpose: DPDK 22.11 runs eal_clean_runtime_dir() at the end of
 * every rte_eal_init(), secondaries included, and it unlinks any fbarray_*
 * file it can flock exclusively -- including a sibling secondary's per-pid
 * memseg file in the instant between its creation and its shared lock.
 * That sibling later fails rte_eal_cleanup ("Cannot destroy local memory
 * map"). The EAL options forwarded are exactly: same file prefix (so they
 * join this primary), --proc-type=secondary, --no-pci (never touch the
 * host NIC), the same cores (or --secondary-lcores, to copy a layout such as
 * primary on 0 / secondaries on 1: on small VMs where EAL's control threads
 * land decides the latency) and the primary's --log-level options. */
static int spawn_secondaries(int n, const char *sec_lcores, char **orig_argv,
			     int orig_argc)
{
	char prefix_arg[PATH_MAX + 16], cores[256];
	const char *rundir = rte_eal_get_runtime_dir();
	const char *slash = strrchr(rundir, '/');
	char *args[64], exe[PATH_MAX];
	int nargs = 0;
	ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	/* Exec the resolved path rather than /proc/self/exe so that the
	 * secondaries show up as bench-eal-hotplug (not "exe") in ps. */
	if (len <= 0)
		len = snprintf(exe, sizeof(exe), "/proc/self/exe");
	exe[len] = '\0';

	/* The runtime dir is <base>/<file-prefix>; EAL has no getter for the
	 * prefix alone in 22.11. */
	snprintf(prefix_arg, sizeof(prefix_arg), "--file-prefix=%s",
		 slash ? slash + 1 : rundir);
	if (sec_lcores)
		snprintf(cores, sizeof(cores), "%s", sec_lcores);
	else
		lcore_list(cores, sizeof(cores));

	args[nargs++] = orig_argv[0];
	args[nargs++] = prefix_arg;
	args[nargs++] = "--proc-type=secondary";
	args[nargs++] = "--no-pci";
	args[nargs++] = "-l";
	args[nargs++] = cores;
	for (int i = 1; i < orig_argc && strcmp(orig_argv[i], "--"); i++) {
		if (nargs > 56)
			break;
		if (!strncmp(orig_argv[i], "--log-level=", 12)) {
			args[nargs++] = orig_argv[i];
		} else if (!strcmp(orig_argv[i], "--log-level") &&
			   i + 1 < orig_argc) {
			args[nargs++] = orig_argv[i];
			args[nargs++] = orig_argv[++i];
		}
	}
	args[nargs++] = "--";
	args[nargs++] = "--secondary";
	args[nargs] = NULL;

	for (int i = 0; i < n; i++) {
		pid_t pid, parent = getpid();
		int p[2], r;

		if (pipe2(p, O_CLOEXEC) < 0) {
			perror("pipe2");
			return -1;
		}
		pid = fork();
		if (pid < 0) {
			perror("fork");
			close(p[0]);
			close(p[1]);
			return -1;
		}
		if (pid == 0) {
			/* Only stdio survives exec: the primary's hugepage
			 * fds, mp socket and telemetry socket must not leak
			 * into (and outlive with) the secondaries. */
			dup2(p[1], STDOUT_FILENO);
			close_range(3, ~0U, 0);
			/* fork() copies the main lcore's pinning; EAL in the
			 * child would then find no CPU for its control (mp,
			 * interrupt) threads but that one, unlike a secondary
			 * started from a shell, and on small machines that
			 * changes the hotplug latency by milliseconds. */
			sched_setaffinity(0, sizeof(start_affinity),
					  &start_affinity);
			/* A killed primary must not leave orphans behind. */
			prctl(PR_SET_PDEATHSIG, SIGTERM);
			if (getppid() != parent)
				_exit(1);
			execv(exe, args);
			_exit(127);
		}
		close(p[1]);
		sec_pids[sec_count++] = pid;
		r = wait_ready(p[0], pid);
		close(p[0]);
		if (r < 0)
			return -1;
	}
	return 0;
}

/* The rte_device behind the ethdev named like the devargs' device name. */
static struct rte_device *find_device(const char *devargs)
{
	char name[RTE_DEV_NAME_MAX_LEN];
	struct rte_eth_dev_info info;
	uint16_t port;

	snprintf(name, sizeof(name), "%s", devargs);
	name[strcspn(name, ",")] = '\0';
	if (rte_eth_dev_get_port_by_name(name, &port) != 0 ||
	    rte_eth_dev_info_get(port, &info) != 0)
		return NULL;
	return (struct rte_device *)(uintptr_t)info.device;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Nearest-rank percentile of a sorted array (same rule as the load tool). */
static double pct(const double *s, int n, double p)
{
	int k = (int)((p / 100.0) * n + 0.999999999);

	if (k < 1)
		k = 1;
	return s[k > n ? n - 1 : k - 1];
}

static void print_array(const char *key, const double *v, int n)
{
	printf("\"%s\":[", key);
	for (int i = 0; i < n; i++)
		printf("%s%.3f", i ? "," : "", v[i]);
	printf("]");
}

static void summary(const char *what, const double *v, int n)
{
	double *s = malloc(n * sizeof(*s)), sum = 0;

	if (!s)
		return;
	memcpy(s, v, n * sizeof(*s));
	qsort(s, n, sizeof(*s), cmp_double);
	for (int i = 0; i < n; i++)
		sum += s[i];
	printf("%-7s n=%d  min %.1f  p50 %.1f  p99 %.1f  max %.1f  mean %.1f us\n",
	       what, n, s[0], pct(s, n, 50), pct(s, n, 99), s[n - 1], sum / n);
	free(s);
}

static int run_primary(const struct opts *o, char **orig_argv, int orig_argc)
{
	double *att = calloc(o->iterations, sizeof(double));
	double *det = calloc(o->iterations, sizeof(double));
	int rc = 1;

	if (!att || !det)
		goto out;
	if (rte_eal_process_type() != RTE_PROC_PRIMARY) {
		fprintf(stderr, "bench-eal-hotplug: run as primary, or pass "
			"--secondary with --proc-type=secondary\n");
		goto out;
	}
	/* rte_dev_probe() returns 0 for a device the primary already has (it
	 * only syncs the secondaries then), so that case must be refused
	 * here or the first "attach" would time something else. */
	if (find_device(o->devargs)) {
		fprintf(stderr, "bench-eal-hotplug: %s exists before the first "
			"attach (drop it from --vdev)\n", o->devargs);
		goto out;
	}
	if (spawn_secondaries(o->secondaries, o->sec_lcores, orig_argv,
			      orig_argc) < 0)
		goto out;

	for (int i = 0; i < o->iterations; i++) {
		struct rte_device *dev;
		double t0;
		int r;

		t0 = now_us();
		r = rte_dev_probe(o->devargs);
		att[i] = now_us() - t0;
		if (r != 0) {
			fprintf(stderr, "bench-eal-hotplug: iteration %d: "
				"rte_dev_probe(%s) = %d (%s)\n", i, o->devargs,
				r, strerror(-r));
			goto out;
		}
		dev = find_device(o->devargs);
		if (!dev) {
			fprintf(stderr, "bench-eal-hotplug: %s attached but no "
				"ethdev of that name\n", o->devargs);
			goto out;
		}
		t0 = now_us();
		r = rte_dev_remove(dev);
		det[i] = now_us() - t0;
		if (r != 0) {
			fprintf(stderr, "bench-eal-hotplug: iteration %d: "
				"rte_dev_remove = %d (%s)\n", i, r, strerror(-r));
			goto out;
		}
	}

	if (o->json) {
		printf("{\"anchor\":\"eal\",\"secondaries\":%d,\"iterations\":%d,",
		       o->secondaries, o->iterations);
		print_array("attach_us", att, o->iterations);
		printf(",");
		print_array("detach_us", det, o->iterations);
		printf("}\n");
	} else {
		printf("eal anchor: %d secondaries, %d iterations, devargs %s\n",
		       o->secondaries, o->iterations, o->devargs);
		summary("attach", att, o->iterations);
		summary("detach", det, o->iterations);
	}
	fflush(stdout);
	rc = 0;
out:
	stop_secondaries();
	free(att);
	free(det);
	return rc;
}

int main(int argc, char **argv)
{
	char **orig = malloc((argc + 1) * sizeof(*orig));
	struct opts o;
	sigset_t mask;
	int ret, rc;

	if (!orig)
		return 1;
	/* EAL's getopt permutes argv; keep the original order for forwarding
	 * the --log-level options to the secondaries. */
	memcpy(orig, argv, (argc + 1) * sizeof(*orig));

	sched_getaffinity(0, sizeof(start_affinity), &start_affinity);

	/* Blocked before rte_eal_init() so EAL's threads inherit the mask and
	 * the secondary's main thread can collect them with sigwait(). */
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	pthread_sigmask(SIG_BLOCK, &mask, NULL);

	ret = rte_eal_init(argc, argv);
	if (ret < 0) {
		fprintf(stderr, "bench-eal-hotplug: rte_eal_init: %s\n",
			rte_strerror(rte_errno));
		return 1;
	}
	if (parse_opts(argc - ret, argv + ret, &o) < 0) {
		rte_eal_cleanup();
		return 2;
	}
	if (o.secondary)
		return run_secondary();

	/* The primary's EAL threads keep the signals blocked, so unblocking
	 * them here means ^C / SIGTERM take their default action on the whole
	 * process; the secondaries then follow via PR_SET_PDEATHSIG. */
	pthread_sigmask(SIG_UNBLOCK, &mask, NULL);
	rc = run_primary(&o, orig, argc);
	rte_eal_cleanup();
	free(orig);
	return rc;
}
