#!/usr/bin/env bash
# Idempotent machine set-up for hotplugd on Debian 12 (run as root):
# installs what is missing, reserves hugepages, mounts hugetlbfs, builds.
# Every other script (demo, tests, CI, benchmarks) starts by calling this,
# so a fresh machine and a developer's machine go through the same steps.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
builddir=${HOTPLUGD_BUILDDIR:-$top/build}
# Hugepages to reserve (2 MiB each). DPDK 22.11 allocates memory on demand,
# so this is a ceiling shared by every test group, not a per-process cost.
nr_huge=${HOTPLUGD_HUGEPAGES:-1024}

say() { printf '[setup] %s\n' "$*"; }

[ "$(id -u)" = 0 ] || { echo "setup.sh: must run as root (hugepages, apt)" >&2; exit 1; }

pkgs=(build-essential meson ninja-build pkg-config
      libdpdk-dev dpdk libevent-dev libjansson-dev libsystemd-dev libsmartcols-dev
      iproute2 procps python3 python3-pytest scdoc systemd)
# --test: what the test suite needs besides (fuzzing, completion checks)
for arg in "$@"; do
  case "$arg" in
  # every stage's tools, so that no check can pass or skip for lack of
  # one: strace (SystemCallFilter), capsh (capability sets), man, a per-test
  # timeout, the QEMU guest's host side (tests/qemu/run-guest.sh), zsh
  # (its completion) and the Debian package's build and lint (deb stage)
  --test) pkgs+=(clang libclang-rt-14-dev bash-completion util-linux strace libcap2-bin
                 man-db python3-pytest-timeout qemu-system-x86 linux-image-amd64
                 busybox-static cpio pciutils kmod dpdk-dev
                 zsh debhelper dpkg-dev fakeroot lintian git) ;;
  *) echo "setup.sh: unknown argument $arg" >&2; exit 2 ;;
  esac
done
[ -n "${HOTPLUGD_EXTRA_PKGS:-}" ] && read -ra extra <<<"$HOTPLUGD_EXTRA_PKGS" && pkgs+=("${extra[@]}")
# shellcheck source=scripts/packages.sh
. "$top/scripts/packages.sh"
install_missing setup "${pkgs[@]}"

# Hugepages: DPDK multi-process needs shared hugepage files (--in-memory and
# --no-huge cannot share memory with secondaries).
hp=/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages
if [ "$(cat $hp)" -lt "$nr_huge" ]; then
  say "reserving $nr_huge hugepages of 2 MiB"
  echo "$nr_huge" > $hp
fi
if ! grep -q '^[^ ]* /dev/hugepages hugetlbfs' /proc/mounts; then
  mkdir -p /dev/hugepages
  mount -t hugetlbfs -o pagesize=2M nodev /dev/hugepages
fi

# The group that may read (and, per policy, operate) the control sockets.
getent group hotplugd >/dev/null || groupadd --system hotplugd
getent group hotplugd-admin >/dev/null || groupadd --system hotplugd-admin

if [ ! -f "$builddir/build.ninja" ]; then
  say "configuring $builddir"
  meson setup "$builddir" "$top" ${HOTPLUGD_MESON_ARGS:-} >/dev/null
fi
say "building"
ninja -C "$builddir" >/dev/null
say "ready: $builddir"
