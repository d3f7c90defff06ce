#!/usr/bin/env bash
# The window's CPU use while a live dashboard (refresh = "new-data", nothing landing) is open:
# scripts/idle_cpu.sh [SECONDS]. Runs the release build under Xvfb on a copy of the sample lake,
# waits for the first load, then reads the process's CPU time (user + system, /proc) over SECONDS.
# Needs: apt-get install -y xvfb (GL comes from Mesa's llvmpipe).
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-60}"
profile="${LAKESIGHT_PROFILE:-release}"
source scripts/xvfb_env.sh
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# Modification times kept: nothing has landed for as long as the checkout is old.
cp -rp sample-data "$work/lake"
sed "s/^refresh = .*/refresh = \"${LAKESIGHT_REFRESH:-new-data}\"/" dashboards/app-health.toml > "$work/live.toml"
export XDG_DATA_HOME="$work/data" LAKESIGHT_CACHE_DIR="$work/cache"
xvfb-run -a -s "-screen 0 1400x900x24" bash -c '
  "$0" open "$1/live.toml" --source "$1/lake" &
  app=$!
  sleep 30
  ticks=$(getconf CLK_TCK)
  cpu() { awk "{ print \$14 + \$15 }" /proc/$app/stat; }
  before=$(cpu); sleep "$2"; after=$(cpu)
  kill $app
  awk -v b="$before" -v a="$after" -v t="$ticks" -v s="$2" \
    "BEGIN { printf \"idle CPU over %d s: %.2f s of CPU = %.2f%% of one core\\n\", s, (a-b)/t, (a-b)/t/s*100 }"
' "$bin" "$work" "$secs"
