#!/usr/bin/env bash
# Checks, in a real window under Xvfb, that a live dashboard keeps refreshing and its alert still
# fires while the window is hidden (unmapped): what egui_kittest cannot show.
#   scripts/hidden_refresh.sh        needs: cargo build (or LAKESIGHT_PROFILE=release); apt-get install -y xvfb xdotool
# Prints PASS and exits 0 when the alert's "firing" transition reached the history while hidden.
set -euo pipefail
cd "$(dirname "$0")/.."
profile="${LAKESIGHT_PROFILE:-debug}"
source scripts/xvfb_env.sh
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# A private data folder (the alert history), config and cache, so nothing of the user's is used.
export XDG_DATA_HOME="$work/data" XDG_CONFIG_HOME="$work/config" LAKESIGHT_CACHE_DIR="$work/cache"
lake="$work/lake"
history="$XDG_DATA_HOME/lakesight/alerts.jsonl"
"$bin" simulate --into "$lake" --duration 1 --rate 200 --flush-secs 0.3 --seed 1 >/dev/null 2>&1
cp tests/fixtures/live_orders.toml "$work/live.toml"
xvfb-run -a -s "-screen 0 1400x900x24" bash -c '
  bin="$0" file="$1" lake="$2" history="$3"
  "$bin" open "$file" --source "$lake" &
  app=$!
  win=""
  for _ in $(seq 120); do
    win="$(xdotool search --name Lakesight 2>/dev/null | head -1 || true)"
    [ -n "$win" ] && break
    sleep 0.5
  done
  [ -n "$win" ] || { echo "FAIL: no window"; kill $app; exit 1; }
  sleep 15 # the first run, in a debug build under software GL
  xdotool windowunmap --sync "$win"
  echo "window hidden; the simulator delivers"
  "$bin" simulate --into "$lake" --duration 3 --rate 200 --flush-secs 0.3 --seed 2 >/dev/null 2>&1
  for _ in $(seq 60); do
    grep -q "\"firing\"" "$history" 2>/dev/null && break
    sleep 0.5
  done
  hidden="$(xwininfo -id "$win" | grep -c "IsUnMapped" || true)"
  kill $app
  wait $app 2>/dev/null || true
  [ "$hidden" = 1 ] || { echo "FAIL: the window was shown again"; exit 1; }
  grep -q "\"firing\"" "$history" 2>/dev/null || { echo "FAIL: no firing transition while hidden"; exit 1; }
  echo PASS
' "$bin" "$work/live.toml" "$lake" "$history"
