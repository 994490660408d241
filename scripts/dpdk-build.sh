#!/usr/bin/env bash
# Build a minimal DPDK from a source tree into a prefix, for running
# hotplugd's suite against another DPDK release than Debian's:
#
#   scripts/dpdk-build.sh SRC_DIR [PREFIX]
#   scripts/run.sh test --dpdk PREFIX [pytest args]
#
# SRC_DIR is a DPDK release tree (e.g. a `git archive v24.11` of DPDK's
# public repository, never committed here). PREFIX defaults to
# /opt/dpdk/<version>: DPDK >= 24.11 refuses to load drivers from a
# world-writable path such as /tmp, so the prefix is made root-owned 0755.
# Only the drivers and libraries hotplugd and its tests use are built: the
# PCI and vdev buses, the ring mempool, and the net drivers the tests
# attach (null, ring, memif, af_packet, vhost, virtio, tap, bonding, pcap,
# e1000) or show refused (failsafe, crypto null). Prints the prefix on its
# last line.
set -euo pipefail
src=${1:?usage: $0 SRC_DIR [PREFIX]}
src=$(cd "$src" && pwd)
[ -f "$src/VERSION" ] || { echo "dpdk-build.sh: $src is not a DPDK source tree" >&2; exit 2; }
version=$(cat "$src/VERSION")
prefix=${2:-/opt/dpdk/$version}
build=${DPDK_BUILDDIR:-$src/build-hotplugd}
say() { printf '[dpdk-build] %s\n' "$*"; }
# Debian's python3 first: python3-pyelftools is installed for it, not for
# another python3 that may come first on PATH
export PATH=/usr/bin:/bin:/usr/sbin:/sbin:$PATH

[ "$(id -u)" = 0 ] || { echo "dpdk-build.sh: run as root (packages, $prefix)" >&2; exit 1; }
# shellcheck source=scripts/packages.sh
. "$(dirname "$0")/packages.sh"
install_missing dpdk-build build-essential meson ninja-build pkg-config python3-pyelftools \
  libnuma-dev libpcap-dev

drivers=bus/pci,bus/vdev,mempool/ring,net/null,net/ring,net/memif,net/af_packet,net/vhost
# and the ones the policy tests name to show they are refused
drivers+=,net/virtio,net/tap,net/bonding,net/pcap,net/e1000,net/failsafe,crypto/null
reconf=() opts=()
[ -f "$build/build.ninja" ] && reconf=(--reconfigure)
# options some releases have and others do not (25.11 dropped enable_kmods)
grep -q "option('enable_kmods'" "$src/meson_options.txt" && opts+=(-Denable_kmods=false)
say "configuring DPDK $version in $build (prefix $prefix)"
meson setup "${reconf[@]}" "$build" "$src" --prefix "$prefix" --buildtype=release \
  -Denable_drivers="$drivers" -Ddisable_apps='*' -Dtests=false -Denable_docs=false \
  -Dexamples= "${opts[@]}" >"$build.log" 2>&1 ||
  { tail -20 "$build.log" >&2; exit 1; }
say "building (this takes a while on 2 cores)"
ninja -C "$build" >"$build.log" 2>&1 || { tail -30 "$build.log" >&2; exit 1; }
mkdir -p "$prefix"
ninja -C "$build" install >>"$build.log" 2>&1 || { tail -20 "$build.log" >&2; exit 1; }
# not world-writable, all the way up: DPDK checks the drivers' directory
chown -R root:root "$prefix"
chmod -R go-w "$prefix"
say "installed DPDK $version"
echo "$prefix"
