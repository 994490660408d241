/* SPDX-License-Identifier: BSD-3-Clause */
/* PCI safety against a fake sysfs tree made here. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "eal_args.h"

static char root[] = "/tmp/hpd-sysfs-XXXXXX";

static void device(const char *addr, const char *driver)
{
	char path[512], target[512];

	snprintf(path, sizeof(path), "%s/bus/pci/devices/%s", root, addr);
	mkdir(path, 0755);
	if (driver) {
		snprintf(target, sizeof(target), "../../../../bus/pci/drivers/%s", driver);
		strcat(path, "/driver");
		SETUP(symlink(target, path) == 0);
	}
}

static int count(char **v, const char *s)
{
	int n = 0;

	for (; *v; v++)
		n += strcmp(*v, s) == 0;
	return n;
}

int main(void)
{
	char path[512], drv[64];
	char **out;
	int n;

	SETUP(mkdtemp(root));
	snprintf(path, sizeof(path), "%s/bus", root);
	mkdir(path, 0755);
	strcat(path, "/pci");
	mkdir(path, 0755);
	strcat(path, "/devices");
	mkdir(path, 0755);
	device("0000:00:03.0", "virtio-pci");     /* the host NIC */
	device("0000:00:04.0", "vfio-pci");
	device("0000:00:05.0", "uio_pci_generic");
	device("0000:00:06.0", NULL);             /* no driver */

	CHECK(eal_pci_driver(root, "0000:00:03.0", drv, sizeof(drv)) == 0);
	CHECK_STR(drv, "virtio-pci");
	CHECK(eal_pci_driver(root, "0000:00:06.0", drv, sizeof(drv)) == 0 && drv[0] == '\0');
	CHECK(eal_pci_driver(root, "0000:00:09.0", drv, sizeof(drv)) < 0);
	CHECK(eal_pci_driver_is_user("vfio-pci") && eal_pci_driver_is_user("igb_uio"));
	CHECK(!eal_pci_driver_is_user("virtio-pci") && !eal_pci_driver_is_user(""));

	{
		char *argv[] = {"hotplugd", "-l", "0", "--", "-r", "/x", NULL};

		n = eal_args_build(6, argv, root, &out);
		CHECK(n == 6 + 4);
		CHECK(count(out, "-b") == 2);
		CHECK(count(out, "0000:00:03.0") == 1 && count(out, "0000:00:06.0") == 1);
		CHECK(count(out, "0000:00:04.0") == 0 && count(out, "0000:00:05.0") == 0);
		CHECK_STR(out[n - 1], "/x"); /* our options keep their place */
		free(out);
	}
	{
		char *a1[] = {"h", "--no-pci", NULL}, *a2[] = {"h", "-a", "0000:00:04.0", NULL},
		     *a3[] = {"h", "-b0000:00:03.0", NULL}, *a4[] = {"h", "--allow=x", NULL},
		     *a5[] = {"h", "--", "--no-pci", NULL}, *a6[] = {"h", "--allowx", NULL};

		CHECK(eal_args_user_chose_pci(2, a1));
		CHECK(eal_args_user_chose_pci(3, a2));
		CHECK(eal_args_user_chose_pci(2, a3));
		CHECK(eal_args_user_chose_pci(2, a4));
		CHECK(!eal_args_user_chose_pci(3, a5)); /* after "--" it is ours */
		CHECK(!eal_args_user_chose_pci(2, a6));
		n = eal_args_build(2, a1, root, &out);
		CHECK(n == 2 && count(out, "-b") == 0);
		free(out);
	}
	{
		char *a[] = {"h", "--file-prefix", "g1", NULL}, *b[] = {"h", "--file-prefix=g2", NULL};

		CHECK_STR(eal_args_file_prefix(3, a), "g1");
		CHECK_STR(eal_args_file_prefix(2, b), "g2");
	}
	snprintf(path, sizeof(path), "rm -rf %s", root);
	CHECK(system(path) == 0);
	CHECK_DONE();
}
