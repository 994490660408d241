#!/bin/bash
# shellcheck source-path=SCRIPTDIR
# PCI hot-unplug/replug of the guest's NIC at the QEMU level; runs INSIDE the
# guest:
#   tests/qemu/run-guest.sh --nic e1000       --script tests/qemu/pci-hotplug.sh
#   tests/qemu/run-guest.sh --nic virtio-vfio --script tests/qemu/pci-hotplug.sh
# Checks the harness's monitor channel (hpd_qemu_monitor and its allowlist)
# and that the NIC can be removed and plugged back both while the kernel
# driver and while the userspace driver (uio_pci_generic / vfio-pci) holds
# it, with no process using it. One JSON line per case in results.jsonl.
set -u

if [ "${HPD_IN_GUEST:-0}" != 1 ] || ! grep -qw 'hpd.guest=1' /proc/cmdline; then
	echo "pci-hotplug.sh: runs only inside the QEMU guest (tests/qemu/run-guest.sh --script $0)" >&2
	exit 2
fi
declare -F hpd_result >/dev/null || . "$HPD_QEMU_DIR/guest-prep.sh"

addr=$HPD_PCI_ADDR
failed=0
now() { local u _; read -r u _ </proc/uptime; echo "$u"; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN{printf "%.1fs", b-a}'; }
fail() { hpd_result "$1" fail "$2"; failed=$((failed + 1)); }

# 1. The monitor channel answers, and QEMU knows the NIC as hpdnic0.
t=$(now)
if out=$(hpd_qemu_monitor "info pci" 2>&1) && [[ "$out" == *'"hpdnic0"'* ]]; then
	hpd_result monitor_info_pci pass "QEMU lists hpdnic0 ($(since "$t"))"
else
	fail monitor_info_pci "status $? / $(echo "$out" | tail -2)"
fi

# 2. Commands outside the allowlist are refused by the harness.
hpd_qemu_monitor "migrate exec:true" >/dev/null 2>&1
st=$?
if [ $st -eq 2 ]; then
	hpd_result monitor_refuses pass "'migrate exec:' refused (status 2)"
else
	fail monitor_refuses "'migrate exec:' answered status $st, want 2"
fi

# 3-4. Unplug and replug while the kernel driver holds the NIC.
cycle() { # label
	local label=$1 t out drv
	t=$(now)
	if out=$(hpd_nic_unplug "$addr" 30 2>&1); then
		hpd_result "unplug_$label" pass "$addr gone ($(since "$t"))"
	else
		fail "unplug_$label" "$out"
		return 1
	fi
	t=$(now)
	if out=$(hpd_nic_replug "$addr" 30 2>&1) && netdev=$(hpd_kernel_sees "$addr" 15); then
		drv=$(hpd_driver_of "$addr")
		if [ "$drv" = "$HPD_KERNEL_DRIVER" ]; then
			hpd_result "replug_$label" pass "$addr back, driver=$drv netdev=$netdev ($(since "$t"))"
		else
			fail "replug_$label" "$addr back but driver=$drv, want $HPD_KERNEL_DRIVER"
		fi
	else
		fail "replug_$label" "${out:-no net interface for $addr} (driver $(hpd_driver_of "$addr"))"
		return 1
	fi
}
cycle kernel_bound

# 5-6. The same with the userspace driver bound (no process using it).
if out=$(hpd_bind_user "$addr" 2>&1); then
	cycle user_bound
else
	fail unplug_user_bound "could not bind $HPD_USER_DRIVER: $out"
fi

[ $failed -eq 0 ]
