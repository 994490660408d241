/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <syslog.h>

#include <jansson.h>
#include <systemd/sd-journal.h>

#include "events.h"
#include "journal.h"
#include "log.h"

/* One MESSAGE_ID per event: `journalctl MESSAGE_ID=...` finds one kind.
 * Generated once; never change them (docs/hotplugd.catalog has them too). */
static const struct kind {
	const char *event, *id;
	int prio;
} kinds[] = {
	{"operation.finished", "3e92ed2e211e4a13ad9baf9fbcfecd6f", LOG_INFO},
	{"device.attached", "75638951045e4b119255af0a5455438f", LOG_INFO},
	{"device.detached", "4f07c9b1a041482db98be8a8d3a42ee5", LOG_INFO},
	{"device.rolled_back", "2ec21ddb7b9b401a811ebda09417daed", LOG_NOTICE},
	{"port.started", "343b4ecdbe3b4d35a1c0229c9674fdfe", LOG_INFO},
	{"port.stopped", "48b42298e1a24c759a0c42bab3fbabd3", LOG_INFO},
	{"member.joined", "2016787d77d84402b844ae2a111408ca", LOG_INFO},
	{"member.left", "6609b8090eb24e52901aab47c67bd286", LOG_INFO},
	{"member.unresponsive", "6cd7d347f3b041f68583bc9474c42965", LOG_WARNING},
	{"member.healthy", "352d104122d143afb06e457292210267", LOG_NOTICE},
	{"member.fenced", "5066a82b6d444f4fb277a3541177acdd", LOG_WARNING},
	{"device.call_stuck", "8bcb9a6b830942ff98532afb4792f626", LOG_ERR},
	{"device.call_returned", "43bf77eac6f54e76a51dc60cb22da619", LOG_NOTICE},
	{"state.write_failed", "41ae3477f6544a949835f7a04d956e33", LOG_ERR},
	/* any other event */
	{NULL, "6dcc3e0bbc594b899d8d7f4da5e80b03", LOG_INFO},
};

static bool on;

bool journal_on(void)
{
	return on;
}

/* systemd's own test (sd_journal_stream_fd(3), JOURNAL_STREAM in
 * systemd.exec(5)): stderr is still the stream systemd connected, not a
 * redirection made since (hotplugd ... 2>file under a service). */
static bool stderr_is_journal(void)
{
	const char *env = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (env == NULL || sscanf(env, "%llu:%llu", &dev, &ino) != 2 || fstat(2, &st) != 0)
		return false;
	return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

/* sd_journal_send() to a socket that is not there returns 0 and drops the
 * record (systemd does so on purpose, journal-send.c): where the stream
 * is the journal's but its native socket is hidden (a mount namespace
 * without journald's /run), records must stay text, or audit is lost. */
#define JOURNAL_SOCKET "/run/systemd/journal/socket"
static bool native_socket(void)
{
	struct stat st;

	return stat(JOURNAL_SOCKET, &st) == 0 && S_ISSOCK(st.st_mode);
}

void journal_add(struct journal_rec *r, const char *fmt, ...)
{
	va_list ap;

	if (r->n == JOURNAL_FIELDS_MAX)
		return;
	va_start(ap, fmt);
	vsnprintf(r->field[r->n++], JOURNAL_FIELD_LEN, fmt, ap);
	va_end(ap);
}

void journal_send(struct journal_rec *r, int prio, const char *message_id)
{
	struct iovec iov[JOURNAL_FIELDS_MAX + 3];
	char p[16], id[48];
	unsigned n = 0;

	if (prio > hpd_log_level)
		return;
	snprintf(p, sizeof(p), "PRIORITY=%d", prio);
	snprintf(id, sizeof(id), "MESSAGE_ID=%s", message_id);
	iov[n++] = (struct iovec){p, strlen(p)};
	iov[n++] = (struct iovec){id, strlen(id)};
	iov[n++] = (struct iovec){"SYSLOG_IDENTIFIER=hotplugd", strlen("SYSLOG_IDENTIFIER=hotplugd")};
	for (unsigned i = 0; i < r->n; i++)
		iov[n++] = (struct iovec){r->field[i], strlen(r->field[i])};
	/* journald gone or refusing (ECONNREFUSED, EAGAIN when full): the
	 * text line at least, through the stream */
	if (sd_journal_sendv(iov, (int)n) < 0)
		for (unsigned i = 0; i < r->n; i++)
			if (strncmp(r->field[i], "MESSAGE=", 8) == 0)
				hpd_log(prio, "%s", r->field[i] + 8);
}

static const char *str(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* The fields a reader filters on, from whatever the event carries. */
static void event_fields(struct journal_rec *r, json_t *p)
{
	static const struct {
		const char *key, *field;
	} strings[] = {
		{"device", "DEVICE"}, {"operation", "OPERATION"}, {"outcome", "OUTCOME"},
		{"reason", "REASON"}, {"errno", "ERRNO_TEXT"}, {"name", "MEMBER_NAME"},
		{"call", "CALL"}, {"file", "STATE_FILE"},
	};
	json_t *o = json_object_get(p, "origin"), *v;

	for (unsigned i = 0; i < sizeof(strings) / sizeof(strings[0]); i++)
		if (str(p, strings[i].key))
			journal_add(r, "%s=%s", strings[i].field, str(p, strings[i].key));
	if (json_is_integer(v = json_object_get(p, "port")))
		journal_add(r, "PORT=%lld", (long long)json_integer_value(v));
	if (json_is_integer(v = json_object_get(p, "pid")))
		journal_add(r, "MEMBER_PID=%lld", (long long)json_integer_value(v));
	if (json_is_number(v = json_object_get(p, "duration_ms")))
		journal_add(r, "DURATION_USEC=%.0f", json_number_value(v) * 1000);
	if (o) {
		journal_add(r, "CALLER_PID=%lld", (long long)json_integer_value(json_object_get(o, "pid")));
		journal_add(r, "CALLER_UID=%lld", (long long)json_integer_value(json_object_get(o, "uid")));
		if (str(o, "comm"))
			journal_add(r, "CALLER_COMM=%s", str(o, "comm"));
		if (json_integer_value(json_object_get(o, "via")))
			journal_add(r, "VIA_PID=%lld",
				    (long long)json_integer_value(json_object_get(o, "via")));
	}
}

static void on_event(const char *event, json_t *params, const struct hpd_event *ev, void *arg)
{
	const struct kind *k = kinds;
	struct journal_rec r = {.n = 0};
	char *all;
	const char *what = str(params, "device") ? str(params, "device") : str(params, "name");

	(void)ev, (void)arg;
	if (!events_own(params)) /* mirrored: the primary journals it */
		return;
	all = json_dumps(params, JSON_COMPACT);
	while (k->event && strcmp(k->event, event) != 0)
		k++;
	journal_add(&r, "MESSAGE=%s%s%s%s%s", event, what ? " " : "", what ? what : "",
		    str(params, "outcome") ? ": " : "",
		    str(params, "outcome") ? str(params, "outcome") : "");
	journal_add(&r, "HOTPLUGD_EVENT=%s", event);
	event_fields(&r, params);
	/* the whole event too, as subscribers get it */
	if (all)
		journal_add(&r, "HOTPLUGD_EVENT_JSON=%s", all);
	free(all);
	journal_send(&r, k->prio, k->id);
}

int journal_init(void)
{
	/* JOURNAL_STREAM naming our stderr is what systemd documents for
	 * "upgrade to the native protocol" (systemd.exec(5)); sd_booted() is
	 * not: a user manager, or one in a container, runs services with a
	 * journal but without /run/systemd/system */
	bool stream = stderr_is_journal();

	on = stream && native_socket();
	if (stream && !on)
		log_warn("journal: %s missing: text records only", JOURNAL_SOCKET);
	return on ? events_subscribe(on_event, NULL) : 0;
}
