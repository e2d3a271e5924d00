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
