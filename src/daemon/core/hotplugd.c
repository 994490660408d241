/* SPDX-License-Identifier: BSD-3-Clause */
#include <event2/event.h>

#include "clock.h"
#include "hotplugd.h"

struct hpd hpd;
int hpd_exit_status;

double hpd_uptime(void)
{
	return hpd_ms_since(&hpd.started) / 1e3;
}

void hpd_shutdown(int status)
{
	if (!hpd.stopping)
		hpd_exit_status = status;
	hpd.stopping = true;
	event_base_loopbreak(hpd.base);
}
