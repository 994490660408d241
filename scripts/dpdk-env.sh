# shellcheck shell=bash
# Sourced by run.sh and dpdk-matrix.sh: select the DPDK installed in a
# prefix (scripts/dpdk-build.sh makes one) for meson, pkg-config and the
# processes the tests start.
#
#   dpdk_env PREFIX   exports PKG_CONFIG_PATH, LD_LIBRARY_PATH and sets
#                     dpdk_ver (libdpdk's version) and dpdk_libdir
dpdk_env() {
  local prefix pc
  prefix=$(cd "${1:?dpdk_env needs a PREFIX}" && pwd) || return 2
  pc=$(find "$prefix" -name libdpdk.pc -path '*pkgconfig*' -printf '%h\n' -quit)
  [ -n "$pc" ] || { echo "no libdpdk.pc under $prefix" >&2; return 2; }
  export PKG_CONFIG_PATH=$pc
  dpdk_ver=$(pkg-config --modversion libdpdk)
  dpdk_libdir=$(pkg-config --variable=libdir libdpdk)
  export LD_LIBRARY_PATH=$dpdk_libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
}
