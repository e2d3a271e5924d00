# shellcheck shell=bash
# Helpers for the bench scripts (sourced).

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# wait_http URL NAME: waits up to 60 s for URL to answer 2xx.
wait_http() {
  for _ in $(seq 120); do
    curl -fs -o /dev/null "$1" && return 0
    sleep 0.5
  done
  echo "FAIL: $2 did not come up at $1" >&2
  return 1
}

# cpu_ticks PID: user+system CPU time of a process in clock ticks (/proc/PID/stat 14+15).
cpu_ticks() {
  # The command name (field 2) may hold spaces; cut everything up to its closing paren.
  sed 's/^.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'
}

# peak_rss_mb PID: the process's peak resident set size (VmHWM) in MiB.
peak_rss_mb() {
  awk '/^VmHWM:/ {printf "%.0f", $2 / 1024}' "/proc/$1/status"
}

# tree_pids PID: PID and every live descendant of it, one a line.
tree_pids() {
  ps -e -o pid=,ppid= | awk -v root="$1" '
    { parent[$1] = $2 }
    END {
      print root; n = 1; queue[1] = root
      for (i = 1; i <= n; i++)
        for (p in parent)
          if (parent[p] == queue[i]) { print p; queue[++n] = p }
    }'
}

# tree_cpu_ticks PID: CPU time of PID and its descendants in clock ticks: utime + stime of each
# live process plus cutime + cstime (the children it has already reaped), so the sum does not
# drop when a worker exits. For a process without children it equals cpu_ticks.
tree_cpu_ticks() {
  local p total=0 t
  for p in $(tree_pids "$1"); do
    t="$(sed 's/^.*) //' "/proc/$p/stat" 2>/dev/null | awk '{print $12 + $13 + $14 + $15}')" || true
    total=$((total + ${t:-0}))
  done
  echo "$total"
}

# tree_peak_rss_mb PID: the sum of the peak resident set sizes (VmHWM) of PID and its live
# descendants in MiB (an upper bound on the tree's peak); for one process, peak_rss_mb.
tree_peak_rss_mb() {
  local p kb=0 k
  for p in $(tree_pids "$1"); do
    k="$(awk '/^VmHWM:/ {print $2}' "/proc/$p/status" 2>/dev/null)" || true
    kb=$((kb + ${k:-0}))
  done
  awk -v kb="$kb" 'BEGIN {printf "%.0f", kb / 1024}'
}

# kill_tree PID: SIGTERM to PID's descendants and then to PID (no error if already gone).
kill_tree() {
  local p
  for p in $(tree_pids "$1" | tail -n +2); do kill "$p" 2>/dev/null || true; done
  kill "$1" 2>/dev/null || true
}

# wait_post URL BODY PID NAME: waits up to 120 s until a JSON POST of the file BODY to URL
# answers 2xx; fails early if process PID has exited.
wait_post() {
  for _ in $(seq 240); do
    curl -fs -o /dev/null -H 'content-type: application/json' --data-binary "@$2" "$1" && return 0
    kill -0 "$3" 2>/dev/null || { echo "FAIL: $4 exited before answering at $1" >&2; return 1; }
    sleep 0.5
  done
  echo "FAIL: $4 did not answer at $1" >&2
  return 1
}
