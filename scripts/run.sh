#!/usr/bin/env bash
# The README's two commands: `scripts/run.sh demo` and `scripts/run.sh test`.
# Both first run the idempotent set-up (packages, hugepages, build).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
case "${1:-}" in
demo) bash "$top/scripts/setup.sh"; exec bash "$top/scripts/demo.sh" ;;
test) shift; bash "$top/scripts/setup.sh" --test; exec bash "$top/scripts/test.sh" "$@" ;;
*) echo "usage: $0 demo|test [pytest args]" >&2; exit 2 ;;
esac
