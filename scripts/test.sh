#!/usr/bin/env bash
# The whole test suite: unit tests (meson), then the integration tests that
# start real primaries and secondaries with real devices (pytest).
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
builddir=${HOTPLUGD_BUILDDIR:-$top/build}
cd "$top"
# The integration tests run against a test build: the release build plus
# the fault-injection hooks (-Dfault_hooks=true), which a release never has.
testdir=${HOTPLUGD_TEST_BUILDDIR:-$top/build-test}
if [ ! -f "$testdir/build.ninja" ]; then
  meson setup "$testdir" "$top" -Dfault_hooks=true ${HOTPLUGD_TEST_MESON_ARGS:-} >/dev/null
fi
ninja -C "$testdir" >/dev/null
rc=0
echo "== unit tests"
meson test -C "$builddir" --suite unit --print-errorlogs || rc=1
echo "== integration tests"
# Debian's python3, which setup.sh gave pytest.
HOTPLUGD_BUILDDIR=$testdir /usr/bin/python3 -m pytest -p no:cacheprovider -q \
  tests/integration "$@" || rc=1
exit $rc
