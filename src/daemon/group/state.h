/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The primary's device state on disk, so that a restart (or a crash) gets
 * the same devices back: every successful change rewrites the file
 * atomically (temporary file, fsync, rename, fsync of the directory). At
 * start-up the devices are attached again, and started if they were,
 * through the engine like any request; each one's outcome is reported and
 * one failure does not stop the others. A declarative list (--devices)
 * is attached the same way.
 */
#ifndef HPD_STATE_H
#define HPD_STATE_H

#include <stdbool.h>

#include <jansson.h>

int state_init(const char *path);         /* NULL: no state file */
/* After every successful change: write the file on the device-job thread,
 * then call done(arg) (at once when there is no state file). */
void state_save_then(void (*done)(void *arg), void *arg);
/* Queue the restore of the state file, then the --devices list; done()
 * follows once every device is back (or failed), perhaps at once. */
void state_restore(const char *devices_file, void (*done)(void));
bool state_restoring(void);
json_t *state_status(void);               /* for status */
/* No state file although none was refused (--no-state): why, for status
 * and every change's answer. */
void state_unavailable(const char *why);
/* Whether the last change is on disk: 1 yes; 0 no (err and reason say
 * why); -1 no state file was asked for. */
int state_outcome(int *err, char *reason, size_t len);

#endif
