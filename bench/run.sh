#!/usr/bin/env bash
# The benchmark command: set-up (with matplotlib for the plot), build, run.
#   bench/run.sh [--quick]
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
HOTPLUGD_EXTRA_PKGS="python3-matplotlib ${HOTPLUGD_EXTRA_PKGS:-}" bash "$top/scripts/setup.sh"
exec /usr/bin/python3 "$top/bench/run.py" "$@"
