/* SPDX-License-Identifier: BSD-3-Clause */
/* Which DPDK releases have vhost's event thread outlive rte_eal_cleanup()
 * (eal_exit.h): the first affected, the last of each line, the fixes. */
#include "check.h"
#include "eal_exit.h"

int main(void)
{
	CHECK(!eal_exit_vhost_bug(22, 11, 11)); /* Debian 12: a static fdset */
	CHECK(!eal_exit_vhost_bug(23, 11, 7));
	CHECK(!eal_exit_vhost_bug(24, 3, 0));
	CHECK(eal_exit_vhost_bug(24, 7, 0)); /* the fdset moved to DPDK memory */
	CHECK(eal_exit_vhost_bug(24, 11, 0));
	CHECK(eal_exit_vhost_bug(24, 11, 4));
	CHECK(!eal_exit_vhost_bug(24, 11, 5)); /* the backports */
	CHECK(!eal_exit_vhost_bug(24, 11, 6));
	CHECK(eal_exit_vhost_bug(25, 3, 0));
	CHECK(eal_exit_vhost_bug(25, 7, 0));
	CHECK(eal_exit_vhost_bug(25, 11, 0));
	CHECK(!eal_exit_vhost_bug(25, 11, 1));
	CHECK(!eal_exit_vhost_bug(25, 11, 2));
	CHECK(!eal_exit_vhost_bug(26, 3, 0)); /* upstream's fix */
	CHECK_DONE();
}
