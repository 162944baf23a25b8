# Sourced by the scripts that build through pip or `python -m build`, whose build output is long.
#
# run_with_progress LOG COMMAND...   runs COMMAND with all its output in LOG, showing on the terminal
#                                    only the compiler's progress ([k/n] from Ninja, [ p%] from Make);
#                                    on failure prints LOG's last 40 lines and returns its status.

run_with_progress() {
  local log=$1 status=0 pid
  shift
  mkdir -p "$(dirname "$log")"
  "$@" >"$log" 2>&1 &
  pid=$!
  tail -n +1 --pid="$pid" -f "$log" | grep --line-buffered -E '^ *\[ *[0-9]+(/[0-9]+|%)\] ' || true
  wait "$pid" || status=$?
  if [ "$status" -ne 0 ]; then
    echo "error: $1 failed (status $status); the end of $log:" >&2
    tail -n 40 "$log" >&2
  fi
  return "$status"
}
