#!/bin/busybox sh
# shellcheck shell=dash
# /init of the tiny initramfs built by run-guest.sh (busybox sh, PID 1).
#
# Loads the virtio + 9p modules listed in /modules.list, mounts the host's
# root file system read-only over 9p (tag "hostroot") on /newroot, mounts the
# writable results share (tag "hpdresults") on /newroot/run/hpd/results,
# gives the new root fresh proc/sys/dev/tmpfs mounts, then chroots into it
# and runs the stage-2 script named in the results share's .hpd-env file.
# The stage-2 exit status is written to the results share as "exit-status",
# because QEMU's own exit status cannot carry it; then the guest powers off.
#
# Everything here must work with busybox alone: no host binary is reachable
# until the 9p root is mounted.

PATH=/bin:/sbin
export PATH

/bin/busybox mkdir -p /proc /sys /dev /bin /sbin /newroot
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
# The kernel may have found no /dev/console in the cpio: use devtmpfs' one.
exec </dev/console >/dev/console 2>&1

say() { echo "hpd-init: [$(cut -d" " -f1 /proc/uptime)] $*"; }
die() {
	say "FATAL: $*"
	# Leave a status behind if the results share is mounted, then stop.
	[ -d /newroot/run/hpd/results ] && echo 125 >/newroot/run/hpd/results/exit-status
	sync
	poweroff -f
	echo o >/proc/sysrq-trigger
	sleep 5
}

say "initramfs up"
# Modules, in dependency order (resolved on the host from modules.dep).
while read -r mod; do
	[ -n "$mod" ] || continue
	insmod "/mods/$mod" || say "insmod $mod failed"
done </modules.list

# msize: 9p's default (8 KiB in 6.1) makes reading big binaries slow.
p9opts=trans=virtio,version=9p2000.L,msize=512000
mount -t 9p -o "$p9opts,ro,cache=loose" hostroot /newroot ||
	die "cannot mount the host root over 9p (tag hostroot)"

R=/newroot
say "host root mounted"
mount -t tmpfs -o mode=0755,nosuid,nodev tmpfs $R/run || die "tmpfs on /run"
mkdir -p $R/run/hpd/results
mount -t 9p -o "$p9opts" hpdresults $R/run/hpd/results ||
	die "cannot mount the results share (tag hpdresults)"

mount -t proc proc $R/proc || die "proc"
mount -t sysfs sysfs $R/sys || die "sysfs"
mount -t devtmpfs devtmpfs $R/dev || die "devtmpfs"
mkdir -p $R/dev/shm $R/dev/pts $R/dev/hugepages
mount -t devpts -o gid=5,mode=0620,ptmxmode=0666 devpts $R/dev/pts
mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs $R/dev/shm || die "tmpfs on /dev/shm"
mount -t tmpfs -o mode=1777 tmpfs $R/tmp || die "tmpfs on /tmp"
[ -d $R/var/tmp ] && ! [ -L $R/var/tmp ] && mount -t tmpfs -o mode=1777 tmpfs $R/var/tmp
ln -sf /proc/self/fd $R/dev/fd
ln -sf /proc/self/fd/0 $R/dev/stdin
ln -sf /proc/self/fd/1 $R/dev/stdout
ln -sf /proc/self/fd/2 $R/dev/stderr
# Some kernels/distros keep debugfs/tracefs out: not needed by DPDK.

env_file=$R/run/hpd/results/.hpd-env
[ -f "$env_file" ] || die "no .hpd-env in the results share"
# shellcheck disable=SC1090
. "$env_file"
[ -n "$HPD_STAGE2" ] || die "HPD_STAGE2 unset in .hpd-env"

say "chroot: running $HPD_STAGE2"
chroot $R /bin/bash "$HPD_STAGE2"
rc=$?
say "stage 2 exited with status $rc"
echo "$rc" >$R/run/hpd/results/exit-status.tmp &&
	mv $R/run/hpd/results/exit-status.tmp $R/run/hpd/results/exit-status
sync
umount $R/run/hpd/results 2>/dev/null
poweroff -f
echo o >/proc/sysrq-trigger
sleep 5
