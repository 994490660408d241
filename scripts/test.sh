#!/usr/bin/env bash
# The whole test suite: unit tests (meson), then the integration tests that
# start real primaries and secondaries with real devices (pytest).
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
builddir=${HOTPLUGD_BUILDDIR:-$top/build}
cd "$top"
rc=0
echo "== unit tests"
meson test -C "$builddir" --suite unit --print-errorlogs || rc=1
echo "== integration tests"
# Debian's python3, which setup.sh gave pytest.
/usr/bin/python3 -m pytest -p no:cacheprovider -q tests/integration "$@" || rc=1
exit $rc
