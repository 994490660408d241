#!/usr/bin/env bash
# shellcheck disable=SC2054  # QEMU options are comma-separated by design
# Boots a tiny QEMU guest with an emulated NIC and runs a test script in it,
# so that physical-device (PCI) tests never touch this machine's own PCI
# devices. See tests/qemu/README.md.
#
#   tests/qemu/run-guest.sh --nic e1000|virtio-vfio --script PATH [--script PATH2 ...]
#                           [--results DIR] [--timeout SEC] [--mem MB]
#                           [--smp N] [--hugepages N] [--verbose]
#
# Several --script run one after the other in the same boot (each starts
# with the NIC on its kernel driver; guest-run.sh puts it back if a script
# left it elsewhere). --timeout defaults to 300 s per script.
#
# Environment: HOTPLUGD_BUILDDIR (cache in $HOTPLUGD_BUILDDIR/qemu),
# HPD_QEMU_TCG_THREAD=single|multi (default multi: a host thread per vCPU.
# With single the vCPUs take turns on one host thread, and every round trip
# between the group's processes waits for those turns: hotplugd's share of
# a removal read 93-159 ms single, 16-23 ms multi, and both boots of
# run-all.sh took 252 s multi, 304 s single with three cases fewer, on this
# 2-core host),
# HPD_BIND_METHOD=devbind|sysfs (guest bind helpers; sysfs is faster),
# HPD_QEMU_ACCEL=tcg|kvm, HPD_QEMU_CPU, HPD_GUEST_KERNEL=<version>,
# HPD_QEMU_IOMMU_AW=39|48 (virtio-vfio's IOMMU address width, default 48),
# HPD_QEMU_SUMMARY=0 (no per-case table at the end), PT_*=... (passed on
# to the guest scripts' environment: pci-testplan.sh's knobs),
# HPD_TRACE=1 (bash -x of the guest preparation, with guest timestamps).
#
# The guest's root is this machine's root, read-only over 9p, so PATH (and
# the project's build tree, DPDK, kernel modules) are seen at the same paths.
# In the guest, PATH runs as root in a chroot with HPD_RESULTS (a writable
# directory shared with the host: DIR here), HPD_NIC_KIND and HPD_PCI_ADDR
# set and the helpers of guest-prep.sh exported.
#
# Exit status: the script's own (several scripts: the first failure's, 77
# when all skipped themselves, else 0; each one's status is in
# DIR/script-status); 77 with "SKIP: reason" when QEMU, a guest kernel or
# busybox is missing and cannot be installed; 124 on timeout; 125 when the
# guest failed before or around the scripts.
#
# The project's programs (hotplugd, dpdk-hotplug_mp, hpctl), when built, are
# copied to DIR/bin at the start (the guest sees them as $HPD_RESULTS/bin),
# so that a rebuild on the host during the run cannot tear them.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)
builddir=${HOTPLUGD_BUILDDIR:-$top/build}

# The guest sees the host's root over 9p but mounts fresh file systems over
# /tmp, /run, /var/tmp, ... A work tree there (a CI clone under /tmp, say)
# would be invisible: run a staged copy of this directory from elsewhere,
# with the script paths mapped to it. The binaries reach the guest through
# the results share, which is mounted on its own.
masked() {
	case "$1" in /tmp/* | /run/* | /dev/* | /proc/* | /sys/* | /var/tmp/* | /var/run/*) return 0 ;; esac
	return 1
}
if masked "$here" && [ -z "${HPD_QEMU_STAGED:-}" ]; then
	mkdir -p /var/cache/hotplugd-qemu
	stage_dir=$(mktemp -d /var/cache/hotplugd-qemu/stage.XXXXXX)
	cp -a "$here/." "$stage_dir/"
	args=()
	for a in "$@"; do
		r=$(realpath -q "$a" 2>/dev/null || true)
		if [ -n "$r" ] && [ "${r#"$here"/}" != "$r" ]; then
			args+=("$stage_dir/${r#"$here"/}")
		else
			args+=("$a")
		fi
	done
	rc=0
	# the test build by its real path too: $top is the stage's from there on
	HPD_QEMU_STAGED=1 HOTPLUGD_BUILDDIR=$(realpath "$builddir") \
		HOTPLUGD_TEST_BUILDDIR=$(realpath -m "${HOTPLUGD_TEST_BUILDDIR:-$top/build-test}") \
		bash "$stage_dir/run-guest.sh" "${args[@]}" || rc=$?
	rm -rf "$stage_dir"
	exit $rc
fi
qbuild=$builddir/qemu

nic='' scripts=() results='' timeout='' mem=${HPD_QEMU_MEM:-512} smp=${HPD_QEMU_SMP:-2}
hugepages=${HPD_HUGEPAGES:-64} verbose=0
accel=${HPD_QEMU_ACCEL:-tcg}

usage() {
	sed -n '/^#   tests\/qemu\/run-guest.sh/,/^#$/p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
}
say() {
	printf '[qemu] %s\n' "$*" >&2
	# Also in the results directory once it exists, for runs whose output
	# went nowhere.
	if [ -n "${harness_log:-}" ]; then printf '[qemu] %s\n' "$*" >>"$harness_log"; fi
}
skip() {
	echo "SKIP: $*"
	if [ -n "${harness_log:-}" ]; then echo "SKIP: $*" >>"$harness_log"; fi
	exit 77
}

while [ $# -gt 0 ]; do
	case "$1" in
	--nic) nic=${2:?}; shift 2 ;;
	--script) scripts+=("${2:?}"); shift 2 ;;
	--results) results=${2:?}; shift 2 ;;
	--timeout) timeout=${2:?}; shift 2 ;;
	--mem) mem=${2:?}; shift 2 ;;
	--smp) smp=${2:?}; shift 2 ;;
	--hugepages) hugepages=${2:?}; shift 2 ;;
	-v | --verbose) verbose=1; shift ;;
	-h | --help) usage ;;
	*) echo "run-guest.sh: unknown argument '$1'" >&2; usage ;;
	esac
done
case "$nic" in e1000 | virtio-vfio) ;; *) echo "run-guest.sh: --nic e1000|virtio-vfio" >&2; usage ;; esac
[ ${#scripts[@]} -gt 0 ] || { echo "run-guest.sh: --script PATH is required" >&2; usage; }
for i in "${!scripts[@]}"; do
	script=${scripts[$i]}
	[ -f "$script" ] || { echo "run-guest.sh: no such script: $script" >&2; exit 2; }
	script=$(realpath "$script")
	# The guest mounts fresh file systems over these, hiding the host's files.
	case "$script" in
	/tmp/* | /run/* | /dev/* | /proc/* | /sys/* | /var/tmp/* | /var/run/*)
		echo "run-guest.sh: $script is under a directory the guest mounts over;" \
			"put the script somewhere else (e.g. in the work tree)" >&2
		exit 2 ;;
	*:*)
		echo "run-guest.sh: $script: a ':' in a script path is not supported" >&2
		exit 2 ;;
	esac
	scripts[i]=$script
done
script_names=$(for s in "${scripts[@]}"; do basename "$s"; done | paste -sd' ')
[ -n "$timeout" ] || timeout=$((300 * ${#scripts[@]}))
[[ "$timeout" =~ ^[0-9]+$ ]] || { echo "run-guest.sh: --timeout takes whole seconds" >&2; exit 2; }

# ---------------------------------------------------------------- results
# The directory is emptied first, before anything can skip or fail, so that
# no earlier run's results can be taken for this one's: either it is new or
# empty, or a previous run of this harness left it (it has .hpd-env).
# Anything else is refused, so that a typo cannot wipe a directory of
# something else.
if [ -z "$results" ]; then
	results=$qbuild/results/$nic
fi
mkdir -p "$results"
results=$(realpath "$results")
if [ -n "$(ls -A "$results")" ]; then
	[ -f "$results/.hpd-env" ] || {
		echo "run-guest.sh: --results $results is not empty and no earlier run's" \
			"directory (no .hpd-env): refusing to empty it" >&2
		exit 2
	}
	find "$results" -mindepth 1 -delete
fi
# The mark of a harness directory; filled in below.
: >"$results/.hpd-env"
mkdir -p "$results/.monitor"
harness_log=$results/harness.log

# ---------------------------------------------------------------- packages
# What the harness needs on the host; Debian package names.
# dpdk-testpmd is in dpdk-dev on Debian 12, not in dpdk.
host_pkgs=(qemu-system-x86 linux-image-amd64 busybox-static cpio pciutils kmod dpdk dpdk-dev)

guest_kernel() {
	# Newest /boot/vmlinuz-* that has a module tree (the host's running
	# kernel need not be one of them). HPD_GUEST_KERNEL=<version> overrides.
	local v
	if [ -n "${HPD_GUEST_KERNEL:-}" ]; then
		echo "$HPD_GUEST_KERNEL"
		return
	fi
	# shellcheck disable=SC2012
	for v in $(ls /boot/vmlinuz-* 2>/dev/null | sed 's|^/boot/vmlinuz-||' | sort -rV); do
		if [ -f "/lib/modules/$v/modules.dep" ]; then
			echo "$v"
			return
		fi
	done
}

have_everything() {
	command -v qemu-system-x86_64 >/dev/null &&
		[ -x /bin/busybox ] && [[ $'\n'"$(/bin/busybox --list 2>/dev/null)"$'\n' == *$'\n'insmod$'\n'* ]] &&
		command -v cpio >/dev/null && [ -n "$(guest_kernel)" ] &&
		command -v dpdk-devbind.py >/dev/null && command -v lspci >/dev/null &&
		command -v dpdk-testpmd >/dev/null
}

install_missing() {
	local missing=() p
	for p in "${host_pkgs[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
	done
	[ ${#missing[@]} -gt 0 ] || return 0
	[ "$(id -u)" = 0 ] || return 1
	command -v apt-get >/dev/null || return 1
	say "installing: ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	# Another apt may be running (the project's setup.sh): wait for its lock.
	apt-get -o DPkg::Lock::Timeout=600 update -qq >/dev/null 2>&1 || true
	apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends \
		"${missing[@]}" >"$qbuild/apt.log" 2>&1 ||
		{ say "apt-get install failed, see $qbuild/apt.log"; return 1; }
}

mkdir -p "$qbuild"
if ! have_everything; then
	install_missing || true
	hash -r
	have_everything || {
		command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 missing (package qemu-system-x86) and could not be installed"
		[ -n "$(guest_kernel)" ] || skip "no guest kernel with modules in /boot (package linux-image-amd64) and none could be installed"
		[ -x /bin/busybox ] || skip "busybox missing (package busybox-static) and could not be installed"
		command -v cpio >/dev/null || skip "cpio missing and could not be installed"
		command -v dpdk-devbind.py >/dev/null || skip "dpdk-devbind.py missing (package dpdk) and could not be installed"
		command -v lspci >/dev/null || skip "lspci missing (package pciutils) and could not be installed"
		skip "dpdk-testpmd missing (package dpdk-dev) and could not be installed"
	}
fi
kver=$(guest_kernel)
kernel=/boot/vmlinuz-$kver
moddir=/lib/modules/$kver
[ -r "$kernel" ] || skip "guest kernel $kernel is not readable"

# ---------------------------------------------------------------- initramfs
# Modules /init loads itself (before the 9p root exists); dependencies are
# resolved from modules.dep, builtins skipped. Everything else is modprobed
# from the 9p root later.
init_targets=(virtio_pci 9pnet_virtio 9p)

modpath() { # module name -> path relative to $moddir, or nothing if builtin/absent
	local name=${1//-/_} alt
	alt=${1//_/-}
	{ grep -E "(^|/)(${name}|${alt})\.ko(\.xz|\.zst|\.gz)?:" "$moddir/modules.dep" || true; } |
		head -1 | cut -d: -f1
}
ordered_modules() {
	local t rel deps d seen=" "
	for t in "${init_targets[@]}"; do
		rel=$(modpath "$t")
		[ -n "$rel" ] || continue # builtin
		deps=$({ grep -E "^${rel//./\\.}:" "$moddir/modules.dep" || true; } | cut -d: -f2)
		# modules.dep lists a module's dependencies so that the last loads first.
		for d in $(echo "$deps" | tr ' ' '\n' | tac) "$rel"; do
			case "$seen" in *" $d "*) continue ;; esac
			seen="$seen$d "
			echo "$d"
		done
	done
}

mods=$(ordered_modules)
key=$( {
	echo "$kver"
	echo "$mods"
	cat "$here/initramfs-init.sh"
	sha256sum /bin/busybox
} | sha256sum | cut -c1-16)
initrd=$qbuild/initramfs-$kver-$key.cpio.gz

if [ ! -f "$initrd" ]; then
	say "building initramfs for $kver ($initrd)"
	stage=$(mktemp -d "$qbuild/initramfs.XXXXXX")
	trap 'rm -rf "$stage"' EXIT
	mkdir -p "$stage"/{bin,sbin,dev,proc,sys,newroot,mods}
	cp /bin/busybox "$stage/bin/busybox"
	cp "$here/initramfs-init.sh" "$stage/init"
	chmod 755 "$stage/init" "$stage/bin/busybox"
	mknod -m 600 "$stage/dev/console" c 5 1 2>/dev/null || true
	: >"$stage/modules.list"
	for m in $mods; do
		b=$(basename "$m")
		case "$b" in
		*.ko.xz) xz -dc "$moddir/$m" >"$stage/mods/${b%.xz}"; b=${b%.xz} ;;
		*.ko.zst) zstd -qdc "$moddir/$m" >"$stage/mods/${b%.zst}"; b=${b%.zst} ;;
		*.ko.gz) gzip -dc "$moddir/$m" >"$stage/mods/${b%.gz}"; b=${b%.gz} ;;
		*) cp "$moddir/$m" "$stage/mods/$b" ;;
		esac
		echo "$b" >>"$stage/modules.list"
	done
	(cd "$stage" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) | gzip -1 >"$initrd.tmp"
	mv "$initrd.tmp" "$initrd"
	rm -rf "$stage"
	trap - EXIT
	# Old images of other keys are of no further use.
	find "$qbuild" -maxdepth 1 -name 'initramfs-*.cpio.gz' ! -name "$(basename "$initrd")" -delete
fi

# ---------------------------------------------------------------- PVH kernel
# Under TCG, decompressing the bzImage costs ~5 s per boot. A kernel built
# with CONFIG_PVH (Debian's is) can instead be booted as its uncompressed ELF
# vmlinux through its PVH entry point: extracted once, cached beside the
# initramfs. Anything unexpected falls back to the bzImage. HPD_QEMU_PVH=0
# turns this off.
pvh_vmlinux() {
	local sum out magic off tmp
	[ "${HPD_QEMU_PVH:-1}" = 1 ] || return 1
	command -v readelf >/dev/null || return 1
	sum=$(sha256sum "$kernel" | cut -c1-16)
	out=$qbuild/vmlinux-$kver-$sum
	if [ ! -f "$out" ]; then
		tmp=$(mktemp "$qbuild/vmlinux.XXXXXX")
		for magic in '\xfd7zXZ\x00:xz -dc --single-stream' '\x28\xb5\x2f\xfd:zstd -qdc' \
			'\x1f\x8b\x08:gzip -dc'; do
			off=$({ LC_ALL=C grep -obUaP "${magic%%:*}" "$kernel" || true; } | head -1 | cut -d: -f1)
			[ -n "$off" ] || continue
			tail -c +$((off + 1)) "$kernel" | ${magic#*:} >"$tmp" 2>/dev/null
			[ "$(head -c 4 "$tmp" | od -An -c | tr -d ' ')" = '177ELF' ] && break
			: >"$tmp"
		done
		# XEN_ELFNOTE_PHYS32_ENTRY (18): the PVH entry point QEMU boots.
		if [ -s "$tmp" ] && LC_ALL=C readelf -n "$tmp" 2>/dev/null | grep -q 'Xen.*(0x00000012)'; then
			mv "$tmp" "$out"
			find "$qbuild" -maxdepth 1 -name 'vmlinux-*' ! -name "$(basename "$out")" -delete
		else
			rm -f "$tmp"
			return 1
		fi
	fi
	echo "$out"
}
if vmlinux=$(pvh_vmlinux); then
	boot_kernel=$vmlinux
else
	boot_kernel=$kernel
fi

# A snapshot of the project's programs (see the header).
bins=("$builddir/src/daemon/hotplugd" "$builddir/src/daemon/dpdk-hotplug_mp" "$builddir/src/ctl/hpctl")
if [ -x "${bins[0]}" ]; then
	mkdir -p "$results/bin"
	for b in "${bins[@]}"; do
		if [ -x "$b" ]; then cp -p "$b" "$results/bin/"; fi
	done
fi
# and the test build's daemon (fault hooks, sanitizers), for the cases that
# need it: the guest cannot see a work tree under /tmp
tbuild=${HOTPLUGD_TEST_BUILDDIR:-$top/build-test}
if [ -x "$tbuild/src/daemon/hotplugd" ]; then
	mkdir -p "$results/tbin"
	cp -p "$tbuild/src/daemon/hotplugd" "$results/tbin/"
fi

q() { printf '%q' "$1"; }
{
	echo "HPD_STAGE2=$(q "$here/guest-run.sh")"
	echo "HPD_SCRIPT=$(q "${scripts[0]}")"
	echo "HPD_SCRIPTS=$(q "$(IFS=:; echo "${scripts[*]}")")"
	echo "HPD_NIC_KIND=$(q "$nic")"
	echo "HPD_QEMU_DIR=$(q "$here")"
	echo "HPD_TOP=$(q "$top")"
	echo "HPD_BUILDDIR=$(q "$builddir")"
	echo "HPD_HUGEPAGES=$(q "$hugepages")"
	echo "HPD_TRACE=$(q "${HPD_TRACE:-}")"
	echo "HPD_BIND_METHOD=$(q "${HPD_BIND_METHOD:-devbind}")"
	# Knobs of the guest scripts (PT_VIAS=console ... for pci-testplan.sh).
	for v in $(compgen -v PT_); do echo "$v=$(q "${!v}")"; done
} >"$results/.hpd-env"

# ---------------------------------------------------------------- QEMU
append="console=ttyS0,115200 panic=-1 loglevel=4 hpd.guest=1"
# QMP socket for the guest's monitor requests (see serve_monitor below);
# host-side only, so it may live in /tmp.
mondir=$(mktemp -d /tmp/hotplugd-qemu-qmp.XXXXXX)
trap 'rm -rf "$mondir"' EXIT
qmp_sock=$mondir/qmp.sock
args=(-name hpd-guest -nodefaults -display none -no-reboot -monitor none
	-qmp "unix:$qmp_sock,server=on,wait=off"
	-serial "file:$results/console.log"
	-m "$mem" -smp "$smp" -cpu "${HPD_QEMU_CPU:-max}")
case "$accel" in
tcg) args+=(-accel "tcg,thread=${HPD_QEMU_TCG_THREAD:-multi}") ;;
kvm) args+=(-accel kvm) ;;
*) echo "run-guest.sh: HPD_QEMU_ACCEL is tcg or kvm" >&2; exit 2 ;;
esac
# The NIC has the QEMU id hpdnic0, so that a guest script can unplug it and
# plug it back (hpd_nic_unplug / hpd_nic_replug in guest-prep.sh).
case "$nic" in
e1000)
	# i440fx: slots of the root bus are ACPI-hotpluggable.
	args+=(-machine pc)
	nicspec="e1000,id=hpdnic0,netdev=n0,addr=0x4,romfile="
	nicdev=(-device "$nicspec")
	;;
virtio-vfio)
	# vfio-pci needs an IOMMU in the guest (Debian kernels have no
	# CONFIG_VFIO_NOIOMMU); the vIOMMU must come before any PCI device.
	# iommu_platform=on makes the virtio NIC translate its DMA through the
	# vIOMMU, as a real device would. On q35 only devices behind a root port
	# can be hot-unplugged, so the NIC sits behind one (guest address
	# 0000:01:00.0).
	# aw-bits: QEMU's default IOMMU address width is 39 bits, too few for
	# IOVA-as-VA above 512 GiB (hotplugd's --base-virtaddr=0x200000000000
	# is bit 45: DPDK then refuses to start, or the DMA mapping of a
	# hotplugged device fails with EINVAL); server IOMMUs have 48.
	args+=(-machine q35 -device "intel-iommu,caching-mode=on,aw-bits=${HPD_QEMU_IOMMU_AW:-48}")
	append="$append intel_iommu=on"
	nicspec="virtio-net-pci,id=hpdnic0,netdev=n0,bus=hpdrp0,addr=0x0,romfile=,disable-legacy=on,iommu_platform=on"
	nicdev=(-device pcie-root-port,id=hpdrp0,chassis=1,slot=1,addr=0x4 -device "$nicspec")
	;;
esac
echo "HPD_NIC_QEMU_DEVICE=$(q "$nicspec")" >>"$results/.hpd-env"
args+=(-kernel "$boot_kernel" -initrd "$initrd" -append "$append"
	-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap
	-virtfs "local,path=$results,mount_tag=hpdresults,security_model=none,multidevs=remap"
	-nic none -netdev user,id=n0,restrict=on "${nicdev[@]}")

say "guest: kernel $kver, $nic NIC, $mem MiB, $smp vCPU ($accel), timeout ${timeout}s"
say "script(s): ${scripts[*]}"
say "results: $results"
qemu_pid=
tail_pid=
cleanup() {
	if [ -n "$qemu_pid" ] && kill -0 "$qemu_pid" 2>/dev/null; then
		kill -TERM "$qemu_pid" 2>/dev/null || true
		for _ in 1 2 3 4 5 6 7 8 9 10; do
			kill -0 "$qemu_pid" 2>/dev/null || break
			sleep 0.3
		done
		kill -KILL "$qemu_pid" 2>/dev/null || true
		wait "$qemu_pid" 2>/dev/null || true
	fi
	if [ -n "$tail_pid" ]; then kill "$tail_pid" 2>/dev/null || true; fi
	rm -rf "$mondir"
}

# ---------------------------------------------------------------- monitor
# A guest script asks for a QEMU monitor command (hpd_qemu_monitor in
# guest-prep.sh) by writing .monitor/req.ID into the results share; this
# loop runs it over QMP (human-monitor-command) and answers in
# .monitor/resp.ID: a first line "status N", then QEMU's output.
# Only what PCI hotplug tests need is let through: in particular nothing
# that could reach this host (migrate exec:, host devices, tap netdevs).
monitor_allowed() {
	local c=$1
	case "$c" in
	"info "* | "device_del "* | "set_link "* | "netdev_del "*) return 0 ;;
	"device_add "*)
		# An empty romfile= is fine; any other file, host device or
		# backend is not.
		c="${c#device_add },"
		c=${c//,romfile=,/,}
		case "$c" in
		*host=* | *sysfsdev=* | *file=* | *chardev=* | *drive=* | *fd=*) return 1 ;;
		e1000,* | e1000e,* | virtio-net-pci,* | pcie-root-port,*) return 0 ;;
		esac ;;
	"netdev_add user,"*)
		case "$c" in *restrict=on*) return 0 ;; esac ;;
	esac
	return 1
}

qmp_hmp() { # command line -> QEMU's output on stdout; status 1 on error
	python3 - "$qmp_sock" "$1" <<'PY'
import json, socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(30)
s.connect(sys.argv[1])
f = s.makefile("rwb")
def reply():
    while True:
        msg = json.loads(f.readline())
        if "event" not in msg:
            return msg
reply()  # greeting
f.write(b'{"execute":"qmp_capabilities"}\n'); f.flush()
reply()
f.write(json.dumps({"execute": "human-monitor-command",
                    "arguments": {"command-line": sys.argv[2]}}).encode() + b"\n")
f.flush()
r = reply()
if "error" in r:
    print(r["error"].get("desc", r["error"]))
    sys.exit(1)
out = r.get("return", "")
sys.stdout.write(out)
# HMP reports most failures as text, not as a QMP error.
sys.exit(1 if out.lstrip().lower().startswith("error") else 0)
PY
}

serve_monitor() {
	local req id cmd out st
	for req in "$results"/.monitor/req.*; do
		[ -f "$req" ] || continue
		id=${req##*/req.}
		cmd=$(<"$req")
		rm -f "$req"
		if monitor_allowed "$cmd"; then
			st=0
			out=$(qmp_hmp "$cmd" 2>&1) || st=1
		else
			st=2 out="run-guest.sh: monitor command not allowed: $cmd"
		fi
		say "monitor (asked by the guest): $cmd -> status $st"
		printf 'status %s\n%s\n' "$st" "$out" >"$results/.monitor/tmp.$id"
		mv "$results/.monitor/tmp.$id" "$results/.monitor/resp.$id"
	done
}
trap cleanup EXIT
trap 'cleanup; exit 130' INT
trap 'cleanup; exit 143' TERM

start=$(date +%s.%N)
: >"$results/console.log"
# timeout(1) is a backstop for when this script itself is killed with
# SIGKILL and cannot clean up; the loop below enforces --timeout. A TERM to
# timeout(1) is passed on to QEMU.
timeout -k 5 $((timeout + 60)) qemu-system-x86_64 "${args[@]}" \
	</dev/null >"$results/qemu.log" 2>&1 &
qemu_pid=$!
if [ "$verbose" = 1 ]; then
	tail -n +1 -f "$results/console.log" >&2 &
	tail_pid=$!
fi

now_us() { local t=${EPOCHREALTIME/./}; echo "${t#0}"; }
deadline=$(($(now_us) + timeout * 1000000))
timed_out=0
while kill -0 "$qemu_pid" 2>/dev/null; do
	if [ "$(now_us)" -ge "$deadline" ]; then
		timed_out=1
		break
	fi
	serve_monitor
	sleep 0.2
done
if [ "$timed_out" = 1 ]; then
	cleanup
	qemu_pid=
else
	qemu_rc=0
	wait "$qemu_pid" || qemu_rc=$?
	qemu_pid=
fi
if [ -n "$tail_pid" ]; then
	sleep 0.3
	kill "$tail_pid" 2>/dev/null || true
	wait "$tail_pid" 2>/dev/null || true
	tail_pid=
fi
wall=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}')

show_tail() {
	[ "$verbose" = 1 ] && return
	say "last lines of the guest console ($results/console.log):"
	tail -n 40 "$results/console.log" | sed 's/^/  | /' | tee -a "$harness_log" >&2
}

if [ -s "$results/results.jsonl" ]; then
	pass=$(grep -c '"status":"pass"' "$results/results.jsonl" || true)
	fail=$(grep -c '"status":"fail"' "$results/results.jsonl" || true)
	skipn=$(grep -c '"status":"skip"' "$results/results.jsonl" || true)
	# One line per case, then the failures' details and log tails
	# (HPD_QEMU_SUMMARY=0: not here, run-all.sh prints them for all boots).
	if [ "${HPD_QEMU_SUMMARY:-1}" != 0 ]; then
		if ! python3 "$here/summary.py" "$results/results.jsonl" 2>/dev/null | tee -a "$harness_log" >&2; then
			grep '"status":"fail"' "$results/results.jsonl" | while IFS= read -r l; do say "FAILED: $l"; done || true
		fi
	fi
	say "cases: $pass passed, $fail failed, $skipn skipped"
fi
if [ -s "$results/script-status" ]; then
	while read -r sname src ssec; do
		say "script $(basename "$sname"): status $src after ${ssec}s"
	done <"$results/script-status"
fi

if [ "$timed_out" = 1 ]; then
	show_tail
	say "TIMEOUT: the guest ran past ${timeout}s; QEMU killed (wall ${wall}s)"
	exit 124
fi
if [ ! -f "$results/exit-status" ]; then
	show_tail
	if [ -s "$results/qemu.log" ]; then
		while IFS= read -r l; do say "qemu: $l"; done <"$results/qemu.log"
	fi
	say "ERROR: the guest reported no exit status (QEMU exit $qemu_rc, wall ${wall}s)"
	exit 125
fi
rc=$(cat "$results/exit-status")
[[ "$rc" =~ ^[0-9]+$ ]] || rc=125
if [ "$rc" = 0 ]; then
	say "PASS: $script_names on $nic (wall ${wall}s)"
elif [ "$rc" = 77 ]; then
	say "SKIP: $script_names on $nic skipped itself (wall ${wall}s)"
else
	show_tail
	say "FAIL: $script_names on $nic exited with status $rc (wall ${wall}s)"
fi
exit "$rc"
