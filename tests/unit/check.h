/* SPDX-License-Identifier: BSD-3-Clause */
/* A minimal TAP producer: meson test reads the plan and "not ok" lines. */
#ifndef HPD_CHECK_H
#define HPD_CHECK_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int check_n, check_failed;

#define CHECK(cond)                                                                 \
	do {                                                                        \
		check_n++;                                                          \
		if (cond) {                                                         \
			printf("ok %d - %s\n", check_n, #cond);                     \
		} else {                                                            \
			check_failed++;                                             \
			printf("not ok %d - %s (%s:%d)\n", check_n, #cond, __FILE__, \
			       __LINE__);                                           \
		}                                                                   \
	} while (0)
/* A step of the fixture the checks stand on: if it fails they mean
 * nothing, so the test bails out (TAP) with the reason. */
#define SETUP(cond)                                                            \
	do {                                                                   \
		if (!(cond)) {                                                 \
			printf("Bail out! %s: %s\n", #cond, strerror(errno)); \
			exit(1);                                               \
		}                                                              \
	} while (0)
#define CHECK_STR(a, b) CHECK(strcmp((a), (b)) == 0)
#define CHECK_DONE()                          \
	do {                                  \
		printf("1..%d\n", check_n);   \
		return check_failed ? 1 : 0;  \
	} while (0)

#endif
