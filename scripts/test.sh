#!/usr/bin/env bash
# The whole test suite, stage by stage; every stage runs even if one fails.
#   unit         pure logic (meson test --suite unit)
#   integration  real primaries and secondaries with real devices (pytest),
#                on the release build
#   sanitizers   the same suite on the test build: ASan + UBSan and the
#                fault-injection hooks (never in a release build); every
#                process's log is checked for sanitizer reports
#   units        systemd units, man pages, completion, readiness, sandbox
#   fuzz         libFuzzer on the request decoder, devargs and policy, and
#                the policy against DPDK's own devargs parser (differential)
#                ($HOTPLUGD_FUZZ_SECONDS each, default 30)
#   qemu         the test plan's physical (PCI) cases in a QEMU guest
# Extra arguments go to pytest (e.g. -k vhost). HOTPLUGD_STAGES limits the
# stages run (space separated).
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
builddir=${HOTPLUGD_BUILDDIR:-$top/build}
testdir=${HOTPLUGD_TEST_BUILDDIR:-$top/build-test}
stages=${HOTPLUGD_STAGES:-unit integration sanitizers units fuzz qemu}
cd "$top"

if [ ! -f "$testdir/build.ninja" ]; then
  meson setup "$testdir" "$top" -Dfault_hooks=true -Db_sanitize=address,undefined \
    -Db_lundef=false >/dev/null
fi
ninja -C "$testdir" >/dev/null || exit 1

pytest_run() { # BUILDDIR [pytest args]
  local dir=$1; shift
  HOTPLUGD_BUILDDIR=$dir \
  LSAN_OPTIONS="suppressions=$top/tests/lsan.supp:print_suppressions=0" \
  UBSAN_OPTIONS=print_stacktrace=1 \
    /usr/bin/python3 -m pytest -p no:cacheprovider -q tests/integration "$@"
}

passed=0 failed=0 skipped=0
run_stage() { # NAME COMMAND...
  local name=$1 rc; shift
  echo "== $name"
  "$@"
  rc=$?
  if [ $rc = 0 ]; then passed=$((passed + 1));
  elif [ $rc = 77 ]; then skipped=$((skipped + 1)); echo "== $name: skipped";
  else failed=$((failed + 1)); echo "== $name: FAILED ($rc)"; fi
}

for st in $stages; do
  case $st in
  unit) run_stage unit meson test -C "$builddir" --suite unit --print-errorlogs ;;
  integration) run_stage integration pytest_run "$builddir" "$@" ;;
  sanitizers) run_stage sanitizers pytest_run "$testdir" "$@" ;;
  units) run_stage units env HOTPLUGD_BUILDDIR="$builddir" bash tests/units/test_units.sh ;;
  fuzz) run_stage fuzz bash tests/fuzz/run.sh "${HOTPLUGD_FUZZ_SECONDS:-30}" ;;
  qemu)
    if [ -x tests/qemu/run-all.sh ]; then run_stage qemu bash tests/qemu/run-all.sh
    else echo "== qemu: skipped (no tests/qemu/run-all.sh)"; skipped=$((skipped + 1)); fi ;;
  *) echo "test.sh: unknown stage $st" >&2; failed=$((failed + 1)) ;;
  esac
done
echo "stages: $passed passed, $failed failed, $skipped skipped"
[ $failed = 0 ]
