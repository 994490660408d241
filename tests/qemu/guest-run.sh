#!/bin/bash
# shellcheck source-path=SCRIPTDIR
# Stage 2 of the QEMU guest, run by the initramfs /init inside the chroot of
# the host's root file system (read-only 9p). Not meant for the host.
#
# Reads the run's parameters from the results share's .hpd-env (written by
# run-guest.sh), prepares the guest (guest-prep.sh: hugepages, drivers, NIC
# detection, helper functions), then runs the requested test script with its
# output copied to $HPD_RESULTS/script.log and to the serial console.
# Exits with the script's exit status; /init reports it to the host.

export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/tmp LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=dumb
umask 022

HPD_RESULTS=/run/hpd/results
# shellcheck disable=SC1091
. "$HPD_RESULTS/.hpd-env" || { echo "guest-run: cannot read .hpd-env" >&2; exit 125; }
export HPD_RESULTS HPD_NIC_KIND HPD_SCRIPT HPD_QEMU_DIR HPD_TOP HPD_BUILDDIR HPD_HUGEPAGES HPD_BIND_METHOD HPD_NIC_QEMU_DEVICE
export HPD_IN_GUEST=1

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

cd "$HPD_TOP" 2>/dev/null || cd /
start=$(up)
echo "guest-run: [$start] running $HPD_SCRIPT"
if [ -x "$HPD_SCRIPT" ]; then
	"$HPD_SCRIPT" 2>&1 | tee "$HPD_RESULTS/script.log"
else
	bash "$HPD_SCRIPT" 2>&1 | tee "$HPD_RESULTS/script.log"
fi
rc=${PIPESTATUS[0]}
end=$(up)
echo "guest-run: [$end] script exited with status $rc after $(awk -v a="$start" -v b="$end" 'BEGIN{printf "%.1f", b-a}') s"
dmesg >"$HPD_RESULTS/dmesg.log" 2>/dev/null
exit "$rc"
