/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * PCI safety for the EAL command line. By default DPDK probes every PCI
 * device it has a driver for, and its virtio driver will take a virtio-net
 * NIC the kernel is using. Unless the user chose for themselves (-a, -b,
 * --no-pci ...), we add a -b for every PCI device not bound to a userspace
 * I/O driver, so start-up probes only vfio-pci/uio_pci_generic/igb_uio
 * devices. No DPDK here: unit-tested against a fake sysfs.
 */
#ifndef HPD_EAL_ARGS_H
#define HPD_EAL_ARGS_H

#include <stdbool.h>

bool eal_args_user_chose_pci(int argc, char **argv);
bool eal_pci_driver_is_user(const char *driver);
/* The driver a PCI device is bound to ("" if none); 0 or -errno. */
int eal_pci_driver(const char *sysfs, const char *addr, char *drv, int len);
/* New argv (NULL-terminated, every string a copy) with the block-list
 * added. Returns the new argc or -errno. Free with eal_args_free() once
 * the EAL is cleaned up (rte_eal_init() permutes the array). */
int eal_args_build(int argc, char **argv, const char *sysfs, char ***out);
void eal_args_free(char **v);
/* --file-prefix value, or NULL */
const char *eal_args_file_prefix(int argc, char **argv);

#endif
