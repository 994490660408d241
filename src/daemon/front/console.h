/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The test-plan console (dpdk-hotplug_mp): "example> " prompt on stdin and
 * stdout, the DPDK hotplug_mp example's commands and output, run through
 * the same API as the control socket. Works from a pipe; quits on EOF.
 */
#ifndef HPD_CONSOLE_H
#define HPD_CONSOLE_H

struct event_base;

int console_init(struct event_base *base);
int console_start(void); /* prompt, and read stdin from now on */
void console_fini(void);

#endif
