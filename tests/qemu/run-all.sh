#!/usr/bin/env bash
# Runs every guest script of tests/qemu on both NIC kinds, one guest at a
# time (each takes a whole host core under TCG), and closes with one line
# "qemu: N passed, N failed, N skipped". Exit 0 when nothing failed; 77
# when everything was skipped (no QEMU etc.).
#
#   tests/qemu/run-all.sh [--timeout SEC] [SCRIPT...]
#
# Default scripts: smoke.sh and pci-hotplug.sh. Each run's results are in
# $HOTPLUGD_BUILDDIR/qemu/results/all/<script>-<nic>/.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)
builddir=${HOTPLUGD_BUILDDIR:-$top/build}
timeout=300
if [ "${1:-}" = --timeout ]; then
	timeout=${2:?}
	shift 2
fi
scripts=("$@")
[ ${#scripts[@]} -gt 0 ] || scripts=("$here/smoke.sh" "$here/pci-hotplug.sh")

pass=0 fail=0 skip=0
for s in "${scripts[@]}"; do
	for nic in e1000 virtio-vfio; do
		res=$builddir/qemu/results/all/$(basename "$s" .sh)-$nic
		start=$SECONDS
		"$here/run-guest.sh" --nic "$nic" --script "$s" --results "$res" --timeout "$timeout"
		rc=$?
		case $rc in
		0) pass=$((pass + 1)); verdict=PASS ;;
		77) skip=$((skip + 1)); verdict=SKIP ;;
		*) fail=$((fail + 1)); verdict="FAIL ($rc)" ;;
		esac
		echo "qemu: $verdict $(basename "$s") --nic $nic ($((SECONDS - start)) s, $res)"
	done
done
echo "qemu: $pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ] || exit 1
[ $pass -gt 0 ] || exit 77
exit 0
