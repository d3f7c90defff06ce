#!/usr/bin/env bash
# Cold start to first frame: runs the release app N times under Xvfb (software GL) with
# LAKESIGHT_EXIT_AFTER=first-frame, and prints what the app measured (process start to the first
# frame on screen), then the same to the first query result of the live demo.
#   scripts/cold_start.sh [RUNS]        needs: cargo build --release; apt-get install -y xvfb
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-10}"
profile=release
source scripts/xvfb_env.sh
# A fresh, throwaway app state: what a first start sees, and the user's own tabs stay untouched.
export XDG_DATA_HOME="$(mktemp -d)"
xvfb-run -a -s "-screen 0 1400x900x24" bash -c '
  bin="$0"; runs="$1"
  for probe in first-frame first-result; do
    for _ in $(seq "$runs"); do
      LAKESIGHT_EXIT_AFTER=$probe "$bin" 2>/dev/null | grep -F "${probe/-/ }:" | awk "{ print \$3 }"
    done | sort -n | awk -v what="$probe" "{ v[NR] = \$1 } END {
      printf \"%-13s %d runs: median %d ms, min %d ms, max %d ms\n\", what, NR, v[int((NR + 1) / 2)], v[1], v[NR] }"
  done
' "$bin" "$runs"
