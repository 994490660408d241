#!/usr/bin/env bash
# Build the libFuzzer targets with clang and run each for a while.
#
#   tests/fuzz/run.sh [SECONDS] [TARGET...]
#
# SECONDS per target (default 60); TARGETs are names like "request" (default:
# every tests/fuzz/fuzz_<name>.c). Independent of meson: the targets are
# compiled straight from src/common into $HOTPLUGD_BUILDDIR/fuzz (default
# build/fuzz), so CI can call this without reconfiguring anything.
#
# Each target fuzzes a scratch copy of tests/fuzz/corpus/<name>/ (the seeds
# in the repository are never modified), with tests/fuzz/<name>.dict when it
# exists. Any crash-, leak-, timeout- or oom- artifact fails the target; the
# artifacts are kept in <builddir>/fuzz/<name>/artifacts/ and the full log in
# <builddir>/fuzz/<name>/log. The last line is "N passed, N failed".
#
# Environment: FUZZ_CC (default clang), HPD_FUZZ_ALLOW (tags of known bugs
# whose invariants are not enforced, see fuzz_common.h), FUZZ_ARGS (extra
# libFuzzer flags, e.g. "-jobs=4" or "-seed=1").
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
here=$top/tests/fuzz
builddir=${HOTPLUGD_BUILDDIR:-$top/build}
out=$builddir/fuzz
cc=${FUZZ_CC:-clang}
secs=${1:-60}
shift $(( $# > 0 ? 1 : 0 ))

# Everything a target may exercise; pure code only (no DPDK, no libevent).
# A new pure source under test goes here and in meson.build's common list.
common_srcs=(jsonrpc.c errname.c devargs.c policy.c portconf.c)
# Targets that hold the pure code to DPDK's own parser: they also build the
# daemon's DPDK-side sources named here and link DPDK (no EAL is started).
dpdk_targets=(differential)
dpdk_srcs=(devspec.c eal_log.c)
# eal_log.c reads errno names through the member library's local.c
dpdk_member_srcs=(local.c)

case $secs in
  ''|*[!0-9]*) echo "usage: $0 [SECONDS] [TARGET...]" >&2; exit 2 ;;
esac
if ! command -v "$cc" >/dev/null; then
  echo "$cc not found: apt-get install clang libclang-rt-dev (or set FUZZ_CC)" >&2
  exit 2
fi

if [ $# -gt 0 ]; then
  targets=("$@")
else
  targets=()
  for f in "$here"/fuzz_*.c; do
    n=${f##*/fuzz_}
    targets+=("${n%.c}")
  done
fi

jansson_flags=$(pkg-config --cflags --libs jansson 2>/dev/null || echo -ljansson)
cflags=(-g -O1 -fno-omit-frame-pointer -std=gnu11 -D_GNU_SOURCE
  "-fsanitize=fuzzer,address,undefined" -fno-sanitize-recover=undefined
  -Wall -Wextra -Wno-unused-parameter -I"$top/src/common")
srcs=()
for s in "${common_srcs[@]}"; do srcs+=("$top/src/common/$s"); done

# fuzz_control drives the daemon's own control socket and API (front/,
# api/, core/events.c), linked as they are, with only the layers below the
# API stubbed (daemon_stubs.c): DPDK headers, no DPDK library.
daemon_srcs=(front/control.c front/climits.c api/api.c api/api-discover.c api/api-hotplug.c
  api/api-list.c api/api-methods.c api/api-port.c api/api-configure.c
  api/api-ps.c api/api-stats.c api/api-status.c api/api-subscribe.c
  api/api-claim.c api/api-queues.c core/events.c
  core/hotplugd.c core/stuck.c core/journal.c)
daemon_cflags=(-DHPD_VERSION='"fuzz"')
for l in front api group dpdk core; do daemon_cflags+=(-I"$top/src/daemon/$l"); done
daemon_cflags+=(-I"$top/src/member" $(pkg-config --cflags libdpdk libevent libsystemd 2>/dev/null))
daemon_libs=$(pkg-config --libs libevent libsystemd 2>/dev/null || echo -levent -lsystemd)

mkdir -p "$out"
passed=0
failed=0
for t in "${targets[@]}"; do
  name=fuzz_$t
  dir=$out/$t
  rm -rf "$dir"
  mkdir -p "$dir/corpus" "$dir/artifacts" "$dir/tmp"
  extra=() extra_libs=""
  if [ "$t" = control ]; then
    # rpc.discover's document, built in as meson does
    python3 "$top/src/daemon/api/embed-openrpc.py" "$top/src/daemon/api/openrpc.json" \
      "$dir/openrpc.c"
    extra=("${daemon_cflags[@]}" "$here/daemon_stubs.c" "$top/src/common/log.c"
      "$top/src/common/paths.c" "$dir/openrpc.c")
    for f in "${daemon_srcs[@]}"; do extra+=("$top/src/daemon/$f"); done
    extra_libs=$daemon_libs
  elif [[ " ${dpdk_targets[*]} " == *" $t "* ]]; then
    pmd_dir=$(ls -d "$(pkg-config --variable=libdir libdpdk)"/dpdk/pmds-* 2>/dev/null | head -1)
    # shellcheck disable=SC2207 # pkg-config prints a word list
    extra=(-I"$top/src/daemon/dpdk" -I"$top/src/member" -I"$top/src/daemon/core" -DHPD_PMD_DIR="\"$pmd_dir\"" $(pkg-config --cflags libdpdk))
    for f in "${dpdk_srcs[@]}"; do extra+=("$top/src/daemon/dpdk/$f"); done
    for f in "${dpdk_member_srcs[@]}"; do extra+=("$top/src/member/$f"); done
    # devspec.c's rte_devargs_reset: experimental in 22.11 only (meson.build)
    pkg-config --atleast-version=23.11 libdpdk || extra+=(-DALLOW_EXPERIMENTAL_API)
    # shellcheck disable=SC2207
    extra_libs="$(pkg-config --libs libdpdk) -L$(pkg-config --variable=libdir libdpdk) -lrte_bus_vdev -ldl"
  fi
  # shellcheck disable=SC2086 # jansson_flags and extra_libs are word lists
  if ! "$cc" "${cflags[@]}" "$here/$name.c" "${srcs[@]}" "${extra[@]}" $jansson_flags \
       $extra_libs -o "$out/$name" >"$dir/build.log" 2>&1; then
    echo "$name: build failed:"
    sed 's/^/  /' "$dir/build.log" | head -20
    failed=$((failed + 1))
    continue
  fi
  if [ -d "$here/corpus/$t" ]; then
    cp -R "$here/corpus/$t/." "$dir/corpus/"
  fi
  args=(-max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -detect_leaks=1
    -print_final_stats=1 -artifact_prefix="$dir/artifacts/")
  [ -f "$here/$t.dict" ] && args+=(-dict="$here/$t.dict")
  # per-target libFuzzer flags (e.g. a larger -max_len to pass the 64 KiB line limit)
  [ -f "$here/$t.options" ] && read -ra opts <"$here/$t.options" && args+=("${opts[@]}")
  start=$(date +%s)
  # shellcheck disable=SC2086 # FUZZ_ARGS is a word list
  # a target's scratch files stay in its own directory (TMPDIR), not /tmp
  TMPDIR=$dir/tmp \
  ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:symbolize=1} \
  UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
    "$out/$name" "${args[@]}" ${FUZZ_ARGS:-} "$dir/corpus" >"$dir/log" 2>&1
  rc=$?
  elapsed=$(( $(date +%s) - start ))
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/log" | tail -1)
  # -jobs/-workers write the stats to fuzz-N.log files instead
  if [ -z "$execs" ] && ls "$dir"/fuzz-*.log >/dev/null 2>&1; then
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir"/fuzz-*.log |
      awk '{ s += $1 } END { print s + 0 }')
  fi
  artifacts=()
  for a in "$dir"/artifacts/{crash,leak,timeout,oom}-*; do
    [ -e "$a" ] && artifacts+=("$a")
  done
  echo "$name: ${execs:-0} executions in $elapsed s, ${#artifacts[@]} crashes"
  if [ ${#artifacts[@]} -eq 0 ] && [ $rc -eq 0 ]; then
    passed=$((passed + 1))
    continue
  fi
  failed=$((failed + 1))
  [ ${#artifacts[@]} -eq 0 ] && echo "  libFuzzer exited with $rc (see $dir/log)"
  # What failed, where, and on which input: enough to file the bug.
  grep -m3 -E 'fuzz invariant violated|ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:|SUMMARY:' \
    "$dir/log" | sed 's/^/  /'
  for a in "${artifacts[@]}"; do
    echo "  artifact: $a"
    echo "  hex: $(od -An -v -tx1 "$a" | tr -d ' \n' | cut -c1-400)"
  done
  echo "  log: $dir/log"
done
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
