# Sourced by the scripts that run the app under Xvfb: finds the built binary and sets up the
# environment a window needs. Set `profile` (debug or release) before sourcing; sets `bin`.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/lakesight-target}"
bin="$CARGO_TARGET_DIR/$profile/lakesight"
build="cargo build"; [ "$profile" = release ] && build="cargo build --release"
[ -x "$bin" ] || { echo "build first: $build" >&2; exit 1; }
mkdir -p "${XDG_RUNTIME_DIR:=/tmp/lakesight-xdg}" && chmod 700 "$XDG_RUNTIME_DIR"
export XDG_RUNTIME_DIR
