/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dev.h"
#include "engine.h"
#include "errname.h"
#include "events.h"
#include "hotplugd.h"
#include "log.h"
#include "portconf.h"
#include "state.h"
#include "devjob.h"
#include "gone.h"
#include "physical.h"

static char path[PATH_MAX];
static bool enabled;
static int last_error;           /* errno of the last failed write, or 0 */
static char unavailable[PATH_MAX + 160]; /* why there is no state file, if not asked */
static json_t *restore_report;   /* [{devargs, step, outcome}] */
static unsigned restoring;
static void (*restored)(void);   /* called once the restore is over */

int state_init(const char *file)
{
	enabled = file != NULL && *file;
	if (enabled)
		snprintf(path, sizeof(path), "%s", file);
	restore_report = json_array();
	return 0;
}

static int write_all(int fd, const char *s, size_t n)
{
	while (n) {
		ssize_t w = write(fd, s, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

/* temporary file, fsync, rename over the old one, fsync the directory:
 * after a crash the file is either the old state or the new, never half */
static int write_atomic(const char *text)
{
	char tmp[PATH_MAX + 8], dir[PATH_MAX];
	int fd, dfd, rc;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	/* created afresh, never through a link planted in its place: one left
	 * by a crash (or put there) is removed (the link, not its target) */
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0640);
	if (fd < 0 && errno == EEXIST && unlink(tmp) == 0)
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0640);
	if (fd < 0)
		return -errno;
	rc = write_all(fd, text, strlen(text));
	if (rc == 0 && fsync(fd) < 0)
		rc = -errno;
	if (close(fd) < 0 && rc == 0)
		rc = -errno;
	if (rc == 0 && rename(tmp, path) < 0)
		rc = -errno;
	if (rc) {
		unlink(tmp);
		return rc;
	}
	snprintf(dir, sizeof(dir), "%s", path);
	dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	return 0;
}

struct save {
	char *text;
	void (*done)(void *arg);
	void *arg;
};

static int save_job(void *arg, char *reason, size_t len)
{
	struct save *sv = arg;

	(void)reason, (void)len;
	return sv->text ? write_atomic(sv->text) : -ENOMEM;
}

static void save_done(void *arg, int rc, const char *reason)
{
	struct save *sv = arg;

	(void)reason;
	if (rc) {
		/* the devices themselves are fine; only the record is behind */
		if (last_error != -rc)
			log_err("state file %s: cannot write: %s", path, strerror(-rc));
		events_publish("state.write_failed", json_pack("{s:s, s:s, s:s}", "file", path,
				"errno", hpd_errname(rc), "reason", strerror(-rc)));
	} else if (last_error) {
		log_notice("state file %s: written again", path);
	}
	last_error = -rc;
	free(sv->text);
	if (sv->done)
		sv->done(sv->arg);
	free(sv);
}

static bool default_config(const json_t *config)
{
	struct hpd_port_conf c, d;
	char msg[8];

	portconf_default(&c);
	portconf_default(&d);
	return config == NULL || (portconf_merge(&c, config, msg, sizeof(msg)) == 0 &&
				  portconf_equal(&c, &d));
}

void state_save_then(void (*done)(void *arg), void *arg)
{
	json_t *list, *port, *devs, *root;
	struct save *sv;
	size_t i;

	if (!enabled || restoring || (sv = calloc(1, sizeof(*sv))) == NULL) {
		if (done)
			done(arg);
		return;
	}
	list = dev_list_json();
	devs = json_array();
	json_array_foreach(list, i, port) {
		json_t *d = json_pack("{s:O, s:b}", "devargs", json_object_get(port, "devargs"),
				      "started", strcmp(json_string_value(json_object_get(port,
						"state")), "started") == 0);

		/* the configuration it starts with, as start takes it (none:
		 * the default, and the file as it was before there were any) */
		if (!default_config(json_object_get(port, "config")))
			json_object_set(d, "config", json_object_get(port, "config"));
		json_array_append_new(devs, d);
	}
	json_decref(list);
	/* devices that went away by themselves: not restored, remembered */
	root = json_pack("{s:i, s:o, s:o}", "version", 1, "devices", devs, "removed", gone_json());
	sv->text = json_dumps(root, JSON_INDENT(1));
	json_decref(root);
	sv->done = done;
	sv->arg = arg;
	/* fsync blocks: on the device-job thread, in order with the device jobs */
	devjob_submit(save_job, save_done, sv);
}

void state_unavailable(const char *why)
{
	snprintf(unavailable, sizeof(unavailable), "%s", why);
}

int state_outcome(int *err, char *reason, size_t len)
{
	if (!enabled) {
		snprintf(reason, len, "%s", unavailable);
		*err = EROFS;
		return *unavailable ? 0 : -1;
	}
	*err = last_error;
	if (last_error == 0)
		return 1;
	snprintf(reason, len, "state file %s cannot be written: %s", path, strerror(last_error));
	return 0;
}

/* ---- restore ----------------------------------------------------------- */

struct restoring {
	char devargs[HPD_DEVARGS_MAX + 1];
	char name[HPD_NAME_MAX + 1];
	bool start;
	json_t *config; /* the port's configuration, or NULL (the default) */
};

static void restoring_free(struct restoring *r)
{
	json_decref(r->config);
	free(r);
}

static void report(const struct restoring *r, const char *step, const struct op_result *res)
{
	bool ok = res->rc == 0 || res->rc == -EEXIST || res->rc == -EALREADY;

	json_array_append_new(restore_report, json_pack("{s:s, s:s, s:s}", "devargs",
		r->devargs, "step", step, "outcome", ok ? "ok" : res->reason));
	if (ok)
		log_notice("restore: %s %s: ok", step, r->devargs);
	else
		log_err("restore: %s %s: %s", step, r->devargs, res->reason);
}

static void done_one(void)
{
	if (--restoring == 0) {
		void (*cb)(void) = restored;

		log_notice("restore: done");
		state_save_then(NULL, NULL); /* what we really have now */
		restored = NULL;
		if (cb)
			cb();
	}
}

static void started(const struct op_result *res, void *arg)
{
	struct restoring *r = arg;

	report(r, r->start ? "start" : "configure", res);
	restoring_free(r);
	done_one();
}

static void attached(const struct op_result *res, void *arg)
{
	struct restoring *r = arg;
	struct op_origin o = {.pid = hpd.pid, .comm = "restore"};

	report(r, "attach", res);
	/* a stopped port keeps its configuration for its next start */
	if ((res->rc == 0 || res->rc == -EEXIST) && (r->start || r->config)) {
		snprintf(r->name, sizeof(r->name), "%s", res->name);
		engine_submit_config(r->start ? OP_START : OP_CONFIGURE, r->name, r->config, &o,
				     started, r);
		return;
	}
	restoring_free(r);
	done_one();
}

/* A devices-file entry with "bound_to" is an arrival rule (physical.c);
 * true when it is left to its arrival rather than attached now. */
static bool arrival_rule(json_t *d, const char *da, const char *bound_to, const char *from,
			 size_t i)
{
	const char *match = da ? da : json_string_value(json_object_get(d, "match"));
	char why[160];
	bool start = json_is_true(json_object_get(d, "start"));

	if (match == NULL || physical_rule_add(match, bound_to, start, why, sizeof(why)) != 0) {
		log_err("restore: %s: entry %zu: %s; skipped", from, i,
			match ? why : "an arrival rule needs \"devargs\" or \"match\"");
		return true;
	}
	if (da && physical_rule_ready(da))
		return false;
	log_notice("restore: %s: %s waits for its arrival on %s", from, match, bound_to);
	return true;
}

static int queue_list(json_t *devs, const char *from)
{
	struct op_origin o = {.pid = hpd.pid, .comm = "restore"};
	json_t *d;
	size_t i;

	if (!json_is_array(devs)) {
		log_err("restore: %s: \"devices\" is not a list; nothing restored", from);
		return -EINVAL;
	}
	json_array_foreach(devs, i, d) {
		const char *da = json_string_value(json_object_get(d, "devargs"));
		const char *bound_to = json_string_value(json_object_get(d, "bound_to"));
		struct restoring *r;

		if (bound_to && arrival_rule(d, da, bound_to, from, i))
			continue;
		if (da == NULL || strlen(da) > HPD_DEVARGS_MAX) {
			log_err("restore: %s: entry %zu has no usable devargs; skipped", from, i);
			continue;
		}
		r = calloc(1, sizeof(*r));
		if (r == NULL) {
			log_err("restore: %s: out of memory at entry %zu; the rest skipped",
				from, i);
			return -ENOMEM;
		}
		snprintf(r->devargs, sizeof(r->devargs), "%s", da);
		r->start = json_is_true(json_object_get(d, "started")) ||
			   json_is_true(json_object_get(d, "start"));
		r->config = json_incref(json_object_get(d, "config"));
		restoring++;
		engine_submit(OP_ATTACH, r->devargs, &o, attached, r);
	}
	return 0;
}

/* A state file that does not parse is kept for whoever wants to look at
 * it (it may hold the only record of the devices), never overwritten. */
static void keep_corrupt(const char *file, const json_error_t *jerr)
{
	char kept[PATH_MAX + 48], stamp[32];
	time_t t = time(NULL);
	struct tm tm;

	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%S", gmtime_r(&t, &tm));
	snprintf(kept, sizeof(kept), "%s.corrupt-%s", file, stamp);
	if (rename(file, kept) != 0) {
		log_err("restore: state file %s is corrupt (line %d: %s) and cannot be kept as %s "
			"(%s); starting without it, changes stay unrecorded until it is removed",
			file, jerr->line, jerr->text, kept, strerror(errno));
		enabled = false;
		snprintf(unavailable, sizeof(unavailable), "state file %s is corrupt and could not "
			 "be moved aside", file);
		snprintf(kept, sizeof(kept), "%s", file);
	} else {
		log_err("restore: state file %s is corrupt (line %d: %s); kept as %s, starting "
			"without it", file, jerr->line, jerr->text, kept);
	}
	json_array_append_new(restore_report, json_pack("{s:s, s:s, s:s}", "file", file,
		"outcome", jerr->text, "kept_as", kept));
}

static void restore_file(const char *file, const char *what)
{
	json_error_t jerr;
	json_t *root = json_load_file(file, JSON_REJECT_DUPLICATES, &jerr);

	if (root == NULL) {
		if (access(file, F_OK) != 0)
			return; /* first start */
		if (enabled && strcmp(file, path) == 0) {
			keep_corrupt(file, &jerr);
			return;
		}
		log_err("restore: %s %s is unreadable or corrupt (%s:%d: %s); starting without it",
			what, file, file, jerr.line, jerr.text);
		json_array_append_new(restore_report, json_pack("{s:s, s:s}", "file", file,
			"outcome", jerr.text));
		return;
	}
	log_notice("restore: %s %s", what, file);
	if (json_is_object(root)) {
		json_t *g;
		size_t i;

		/* went away by themselves: remembered, not attached */
		json_array_foreach(json_object_get(root, "removed"), i, g)
			if (gone_load(g) != 0)
				log_err("restore: %s: removed entry %zu is unusable; forgotten",
					file, i);
	}
	queue_list(json_is_array(root) ? root : json_object_get(root, "devices"), file);
	json_decref(root);
}

bool state_restoring(void)
{
	return restoring > 0;
}

void state_restore(const char *devices_file, void (*done)(void))
{
	restored = done;
	/* restoring counts what is queued so far; the guard stops state_save
	 * from writing a half-restored state in between */
	restoring++;
	if (enabled)
		restore_file(path, "state file");
	if (devices_file)
		restore_file(devices_file, "device list");
	done_one();
}

json_t *state_status(void)
{
	json_t *s = json_pack("{s:s?, s:O}", "file", enabled ? path : NULL,
			      "restore", restore_report);

	if (last_error) { /* an errno name, like every error of the protocol */
		json_object_set_new(s, "write_error", json_string(hpd_errname(last_error)));
		json_object_set_new(s, "write_reason", json_string(strerror(last_error)));
	}
	if (*unavailable)
		json_object_set_new(s, "unavailable", json_string(unavailable));
	return s;
}
