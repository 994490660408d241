#!/usr/bin/env bash
# The main job, end to end: a primary and a secondary, a virtual device
# attached from the secondary, both processes' lists through hpctl, detach,
# stop. Everything it starts is isolated (own file-prefix, runtime dir) and
# removed at the end.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
bin=${HOTPLUGD_BUILDDIR:-$top/build}
rd=$(mktemp -d /tmp/hotplugd-demo.XXXXXX)
prefix=hpdemo$$
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$rd" "/var/run/dpdk/$prefix"
}
trap cleanup EXIT
wait_sock() { for _ in $(seq 300); do [ -S "$1" ] && return 0; sleep 0.05; done; echo "no $1" >&2; exit 1; }
hpctl() { echo "\$ hpctl $*"; "$bin/src/ctl/hpctl" -r "$rd" --file-prefix "$prefix" "$@"; }

# --no-pci: the demo uses virtual devices only, and must never touch the
# host's own PCI devices.
eal=(--no-pci --file-prefix "$prefix" --proc-type=auto --log-level=*:warning)
"$bin/src/daemon/hotplugd" -l 0 "${eal[@]}" -- -r "$rd" -n demo-primary --no-state 2>"$rd/primary.log" &
pids+=($!)
wait_sock "$rd/$prefix/control.sock"
"$bin/src/daemon/hotplugd" -l 1 "${eal[@]}" -- -r "$rd" -n demo-secondary 2>"$rd/secondary.log" &
sec=$!
pids+=($sec)
wait_sock "$rd/$prefix/member.$sec.sock"

hpctl ps
hpctl --pid "$sec" attach net_null0
echo "== primary's list"; hpctl list
echo "== secondary's list"; hpctl --pid "$sec" list
hpctl check
hpctl --pid "$sec" detach net_null0
echo "== after detach"; hpctl list; hpctl --pid "$sec" list
echo "demo: OK"
