#!/usr/bin/env bash
# Frame times of the real release window under Xvfb (software GL): runs a million-row query in the live
# demo, then scrolls its result with the mouse wheel, and prints the app's own frame-time summaries
# (LAKESIGHT_FRAME_LOG=1: eframe's CPU time per frame, ui() plus painting, over the last 240 frames).
#   scripts/frame_times.sh        needs: cargo build --release; apt-get install -y xvfb xdotool
set -euo pipefail
cd "$(dirname "$0")/.."
profile=release
source scripts/xvfb_env.sh
# A fresh, throwaway app state: what a first start sees, and the user's own tabs stay untouched.
export XDG_DATA_HOME="$(mktemp -d)"
log=$(mktemp)
sql="SELECT value AS id, value * 1.5 AS amount, 'customer ' || (value % 5000) AS customer, to_timestamp(1767225600 + value * 60) AS at FROM generate_series(1, 1000000)"
LAKESIGHT_FRAME_LOG=1 xvfb-run -a -s "-screen 0 1400x900x24" bash -c '
  "$0" 2>>"$1" &
  app=$!
  sleep 8
  win=$(xdotool search --name Lakesight | head -1)
  xdotool windowfocus --sync "$win"
  xdotool mousemove 700 130 click 1 key ctrl+a
  xdotool type --delay 2 "$2"
  xdotool mousemove 173 212 click 1
  sleep 6
  echo "-- scrolling" >>"$1"
  xdotool mousemove 700 600
  xdotool click --repeat 480 --delay 16 5
  xdotool click --repeat 240 --delay 16 4
  sleep 1
  kill $app
' "$bin" "$log" "$sql"
grep -E "^(frame time|-- )" "$log"
rm -f "$log"
