#!/bin/bash
# shellcheck source-path=SCRIPTDIR
# Stage 2 of the QEMU guest, run by the initramfs /init inside the chroot of
# the host's root file system (read-only 9p). Not meant for the host.
#
# Reads the run's parameters from the results share's .hpd-env (written by
# run-guest.sh), prepares the guest (guest-prep.sh: hugepages, drivers, NIC
# detection, helper functions), then runs the requested test script(s), one
# after the other, with their output copied to $HPD_RESULTS/script.log (and
# script-<name>.log each) and to the serial console. Before each script
# after the first, the NIC is put back on its kernel driver if the previous
# one left it elsewhere (or unplugged). Each script's status goes to
# $HPD_RESULTS/script-status ("PATH STATUS SECONDS"). Exits with the first
# failing script's status, 77 when all skipped themselves, else 0; /init
# reports it to the host.

export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/tmp LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=dumb
umask 022

HPD_RESULTS=/run/hpd/results
# shellcheck disable=SC1091
. "$HPD_RESULTS/.hpd-env" || { echo "guest-run: cannot read .hpd-env" >&2; exit 125; }
export HPD_RESULTS HPD_NIC_KIND HPD_SCRIPT HPD_SCRIPTS HPD_QEMU_DIR HPD_TOP HPD_BUILDDIR HPD_HUGEPAGES HPD_BIND_METHOD HPD_NIC_QEMU_DEVICE
export HPD_IN_GUEST=1
# The guest scripts' knobs given on the host (run-guest.sh: PT_*).
for v in $(compgen -v PT_); do export "${v?}"; done

up() { local u _; read -r u _ </proc/uptime; echo "$u"; }
read -r kver </proc/sys/kernel/osrelease
read -r _ memkb _ </proc/meminfo
echo "guest-run: [$(up)] kernel $kver, $(nproc) cpu(s), $((memkb / 1024)) MiB"

[ -n "${HPD_TRACE:-}" ] && { PS4='+[$(cut -d" " -f1 /proc/uptime)] '; set -x; }
# shellcheck source=tests/qemu/guest-prep.sh
. "$HPD_QEMU_DIR/guest-prep.sh" >"$HPD_RESULTS/guest-prep.log" 2>&1
prep_rc=$?
cat "$HPD_RESULTS/guest-prep.log"
if [ "$prep_rc" -ne 0 ]; then
	echo "guest-run: guest-prep.sh failed ($prep_rc)" >&2
	exit 125
fi
echo "guest-run: HPD_NIC_KIND=$HPD_NIC_KIND HPD_PCI_ADDR=$HPD_PCI_ADDR" \
	"kernel driver=$HPD_KERNEL_DRIVER user driver=$HPD_USER_DRIVER"

# Puts the NIC back as the next script expects it: present, on its kernel
# driver, with a net interface.
restore_nic() {
	local a=$HPD_PCI_ADDR
	if [ ! -e "/sys/bus/pci/devices/$a" ]; then
		echo "guest-run: $a is gone: plugging it back"
		hpd_nic_replug "$a" 30 || return 1
	fi
	if [ "$(hpd_driver_of "$a")" != "$HPD_KERNEL_DRIVER" ]; then
		echo "guest-run: $a is on $(hpd_driver_of "$a"): back to $HPD_KERNEL_DRIVER"
		HPD_BIND_METHOD=sysfs hpd_bind_kernel "$a" || return 1
	fi
	hpd_kernel_sees "$a" 15 >/dev/null
}

IFS=: read -r -a scripts <<<"${HPD_SCRIPTS:-$HPD_SCRIPT}"
cd "$HPD_TOP" 2>/dev/null || cd /
: >"$HPD_RESULTS/script.log"
final='' all_skipped=1 n=0
for script in "${scripts[@]}"; do
	n=$((n + 1))
	if [ $n -gt 1 ] && ! restore_nic >>"$HPD_RESULTS/script.log" 2>&1; then
		echo "guest-run: cannot put $HPD_PCI_ADDR back on $HPD_KERNEL_DRIVER before $script" |
			tee -a "$HPD_RESULTS/script.log"
	fi
	start=$(up)
	echo "guest-run: [$start] running $script"
	name=$(basename "$script" .sh)
	if [ -x "$script" ]; then
		HPD_SCRIPT=$script "$script" 2>&1 | tee -a "$HPD_RESULTS/script.log" "$HPD_RESULTS/script-$name.log"
	else
		HPD_SCRIPT=$script bash "$script" 2>&1 | tee -a "$HPD_RESULTS/script.log" "$HPD_RESULTS/script-$name.log"
	fi
	rc=${PIPESTATUS[0]}
	end=$(up)
	secs=$(awk -v a="$start" -v b="$end" 'BEGIN{printf "%.1f", b-a}')
	echo "$script $rc $secs" >>"$HPD_RESULTS/script-status"
	echo "guest-run: [$end] $name exited with status $rc after $secs s"
	[ "$rc" = 77 ] || all_skipped=0
	if [ -z "$final" ] && [ "$rc" != 0 ] && [ "$rc" != 77 ]; then final=$rc; fi
done
dmesg >"$HPD_RESULTS/dmesg.log" 2>/dev/null
if [ -n "$final" ]; then exit "$final"; fi
[ "$all_skipped" = 1 ] && exit 77
exit 0
