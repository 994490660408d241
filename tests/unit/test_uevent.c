/* SPDX-License-Identifier: BSD-3-Clause */
/* The kernel's uevent messages as physical hotplug reads them. */
#include <errno.h>
#include <string.h>

#include "check.h"
#include "uevent.h"

#define MSG(s) s, sizeof(s) - 1

int main(void)
{
	struct hpd_uevent ev;

	CHECK(uevent_parse(MSG("unbind@/devices/pci0000:00/0000:00:04.0\0ACTION=unbind\0"
			       "DEVPATH=/devices/pci0000:00/0000:00:04.0\0SUBSYSTEM=pci\0"
			       "DRIVER=uio_pci_generic\0PCI_ID=8086:100E\0"
			       "PCI_SLOT_NAME=0000:00:04.0\0SEQNUM=1\0"), &ev) == 0);
	CHECK_STR(ev.action, "unbind");
	CHECK_STR(ev.slot, "0000:00:04.0");
	CHECK_STR(ev.driver, "uio_pci_generic");
	CHECK_STR(ev.id, "8086:100E");
	/* not a PCI device's: the uio class device, a net interface */
	CHECK(uevent_parse(MSG("remove@/devices/virtual/uio/uio0\0ACTION=remove\0"
			       "SUBSYSTEM=uio\0"), &ev) == -EINVAL);
	CHECK(uevent_parse(MSG("add@/devices/x\0ACTION=add\0SUBSYSTEM=net\0"
			       "PCI_SLOT_NAME=0000:00:04.0\0"), &ev) == -EINVAL);
	/* libudev's re-broadcast has no "@" header */
	CHECK(uevent_parse(MSG("libudev\0ACTION=remove\0SUBSYSTEM=pci\0"
			       "PCI_SLOT_NAME=0000:00:04.0\0"), &ev) == -EINVAL);
	/* no slot, no action, empty, unterminated last field */
	CHECK(uevent_parse(MSG("remove@/x\0ACTION=remove\0SUBSYSTEM=pci\0"), &ev) == -EINVAL);
	CHECK(uevent_parse(MSG("x@/x\0SUBSYSTEM=pci\0PCI_SLOT_NAME=0000:00:04.0\0"), &ev) ==
	      -EINVAL);
	CHECK(uevent_parse("", 0, &ev) == -EINVAL);
	CHECK(uevent_parse(MSG("remove@/x\0ACTION=remove\0SUBSYSTEM=pci\0PCI_SLOT_NAME=0000:00:0"),
			   &ev) == 0);
	CHECK_STR(ev.slot, "0000:00:0");
	/* values longer than the fields are cut, never overflow */
	CHECK(uevent_parse(MSG("bind@/x\0ACTION=bind\0SUBSYSTEM=pci\0PCI_SLOT_NAME=0000:00:04.0\0"
			       "DRIVER=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\0"), &ev) == 0);
	CHECK(strlen(ev.driver) == sizeof(ev.driver) - 1);
	CHECK_DONE();
}
