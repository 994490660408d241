/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <string.h>

#include "check.h"
#include "devargs.h"
#include "paths.h"

static int chk(const char *s)
{
	char reason[160];

	return hpd_devargs_check(s, reason, sizeof(reason));
}

int main(void)
{
	char name[64], pci[HPD_PCI_ADDR_LEN], reason[160], buf[200];
	struct hpd_devref ref;
	struct hpd_paths p;

	CHECK(chk("net_null0") == 0);
	CHECK(chk("net_af_packet,iface=veth0") == 0);
	CHECK(chk("net_vhost0,iface=/tmp/x,queues=1,client=0") == 0);
	CHECK(chk("vdev:net_null0,size=64") == 0);
	CHECK(chk("0000:00:04.0") == 0);
	CHECK(chk("net_null0,flag") == 0);
	CHECK(chk("") == -EINVAL);
	CHECK(chk(",a=b") == -EINVAL);
	CHECK(chk("net_null0,,a=b") == -EINVAL);
	CHECK(chk("net_null0,a=b,") == -EINVAL);
	CHECK(chk("net_null0,=b") == -EINVAL);
	CHECK(chk("net null0") == -EINVAL);
	CHECK(chk("net_null0\n") == -EINVAL);
	CHECK(chk("net_n\xc3\xa9") == -EINVAL);
	memset(buf, 'a', 127);
	buf[127] = '\0';
	CHECK(chk(buf) == -ENAMETOOLONG); /* name over 63 */
	memcpy(buf, "net_null0,", 10);
	for (int i = 10; i < 127; i++)
		buf[i] = (i % 2) ? '=' : 'k';
	buf[11] = 'k';
	buf[127] = '\0';
	CHECK(chk(buf) == 0 || chk(buf) == -EINVAL); /* 127 bytes: not too long */
	buf[127] = 'k';
	buf[128] = '\0';
	CHECK(hpd_devargs_check(buf, reason, sizeof(reason)) == -ENAMETOOLONG);
	CHECK(strstr(reason, "128 bytes") != NULL && strstr(reason, "127") != NULL);

	CHECK(hpd_pci_addr_canon("0000:00:04.0", pci) && strcmp(pci, "0000:00:04.0") == 0);
	CHECK(hpd_pci_addr_canon("88:00.1", pci) && strcmp(pci, "0000:88:00.1") == 0);
	CHECK(hpd_pci_addr_canon("0000:AF:1F.7", pci) && strcmp(pci, "0000:af:1f.7") == 0);
	CHECK(!hpd_pci_addr_canon("0000:00:20.0", pci)); /* device > 0x1f */
	CHECK(!hpd_pci_addr_canon("0000:00:04.8", pci));
	CHECK(!hpd_pci_addr_canon("net_null0", pci));
	CHECK(!hpd_pci_addr_canon("0000:00:04.0x", pci));
	/* found by fuzzing: sscanf's %x took signs, 0x and blanks */
	CHECK(!hpd_pci_addr_canon("0000:-1:04.0", pci));
	CHECK(!hpd_pci_addr_canon("0x00:00:04.0", pci));
	CHECK(!hpd_pci_addr_canon(" 0:1F.7", pci));
	CHECK(!hpd_pci_addr_canon("88: 0.1", pci));
	CHECK(chk("vdev:pci:net_x") == -EINVAL); /* two bus prefixes */

	CHECK(hpd_devargs_name("net_af_packet,iface=x", name, sizeof(name)) == 0);
	CHECK_STR(name, "net_af_packet");
	CHECK(hpd_devargs_name("vdev:net_null3,size=1", name, sizeof(name)) == 0);
	CHECK_STR(name, "net_null3");
	CHECK(hpd_devargs_name("88:00.0", name, sizeof(name)) == 0);
	CHECK_STR(name, "0000:88:00.0");
	CHECK(hpd_devargs_name("pci:0000:88:00.0,x=1", name, sizeof(name)) == 0);
	CHECK_STR(name, "0000:88:00.0");

	CHECK(hpd_devref_parse("3", &ref, reason, sizeof(reason)) == 0);
	CHECK(ref.kind == HPD_DEVREF_PORT && ref.port == 3);
	CHECK(hpd_devref_parse("net_null0", &ref, reason, sizeof(reason)) == 0);
	CHECK(ref.kind == HPD_DEVREF_NAME && strcmp(ref.name, "net_null0") == 0);
	CHECK(hpd_devref_parse("net_null0,size=64", &ref, reason, sizeof(reason)) == 0);
	CHECK_STR(ref.name, "net_null0");
	CHECK(hpd_devref_parse("99999", &ref, reason, sizeof(reason)) == -EINVAL);
	CHECK(hpd_devref_parse("", &ref, reason, sizeof(reason)) == -EINVAL);

	CHECK(hpd_paths_init(&p, "/run/x", "grp") == 0);
	CHECK_STR(p.primary, "/run/x/grp/control.sock");
	CHECK(hpd_paths_member(&p, 42, buf, sizeof(buf)) == 0);
	CHECK_STR(buf, "/run/x/grp/member.42.sock");
	CHECK(hpd_paths_init(&p, "/run/x", NULL) == 0);
	CHECK_STR(p.group, "/run/x/rte");
	CHECK(hpd_paths_init(&p, "/run/x", "../etc") == -EINVAL);
	memset(buf, 'd', 150);
	buf[0] = '/';
	buf[150] = '\0';
	CHECK(hpd_paths_init(&p, buf, "p") == -ENAMETOOLONG);
	CHECK_DONE();
}
