#!/bin/bash
# shellcheck source-path=SCRIPTDIR
# Smoke test of the QEMU PCI harness; runs INSIDE the guest:
#   tests/qemu/run-guest.sh --nic e1000       --script tests/qemu/smoke.sh
#   tests/qemu/run-guest.sh --nic virtio-vfio --script tests/qemu/smoke.sh
# Binds the guest's NIC to the userspace driver, has DPDK (testpmd) probe it,
# gives it back to the kernel and checks the kernel sees it again. One JSON
# line per case goes to $HPD_RESULTS/results.jsonl.
set -u

if [ "${HPD_IN_GUEST:-0}" != 1 ] || ! grep -qw 'hpd.guest=1' /proc/cmdline; then
	echo "smoke.sh: runs only inside the QEMU guest (tests/qemu/run-guest.sh --script $0)" >&2
	exit 2
fi
# guest-run.sh exported the helpers; sourcing again is harmless.
# shellcheck source=tests/qemu/guest-prep.sh
declare -F hpd_result >/dev/null || . "$HPD_QEMU_DIR/guest-prep.sh"

addr=${HPD_PCI_ADDR:-}
failed=0
now() { local u _; read -r u _ </proc/uptime; echo "$u"; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN{printf "%.1fs", b-a}'; }
fail() { hpd_result "$1" fail "$2"; failed=$((failed + 1)); }

# 1. The NIC is there, on its kernel driver, with a net interface.
t=$(now)
if [ -z "$addr" ]; then
	fail nic_found "no HPD_PCI_ADDR (guest-prep found no $HPD_NIC_KIND NIC)"
	exit 1
fi
read -r ven <"/sys/bus/pci/devices/$addr/vendor"
read -r dev <"/sys/bus/pci/devices/$addr/device"
drv=$(hpd_driver_of "$addr")
if netdev=$(hpd_kernel_sees "$addr" 5) && [ "$drv" = "$HPD_KERNEL_DRIVER" ]; then
	hpd_result nic_found pass "$addr $ven:$dev driver=$drv netdev=$netdev ($(since "$t"))"
else
	fail nic_found "$addr $ven:$dev driver=$drv (want $HPD_KERNEL_DRIVER) netdev=${netdev:-none}"
fi

# 2. Bind to the userspace driver.
t=$(now)
if out=$(hpd_bind_user "$addr" "$HPD_USER_DRIVER" 2>&1); then
	extra=
	[ "$HPD_USER_DRIVER" = vfio-pci ] &&
		extra=" iommu_group=$(basename "$(readlink "/sys/bus/pci/devices/$addr/iommu_group")")"
	hpd_result bind_user pass "$addr -> $(hpd_driver_of "$addr")$extra ($(since "$t"))"
else
	fail bind_user "$addr -> $HPD_USER_DRIVER: $out (now $(hpd_driver_of "$addr"))"
fi

# 3. DPDK probes the port (testpmd, interactive, fed from stdin).
t=$(now)
log=$HPD_RESULTS/testpmd.log
if [ "$(hpd_driver_of "$addr")" = "$HPD_USER_DRIVER" ]; then
	# testpmd wants a forwarding lcore besides the main one: two lcores,
	# both on CPU 0, work with any number of vCPUs.
	printf 'show port info all\nquit\n' |
		timeout 180 dpdk-testpmd --lcores 0@0,1@0 -n 1 --file-prefix qs -a "$addr" \
			--log-level=lib.eal:info -- -i --total-num-mbufs=2048 >"$log" 2>&1
	rc=$?
	pmd=$(sed -n 's/^Driver name: *//p' "$log" | head -1)
	iova=$(sed -n "s/.*Selected IOVA mode '\([A-Z]*\)'.*/\1/p" "$log" | head -1)
	if [ $rc -eq 0 ] && [ "$pmd" = "$HPD_DPDK_DRIVER" ]; then
		hpd_result dpdk_probe pass "testpmd probed $addr as $pmd, IOVA mode ${iova:-?} ($(since "$t"))"
	else
		fail dpdk_probe "testpmd exit $rc, driver '${pmd:-none}' (want $HPD_DPDK_DRIVER); see testpmd.log: $(grep -iE 'error|fail|cannot' "$log" | head -3)"
	fi
else
	fail dpdk_probe "skipped: $addr is not bound to $HPD_USER_DRIVER"
fi

# 4. Back to the kernel driver.
t=$(now)
if out=$(hpd_bind_kernel "$addr" "$HPD_KERNEL_DRIVER" 2>&1); then
	hpd_result bind_kernel pass "$addr -> $(hpd_driver_of "$addr") ($(since "$t"))"
else
	fail bind_kernel "$addr -> $HPD_KERNEL_DRIVER: $out (now $(hpd_driver_of "$addr"))"
fi

# 5. The kernel sees the interface again.
if netdev=$(hpd_kernel_sees "$addr" 10); then
	state=$(cat "/sys/class/net/$netdev/operstate" 2>/dev/null)
	hpd_result kernel_sees pass "$addr netdev=$netdev operstate=${state:-?}"
else
	fail kernel_sees "no net interface under /sys/bus/pci/devices/$addr after rebinding"
fi

[ $failed -eq 0 ]
