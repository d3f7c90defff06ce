#!/usr/bin/env bash
# Runs the desktop app under Xvfb and saves a screenshot: scripts/screenshot.sh [OUT.png] [SECONDS] [-- lakesight args]
# Needs: apt-get install -y xvfb imagemagick (GL comes from Mesa's llvmpipe).
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-docs/screenshot.png}"
wait_secs="${2:-20}"
shift $(( $# > 2 ? 2 : $# ))
[ "${1:-}" = "--" ] && shift
profile="${LAKESIGHT_PROFILE:-debug}"
source scripts/xvfb_env.sh
mkdir -p "$(dirname "$out")"
xvfb-run -a -s "-screen 0 1400x900x24" bash -c '
  "$0" "$@" &
  app=$!
  sleep '"$wait_secs"'
  import -window root "'"$out"'"
  kill $app
' "$bin" "$@"
echo "saved $out"
