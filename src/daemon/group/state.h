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

#include <jansson.h>

int state_init(const char *path);         /* NULL: no state file */
/* After every successful change: write the file on the device-job thread,
 * then call done(arg) (at once when there is no state file). */
void state_save_then(void (*done)(void *arg), void *arg);
/* Queue the restore of the state file, then the --devices list. */
void state_restore(const char *devices_file);
json_t *state_status(void);               /* for status */

#endif
