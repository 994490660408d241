# shellcheck shell=bash
# Guest preparation for the QEMU PCI harness; sourced by guest-run.sh inside
# the guest before the test script. Test scripts may source it again (it is
# idempotent) to get the helper functions; when the harness runs a script,
# the functions are already exported to it.
#
# What it does (only inside the guest: the kernel command line carries
# hpd.guest=1; anywhere else it defines the helpers and changes nothing):
#   - reserves $HPD_HUGEPAGES 2 MiB hugepages and mounts hugetlbfs on
#     /dev/hugepages;
#   - loads the NIC's kernel driver (e1000 / virtio_net) and the userspace
#     I/O drivers (uio_pci_generic; vfio-pci when the guest has an IOMMU);
#   - finds the test NIC (PCI class 0x020000, e1000 8086:100e or virtio-net
#     1af4:1000/1041; never the virtio-9p device that carries the root fs)
#     and exports HPD_PCI_ADDR, HPD_KERNEL_DRIVER, HPD_USER_DRIVER and
#     HPD_DPDK_DRIVER (the PMD name DPDK reports for it).
#
# Helper functions (exported to child bash scripts):
#   hpd_driver_of ADDR          prints the bound driver's name or "none"
#   hpd_bind_user ADDR [DRV]    dpdk-devbind.py -b DRV (default
#                               $HPD_USER_DRIVER); checks the result and
#                               waits for /dev/vfio/<group> or uioN
#   hpd_bind_kernel ADDR [DRV]  dpdk-devbind.py -b DRV (default
#                               $HPD_KERNEL_DRIVER); waits for the netdev
#   hpd_kernel_sees ADDR [SEC]  true when the kernel has a net interface for
#                               ADDR (waits up to SEC s, default 0); prints
#                               its name(s)
#   (HPD_BIND_METHOD=sysfs makes both bind helpers write sysfs directly,
#   driver_override + drivers_probe, instead of running dpdk-devbind.py:
#   same result, seconds faster per bind under TCG.)
#   hpd_result CASE pass|fail|skip [DETAIL]
#                               appends one JSON line to
#                               $HPD_RESULTS/results.jsonl
#   hpd_qemu_monitor CMD [SEC]  has the host run a QEMU monitor command
#                               (allowlisted: info, device_add/del of NICs,
#                               set_link, user netdevs); prints the answer
#   hpd_nic_unplug [ADDR] [SEC] QEMU device_del of the test NIC (id
#                               hpdnic0), waits until ADDR is gone
#   hpd_nic_replug [ADDR] [SEC] device_add of it again, waits for ADDR
#
# Under TCG every fork+exec costs roughly 0.05-0.2 s and a python3 start
# about 1 s, so these helpers use shell builtins wherever they can.

hpd_log() { echo "hpd: $*"; }

hpd_in_guest() {
	local c
	read -r c </proc/cmdline 2>/dev/null || return 1
	[[ " $c " == *" hpd.guest=1 "* ]]
}

# Binds ADDR to DRV by hand through sysfs (driver_override), as
# dpdk-devbind.py does but without its python start and lspci runs, which
# take seconds under TCG. Used when HPD_BIND_METHOD=sysfs.
hpd_bind_sysfs() {
	local addr=$1 drv=$2 dev=/sys/bus/pci/devices/$1
	hpd_in_guest || { echo "hpd_bind_sysfs: refusing outside the QEMU guest" >&2; return 1; }
	[ -d "/sys/bus/pci/drivers/$drv" ] || modprobe "$drv" 2>/dev/null
	if [ -L "$dev/driver" ]; then
		[ "$(hpd_driver_of "$addr")" = "$drv" ] && return 0
		echo "$addr" >"$dev/driver/unbind" || return 1
	fi
	echo "$drv" >"$dev/driver_override" || return 1
	echo "$addr" >/sys/bus/pci/drivers_probe
	# Clear the override so that a later plain probe picks the default driver.
	echo >"$dev/driver_override"
	[ "$(hpd_driver_of "$addr")" = "$drv" ]
}

hpd_devbind() {
	local d
	for d in "${HPD_DEVBIND:-}" /usr/bin/dpdk-devbind.py /usr/sbin/dpdk-devbind.py \
		/usr/local/bin/dpdk-devbind.py; do
		if [ -n "$d" ] && [ -x "$d" ]; then
			"$d" "$@"
			return
		fi
	done
	echo "hpd: dpdk-devbind.py not found (Debian package dpdk)" >&2
	return 127
}

hpd_driver_of() {
	local l=/sys/bus/pci/devices/$1/driver t
	if [ -L "$l" ]; then
		t=$(readlink "$l")
		echo "${t##*/}"
	else
		echo none
	fi
}

# Net interfaces the kernel has for ADDR. A virtio device's netdev hangs
# under its virtio child device (ADDR/virtioN/net/*), not under ADDR/net/*.
hpd_netdevs_of() {
	local n
	for n in /sys/bus/pci/devices/"$1"/net/* /sys/bus/pci/devices/"$1"/virtio*/net/*; do
		[ -e "$n" ] && echo "${n##*/}"
	done
}

hpd_kernel_sees() {
	local addr=$1 wait=${2:-0} i=0 devs
	while :; do
		devs=$(hpd_netdevs_of "$addr")
		if [ -n "$devs" ]; then
			echo "$devs"
			return 0
		fi
		[ "$i" -ge $((wait * 10)) ] && return 1
		sleep 0.1
		i=$((i + 1))
	done
}

# hpd_bind_to CALLER ADDR DRIVER: bind (devbind or sysfs) and check it took
hpd_bind_to() {
	local who=$1 addr=$2 drv=$3 cur
	hpd_in_guest || { echo "$who: refusing outside the QEMU guest" >&2; return 1; }
	[ -e "/sys/bus/pci/devices/$addr" ] || { echo "$who: no PCI device $addr" >&2; return 1; }
	if [ "${HPD_BIND_METHOD:-devbind}" = sysfs ]; then
		hpd_bind_sysfs "$addr" "$drv" || return 1
	else
		hpd_devbind -b "$drv" "$addr" || return 1
	fi
	cur=$(hpd_driver_of "$addr")
	if [ "$cur" != "$drv" ]; then
		echo "$who: $addr is bound to $cur, not $drv" >&2
		return 1
	fi
}

hpd_bind_user() {
	local addr=$1 drv=${2:-$HPD_USER_DRIVER} g i=0
	[ -d "/sys/bus/pci/drivers/$drv" ] || modprobe "$drv" 2>/dev/null
	hpd_bind_to hpd_bind_user "$addr" "$drv" || return 1
	case "$drv" in
	vfio-pci)
		g=$(readlink "/sys/bus/pci/devices/$addr/iommu_group")
		g=${g##*/}
		while [ ! -e "/dev/vfio/$g" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
		[ -e "/dev/vfio/$g" ] || { echo "hpd_bind_user: /dev/vfio/$g missing" >&2; return 1; }
		;;
	uio_pci_generic | igb_uio)
		while ! [ -e "/sys/bus/pci/devices/$addr/uio" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
		[ -e "/sys/bus/pci/devices/$addr/uio" ] || { echo "hpd_bind_user: no uio device for $addr" >&2; return 1; }
		;;
	esac
	return 0
}

hpd_bind_kernel() {
	local addr=$1 drv=${2:-$HPD_KERNEL_DRIVER}
	hpd_bind_to hpd_bind_kernel "$addr" "$drv" || return 1
	hpd_kernel_sees "$addr" 10 >/dev/null || {
		echo "hpd_bind_kernel: no net interface for $addr after binding $drv" >&2
		return 1
	}
}

hpd_json_str() {
	local s=$1
	s=${s//\\/\\\\}
	s=${s//\"/\\\"}
	s=${s//$'\n'/\\n}
	s=${s//$'\t'/\\t}
	s=${s//$'\r'/}
	s=${s//[$'\001'-$'\037']/}
	printf '"%s"' "$s"
}

hpd_result() {
	local case=$1 status=$2 detail=${3:-}
	local out=${HPD_RESULTS:-.}/results.jsonl
	printf '{"case":%s,"status":%s,"nic":%s,"detail":%s}\n' \
		"$(hpd_json_str "$case")" "$(hpd_json_str "$status")" \
		"$(hpd_json_str "${HPD_NIC_KIND:-}")" "$(hpd_json_str "$detail")" >>"$out"
	echo "hpd: [$status] $case${detail:+: $detail}"
}

# Asks the host harness to run a QEMU monitor (HMP) command, e.g.
# "device_del hpdnic0" or "info pci"; prints QEMU's answer. Returns QEMU's
# status (0 ok, 1 error, 2 refused by the harness's allowlist; 124 when no
# answer came within SEC seconds, default 30). The request goes through
# the results share; the harness polls it every 0.2 s.
hpd_qemu_monitor() {
	local cmd=$1 wait=${2:-30} id dir=$HPD_RESULTS/.monitor i=0 st out
	id=$$.$RANDOM.$RANDOM
	[ -d "$dir" ] || { echo "hpd_qemu_monitor: no $dir (not under run-guest.sh?)" >&2; return 2; }
	printf '%s' "$cmd" >"$dir/tmp.$id" && mv "$dir/tmp.$id" "$dir/req.$id" || return 2
	while [ ! -e "$dir/resp.$id" ]; do
		[ $i -ge $((wait * 10)) ] && { echo "hpd_qemu_monitor: no answer to '$cmd'" >&2; return 124; }
		sleep 0.1
		i=$((i + 1))
	done
	{ read -r _ st; out=$(cat); } <"$dir/resp.$id"
	rm -f "$dir/resp.$id"
	[ -n "$out" ] && echo "$out"
	return "${st:-1}"
}

# Surprise-removes the test NIC at the QEMU level (device_del: the guest
# kernel gets an ACPI eject and removes the PCI device, whatever driver or
# process holds it), then waits up to SEC s (default 30) for
# /sys/bus/pci/devices/ADDR to go away.
hpd_nic_unplug() {
	local addr=${1:-$HPD_PCI_ADDR} wait=${2:-30} i=0
	hpd_qemu_monitor "device_del hpdnic0" || return 1
	while [ -e "/sys/bus/pci/devices/$addr" ]; do
		[ $i -ge $((wait * 10)) ] && { echo "hpd_nic_unplug: $addr still present after ${wait}s" >&2; return 1; }
		sleep 0.1
		i=$((i + 1))
	done
}

# Plugs the test NIC back (device_add with the same QEMU options, so the
# same guest PCI address) and waits up to SEC s for it to appear; the
# kernel binds its default driver (e1000 / virtio-pci).
hpd_nic_replug() {
	local addr=${1:-$HPD_PCI_ADDR} wait=${2:-30} i=0
	hpd_qemu_monitor "device_add $HPD_NIC_QEMU_DEVICE" || return 1
	while [ ! -e "/sys/bus/pci/devices/$addr" ]; do
		[ $i -ge $((wait * 10)) ] && { echo "hpd_nic_replug: $addr not back after ${wait}s" >&2; return 1; }
		sleep 0.1
		i=$((i + 1))
	done
}

# Finds the test NIC: PCI class 0x020000 and a known vendor:device.
hpd_find_nic() {
	local kind=$1 d cls ven dev
	for d in /sys/bus/pci/devices/*; do
		[ -e "$d/class" ] || continue
		read -r cls <"$d/class"
		[ "$cls" = 0x020000 ] || continue
		read -r ven <"$d/vendor"
		read -r dev <"$d/device"
		case "$kind:$ven:$dev" in
		e1000:0x8086:0x100e | virtio*:0x1af4:0x1000 | virtio*:0x1af4:0x1041)
			echo "${d##*/}"
			return 0
			;;
		esac
	done
	return 1
}

export -f hpd_log hpd_in_guest hpd_bind_to hpd_bind_sysfs hpd_devbind hpd_driver_of hpd_netdevs_of \
	hpd_kernel_sees hpd_bind_user hpd_bind_kernel hpd_json_str hpd_result hpd_find_nic \
	hpd_qemu_monitor hpd_nic_unplug hpd_nic_replug

# ---------------------------------------------------------------- preparation
# Only once per boot (a script may source this file again for the helpers).
if [ "${HPD_PREPARED:-0}" != 1 ]; then
	if ! hpd_in_guest; then
		echo "guest-prep.sh: not inside the hotplugd QEMU guest (no hpd.guest=1 on the" \
			"kernel command line): defined the helpers only, changed nothing" >&2
	else
		HPD_HUGEPAGES=${HPD_HUGEPAGES:-64}
		hp=/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages
		echo "$HPD_HUGEPAGES" >"$hp"
		read -r got <"$hp"
		hpd_log "hugepages (2 MiB): $got reserved of $HPD_HUGEPAGES asked"
		[ -d /dev/hugepages ] || mkdir -p /dev/hugepages
		mounts=$(</proc/mounts)
		[[ "$mounts" == *" /dev/hugepages hugetlbfs "* ]] ||
			mount -t hugetlbfs -o pagesize=2M nodev /dev/hugepages
		unset hp got mounts

		case "${HPD_NIC_KIND:-}" in
		e1000)
			HPD_KERNEL_DRIVER=e1000 HPD_USER_DRIVER=uio_pci_generic
			HPD_DPDK_DRIVER=net_e1000_em
			mods=(e1000 uio_pci_generic)
			;;
		virtio-vfio)
			HPD_KERNEL_DRIVER=virtio-pci HPD_USER_DRIVER=vfio-pci
			HPD_DPDK_DRIVER=net_virtio
			mods=(virtio_net uio_pci_generic)
			;;
		*)
			echo "guest-prep.sh: unknown HPD_NIC_KIND '${HPD_NIC_KIND:-}'" >&2
			return 1
			;;
		esac
		# vfio-pci is of use only with an IOMMU (Debian kernels have no
		# CONFIG_VFIO_NOIOMMU); the virtio-vfio guest has an emulated one.
		[ -e /sys/kernel/iommu_groups/0 ] && mods+=(vfio-pci)
		modprobe -a "${mods[@]}" || hpd_log "modprobe -a ${mods[*]} failed"
		unset mods

		HPD_PCI_ADDR=$(hpd_find_nic "$HPD_NIC_KIND") || {
			echo "guest-prep.sh: no $HPD_NIC_KIND NIC (PCI class 0x020000) found" >&2
			return 1
		}
		read -r ven <"/sys/bus/pci/devices/$HPD_PCI_ADDR/vendor"
		read -r dev <"/sys/bus/pci/devices/$HPD_PCI_ADDR/device"
		hpd_log "NIC $HPD_PCI_ADDR: $ven:$dev, driver $(hpd_driver_of "$HPD_PCI_ADDR")," \
			"netdev $(hpd_kernel_sees "$HPD_PCI_ADDR" 5)"
		unset ven dev
		export HPD_PCI_ADDR HPD_KERNEL_DRIVER HPD_USER_DRIVER HPD_DPDK_DRIVER HPD_HUGEPAGES
		export HPD_PREPARED=1
	fi
fi
