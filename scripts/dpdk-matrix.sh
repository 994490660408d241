#!/usr/bin/env bash
# The README's DPDK version matrix, measured. For Debian's DPDK and every
# prefix under /opt/dpdk (scripts/dpdk-build.sh makes them): build hotplugd
# afresh with -Dwerror=true (the release build and the test build), check
# that what it built links only that DPDK's libraries, run the stages, and
# write one row per DPDK into README.md between the dpdk-matrix markers.
#
#   scripts/dpdk-matrix.sh [debian|PREFIX ...]
#   scripts/dpdk-matrix.sh --rows FILE   (the rows another run printed, again)
#
# Without arguments: Debian's and every /opt/dpdk/*. With some, only their
# rows are measured again; the other rows stay as they were.
# MATRIX_STAGES (default "unit integration sanitizers") picks the stages; a
# stage left out reads "not run". One DPDK's stages run back to back under
# the suite's lock (/tmp/hpd-suite.lock), as scripts/test.sh would; the
# builds run outside it. Logs: build-matrix/<dpdk>-{build,unit,integration,sanitizers}.log.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/dpdk-env.sh
. "$top/scripts/dpdk-env.sh"
stages=${MATRIX_STAGES:-unit integration sanitizers}
lock=/tmp/hpd-suite.lock
logs=$top/build-matrix
readme=$top/README.md
begin='<!-- dpdk-matrix:begin -->'
end='<!-- dpdk-matrix:end -->'
say() { printf '[dpdk-matrix] %s\n' "$*" >&2; }

[ "$(id -u)" = 0 ] || { echo "dpdk-matrix.sh: run as root (as the test suite)" >&2; exit 1; }
grep -qx -- "$begin" "$readme" && grep -qx -- "$end" "$readme" ||
  { echo "dpdk-matrix.sh: README.md has no $begin/$end markers" >&2; exit 2; }
# Put ROWS (lines of the table) into README.md: each replaces the row of
# the same DPDK; the rows of DPDKs not in ROWS stay.
write_rows() { # ROWS
  local old table first row
  old=$(sed -n "/^$begin\$/,/^$end\$/p" "$readme" | grep -E '^\| [0-9]')
  table=$( {
    echo "$1"
    echo "$old" | while IFS= read -r row; do
      [ -n "$row" ] || continue
      first=${row#| } first=${first%% |*}
      grep -qF -- "| $first |" <<<"$1" || echo "$row"
    done
  } | grep -v '^$' | sort -t'|' -k2,2V)
  {
    sed "/^$begin\$/q" "$readme"
    echo '| DPDK | build (`-Dwerror=true`) | unit | integration | sanitizers | date |'
    echo '|---|---|---|---|---|---|'
    echo "$table"
    sed -n "/^$end\$/,\$p" "$readme"
  } >"$readme.new" && mv "$readme.new" "$readme"
}

if [ "${1:-}" = --rows ]; then # rows a run printed (its last lines), merged again
  write_rows "$(grep -E '^\| [0-9]' "${2:?--rows needs a FILE}")"
  exit
fi
targets=("$@")
if [ ${#targets[@]} = 0 ]; then
  targets=(debian)
  for p in /opt/dpdk/*/; do [ -d "$p" ] && targets+=("${p%/}"); done
fi
mkdir -p "$logs"
# the machine's set-up once (packages, hugepages), as run.sh test does
bash "$top/scripts/setup.sh" --test >"$logs/setup.log" 2>&1 ||
  { tail -20 "$logs/setup.log" >&2; exit 1; }

# Every librte_* that FILE's loader resolves outside LIBDIR (or unresolved),
# both sides without symbolic links (Debian's /lib is /usr/lib).
foreign_libs() { # FILE LIBDIR
  local lib path dir
  dir=$(readlink -f "$2")
  ldd "$1" | awk '$1 ~ /^librte_/ {print $1, $3}' | while read -r lib path; do
    case $(readlink -f "$path") in "$dir"/*) ;; *) echo "$lib => $path" ;; esac
  done
}

# A pytest stage's result in the table's words: its summary line without
# the time ("261 passed, 22 skipped"), and why the stage failed if the
# tests did not say (leftovers, a build, a deadline).
stage_cell() { # LOG RC
  local sum why
  sum=$(grep -E '^=*\s*[0-9]+ (passed|failed|error)' "$1" | tail -1 |
        sed -E 's/^=* *//; s/ in [0-9.]+s.*//; s/ *=*$//')
  if [ "$2" = 0 ]; then echo "${sum:-passed}"; return; fi
  why=$(grep -E '^== [a-z]+: FAILED' "$1" | sed -E 's/^== //' | paste -sd ';' -)
  echo "**FAILED**: ${sum:-no tests ran}${why:+ ($why)}"
}

unit_cell() { # LOG RC
  local ok fail
  ok=$(sed -nE 's/^Ok: +([0-9]+).*/\1/p' "$1" | tail -1)
  fail=$(sed -nE 's/^Fail: +([0-9]+).*/\1/p' "$1" | tail -1)
  if [ "$2" = 0 ]; then echo "${ok:-0}/$((${ok:-0} + ${fail:-0}))"
  else echo "**FAILED**: ${fail:-?} of $((${ok:-0} + ${fail:-0}))"; fi
}

# One row: | DPDK | build | unit | integration | sanitizers | date |
measure() { # debian|PREFIX
  local label key libdir bdir tdir blog warn bad build st rc cell
  local -A cells=([unit]="not run" [integration]="not run" [sanitizers]="not run")
  if [ "$1" = debian ]; then
    unset PKG_CONFIG_PATH
    dpdk_ver=$(pkg-config --modversion libdpdk) || return 1
    libdir=$(pkg-config --variable=libdir libdpdk)
    label="$dpdk_ver (Debian 12 package)" key=debian-$dpdk_ver
  else
    dpdk_env "$1" || return 1
    libdir=$dpdk_libdir label=$dpdk_ver key=$dpdk_ver
  fi
  bdir=$top/build-matrix-$key tdir=$top/build-test-matrix-$key blog=$logs/$key-build.log
  say "DPDK $label: building (-Dwerror=true) in $bdir and $tdir"
  rm -rf "$bdir" "$tdir"
  {
    meson setup "$bdir" "$top" -Dwerror=true && nice ninja -C "$bdir" &&
    meson setup "$tdir" "$top" -Dwerror=true -Dfault_hooks=true \
      -Db_sanitize=address,undefined -Db_lundef=false && nice ninja -C "$tdir"
  } >"$blog" 2>&1
  rc=$?
  warn=$(grep -c -- '\[-W' "$blog")
  if [ $rc != 0 ]; then
    build="**failed** ($warn warnings, $(basename "$blog"))"
  else
    build=clean
    [ "$warn" = 0 ] || build="$warn warnings"
    bad=$(for f in "$bdir/src/daemon/hotplugd" "$bdir/src/member/libhotplugd-member.so" \
                   "$bdir/examples/hpd_fwd" "$tdir/src/daemon/hotplugd"; do
            foreign_libs "$f" "$libdir"; done | sort -u)
    if [ -n "$bad" ]; then
      build="**links another DPDK**: $(echo "$bad" | head -2 | paste -sd ' ' -)"
      printf 'libraries from outside %s:\n%s\n' "$libdir" "$bad" >>"$blog"
    fi
  fi
  say "DPDK $label: build $build"
  if [ $rc = 0 ]; then
    say "DPDK $label: waiting for $lock"
    # one DPDK's stages back to back, holding the lock only while they run
    {
      flock 9
      for st in $stages; do
        say "DPDK $label: $st"
        HOTPLUGD_STAGES="$st" HOTPLUGD_BUILDDIR="$bdir" HOTPLUGD_TEST_BUILDDIR="$tdir" \
          bash "$top/scripts/test.sh" >"$logs/$key-$st.log" 2>&1 9>&-
        rc=$?
        if [ "$st" = unit ]; then cell=$(unit_cell "$logs/$key-$st.log" $rc)
        else cell=$(stage_cell "$logs/$key-$st.log" $rc); fi
        cells[$st]=$cell
        say "DPDK $label: $st: $cell"
      done
    } 9>>"$lock"
  fi
  printf '| %s | %s | %s | %s | %s | %s |\n' "$label" "$build" "${cells[unit]}" \
    "${cells[integration]}" "${cells[sanitizers]}" "$(date -u +%F)"
}

for t in "${targets[@]}"; do
  # each row as soon as it is measured: a run cut short keeps what it did
  row=$( (measure "$t") ) || { say "$t: cannot select that DPDK"; continue; }
  write_rows "$row"
  echo "$row"
done
