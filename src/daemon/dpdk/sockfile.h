/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Removing a socket file left by a dead process, without being redirected:
 * the directory is opened once and held, checked to be writable by nobody
 * but root (else a user could swap a path under it for a symlink), and the
 * name is removed only if lstat shows a socket nobody listens on.
 */
#ifndef HPD_SOCKFILE_H
#define HPD_SOCKFILE_H

/* 1 if a stale socket was removed, 0 if there was nothing to remove (no
 * file, a live socket), or a negative errno: -EPERM (the directory may be
 * written by others), -ENOTSOCK (the name is not a socket: left alone). */
int sockfile_clear_stale(const char *path);

#endif
