#!/usr/bin/env bash
# The README's two commands: `scripts/run.sh demo` and `scripts/run.sh test`.
# Both first run the idempotent set-up (packages, hugepages, build).
#
#   scripts/run.sh test [--dpdk PREFIX] [pytest args]
#
# --dpdk PREFIX: build and test against the DPDK installed in PREFIX
# (scripts/dpdk-build.sh makes one) instead of Debian's, in build
# directories of its own; the stages that need Debian's DPDK packages
# (units, qemu) are left out unless HOTPLUGD_STAGES names them.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
case "${1:-}" in
demo) bash "$top/scripts/setup.sh"; exec bash "$top/scripts/demo.sh" ;;
test)
  shift
  if [ "${1:-}" = --dpdk ]; then
    # shellcheck source=scripts/dpdk-env.sh
    . "$top/scripts/dpdk-env.sh"
    prefix=${2:?--dpdk needs a PREFIX}
    shift 2
    dpdk_env "$prefix" || exit 2
    ver=$dpdk_ver
    export HOTPLUGD_BUILDDIR=$top/build-dpdk-$ver HOTPLUGD_TEST_BUILDDIR=$top/build-test-dpdk-$ver
    export HOTPLUGD_STAGES=${HOTPLUGD_STAGES:-unit integration sanitizers}
    echo "run.sh: DPDK $ver from $prefix (builds in $HOTPLUGD_BUILDDIR)"
  fi
  bash "$top/scripts/setup.sh" --test
  exec bash "$top/scripts/test.sh" "$@" ;;
*) echo "usage: $0 demo|test [--dpdk PREFIX] [pytest args]" >&2; exit 2 ;;
esac
