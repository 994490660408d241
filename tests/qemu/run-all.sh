#!/usr/bin/env bash
# Runs the guest scripts of tests/qemu in ONE guest boot per NIC kind (e1000,
# then virtio-vfio; one guest at a time: each takes a whole host core under
# TCG), prints every case of both boots, and closes with one line
# "qemu: N passed, N failed, N skipped" (N counts scripts x NIC kinds).
# Exit 0 when nothing failed; 77 when everything was skipped (no QEMU, no
# guest kernel, ...: never counted as passed); 1 otherwise.
#
#   tests/qemu/run-all.sh [--timeout SEC] [SCRIPT...]
#
# Default scripts, in this order: smoke.sh (the harness: bind, testpmd
# probe, rebind), pci-testplan.sh (the test plan's physical-device cases,
# console and hpctl, one primary + two secondaries), pci-hotplug.sh
# (QEMU-level unplug/replug). --timeout is per boot (default 300 s per
# script). Each boot's results are in $HOTPLUGD_BUILDDIR/qemu/results/all/<nic>/.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)
builddir=${HOTPLUGD_BUILDDIR:-$top/build}
timeout_args=()
if [ "${1:-}" = --timeout ]; then
	timeout_args=(--timeout "${2:?}")
	shift 2
fi
scripts=("$@")
[ ${#scripts[@]} -gt 0 ] || scripts=("$here/smoke.sh" "$here/pci-testplan.sh" "$here/pci-hotplug.sh"
	"$here/pci-physical.sh")
script_args=()
for s in "${scripts[@]}"; do script_args+=(--script "$s"); done

pass=0 fail=0 skip=0
verdicts=() dirs=()
for nic in e1000 virtio-vfio; do
	res=$builddir/qemu/results/all/$nic
	# Never read an earlier run's statuses (run-guest.sh empties the
	# directory too, before it can skip).
	rm -f "$res/script-status" "$res/results.jsonl" "$res/exit-status"
	start=$SECONDS
	# The per-case table is printed once, below, for both boots.
	HPD_QEMU_SUMMARY=0 "$here/run-guest.sh" --nic "$nic" "${script_args[@]}" --results "$res" \
		"${timeout_args[@]}"
	rc=$?
	wall=$((SECONDS - start))
	dirs+=("$res")
	for s in "${scripts[@]}"; do
		name=$(basename "$s")
		st=''
		if [ -f "$res/script-status" ]; then
			# by name: run-guest.sh may have run a staged copy (a work
			# tree the guest cannot see, such as one under /tmp)
			st=$(awk -v p="$name" '{ n = $1; sub(".*/", "", n) } n == p { print $2 }' \
				"$res/script-status" | tail -1)
		fi
		if [ -z "$st" ]; then
			# The script never finished: the boot failed (124 timeout,
			# 125 guest failure) or the harness skipped (77) before it.
			st=$rc
			[ "$rc" = 0 ] && st=125 # a pass needs the script's own status
		fi
		case $st in
		0) pass=$((pass + 1)); v=PASS ;;
		77) skip=$((skip + 1)); v=SKIP ;;
		*) fail=$((fail + 1)); v="FAIL ($st)" ;;
		esac
		verdicts+=("qemu: $v $name --nic $nic")
	done
	verdicts+=("qemu: --nic $nic: one boot, ${wall} s wall, harness status $rc ($res)")
done
jsonl=()
for d in "${dirs[@]}"; do
	if [ -s "$d/results.jsonl" ]; then jsonl+=("$d/results.jsonl"); fi
done
if [ ${#jsonl[@]} -gt 0 ]; then
	echo "qemu: every case:"
	python3 "$here/summary.py" "${jsonl[@]}" || cat "${jsonl[@]}"
fi
printf '%s\n' "${verdicts[@]}"
echo "qemu: $pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ] || exit 1
[ $pass -gt 0 ] || exit 77
exit 0
