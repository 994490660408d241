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
#   deb          the Debian package: built from a clean clone of HEAD,
#                lintian, installed, the units test on the installed files,
#                the example against the -dev package, purged leaving
#                nothing behind (tests/deb/test_deb.sh)
# Extra arguments go to pytest (e.g. -k vhost). HOTPLUGD_STAGES limits the
# stages run (space separated).
#
# A stage that cannot run (exit 77: a tool or the guest missing) is a skip
# here, counted and printed; with CI=true it is a failure, so CI is never
# green by not running something. Every stage has a deadline (timeout(1)),
# every pytest test one of its own (pytest-timeout, $HOTPLUGD_TEST_TIMEOUT
# seconds), so a hang is a failure with a stack, not a stuck CI. At the end
# the run checks it left nothing behind: processes, DPDK runtime
# directories, hugepage files, network namespaces, temporary directories.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
builddir=${HOTPLUGD_BUILDDIR:-$top/build}
testdir=${HOTPLUGD_TEST_BUILDDIR:-$top/build-test}
stages=${HOTPLUGD_STAGES:-unit integration sanitizers units fuzz qemu deb}
test_timeout=${HOTPLUGD_TEST_TIMEOUT:-300}
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
    /usr/bin/python3 -m pytest -p no:cacheprovider -q -rfEs --timeout "$test_timeout" \
    tests/integration "$@"
}

export -f pytest_run
export top test_timeout

# What a test run may leave behind, one line per thing (see the end).
leftovers() {
  ps -eo pid=,comm= | awk '$2 ~ /^(hotplugd|hpctl|dpdk-hotplug_m|hpd_fwd|qemu-system-x86)$/ {print "process " $1 " " $2}'
  ls -d /var/run/dpdk/hpt* 2>/dev/null | sed 's/^/dpdk-runtime /'
  ls /dev/hugepages 2>/dev/null | grep '^hpt' | sed 's/^/hugepage-file /'
  ip netns list 2>/dev/null | awk '$1 ~ /^hpt/ {print "netns " $1}'
  ls -d /tmp/hpt-* /tmp/hpd-* 2>/dev/null | sed 's/^/tmp /'
}
before=$(leftovers | sort)

passed=0 failed=0 skipped=0
declare -A budget=([unit]=300 [integration]=900 [sanitizers]=1500 [units]=900 [fuzz]=900 [qemu]=1800 [deb]=600)
run_stage() { # NAME COMMAND...
  local name=$1 rc; shift
  echo "== $name"
  # a child bash, so that the stage may be one of the functions above
  timeout --kill-after=30 "${budget[$name]}" bash -c '"$@"' stage "$@"
  rc=$?
  if [ $rc = 0 ]; then passed=$((passed + 1));
  elif [ $rc = 77 ] && [ "${CI:-}" != true ]; then
    skipped=$((skipped + 1)); echo "== $name: skipped"
  elif [ $rc = 77 ]; then
    failed=$((failed + 1)); echo "== $name: FAILED (could not run, and CI=true: a skip is a failure)"
  elif [ $rc = 124 ] || [ $rc = 137 ]; then
    failed=$((failed + 1)); echo "== $name: FAILED (over its ${budget[$name]} s deadline)"
  else failed=$((failed + 1)); echo "== $name: FAILED ($rc)"; fi
}

for st in $stages; do
  case $st in
  unit) run_stage unit meson test -C "$builddir" --suite unit --print-errorlogs ;;
  integration) run_stage integration pytest_run "$builddir" "$@" ;;
  sanitizers) run_stage sanitizers pytest_run "$testdir" "$@" ;;
  units) run_stage units env HOTPLUGD_BUILDDIR="$builddir" bash tests/units/test_units.sh ;;
  fuzz) run_stage fuzz bash tests/fuzz/run.sh "${HOTPLUGD_FUZZ_SECONDS:-30}" ;;
  qemu) run_stage qemu bash tests/qemu/run-all.sh ;;
  deb) run_stage deb bash tests/deb/test_deb.sh ;;
  *) echo "test.sh: unknown stage $st" >&2; failed=$((failed + 1)) ;;
  esac
done

left=$(comm -13 <(echo "$before") <(leftovers | sort))
if [ -n "$left" ]; then
  echo "== leftovers: FAILED (the run left these behind)"
  echo "$left" | sed 's/^/  /'
  failed=$((failed + 1))
fi
echo "stages: $passed passed, $failed failed, $skipped skipped"
[ $failed = 0 ]
