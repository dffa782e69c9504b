# SPDX-License-Identifier: MIT
# lib.sh - sourced by the benchmarks after they set BENCH (their name, for messages): a work
# folder removed at exit, servers on 127.0.0.1 stopped by PID, free ports, bounded waits.
WORK=$(mktemp -d /tmp/mcpwatch-bench.XXXXXX)
PIDS=()
bench_cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do kill -INT "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap bench_cleanup EXIT

# install_missing PACKAGE...: apt-get installs them (nothing when none is given).
install_missing() {
  [ $# -gt 0 ] || return 0
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}
free_port() {
  local port
  for port in $(shuf -i 10000-32000 -n 50); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return; }
  done
}
wait_for() {
  local i
  for i in $(seq 1 200); do eval "$1" && return 0; sleep 0.05; done
  echo "$BENCH: gave up waiting for: $1" >&2
  exit 1
}
median() { printf '%s\n' "$@" | sort -n | sed -n "$(($# / 2 + 1))p"; }

# start_postgres: a fresh PostgreSQL (trust authentication, user postgres); sets PGPORT.
start_postgres() {
  local pgbin as_pg=()
  pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  if [ "$(id -u)" = 0 ]; then
    chown postgres: "$WORK"
    as_pg=(setpriv --reuid=postgres --regid=postgres --init-groups --)
  fi
  PGPORT=$(free_port)
  "${as_pg[@]}" "$pgbin/initdb" -D "$WORK/pg" -U postgres -A trust >/dev/null
  "${as_pg[@]}" "$pgbin/postgres" -D "$WORK/pg" -p "$PGPORT" -k "$WORK" \
    -c listen_addresses=127.0.0.1 >"$WORK/pg.log" 2>&1 &
  PIDS+=($!)
  wait_for "psql -h 127.0.0.1 -p $PGPORT -U postgres -Atc 'select 1' >/dev/null 2>&1"
}

# start_redis: a redis-server without persistence; sets RPORT.
start_redis() {
  RPORT=$(free_port)
  redis-server --port "$RPORT" --bind 127.0.0.1 --save "" --dir "$WORK" >/dev/null &
  PIDS+=($!)
  wait_for "redis-cli -p $RPORT ping 2>/dev/null | grep -q PONG"
}

# tree_sum FILE AWK PID: AWK's number from /proc/PID/FILE, summed over PID and its live
# descendants (pgrep -P). A process that exits between pgrep and the read counts as 0.
tree_sum() {
  local total pid sub
  total=$(awk "$2" "/proc/$3/$1" 2>/dev/null || true)
  total=${total:-0}
  for pid in $(pgrep -P "$3"); do
    sub=$(tree_sum "$1" "$2" "$pid")
    total=$((total + sub))
  done
  echo "$total"
}
