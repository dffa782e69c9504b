#!/bin/bash
# SPDX-License-Identifier: MIT
# faults.sh - the fault matrix: every network check against a server killed mid-answer, a port
# that accepts and never answers, one byte a second, a 100 MiB answer, a name that does not
# exist, a DNS server that never answers, an expired certificate and a certificate for another
# host (PostgreSQL's too, over its own TLS). Each cell must give the documented state (CRITICAL)
# within --timeout + 1 s, one status line, nothing on stderr (and, under AddressSanitizer, no
# leak). The table of what each cell printed goes to $FAULTS_TABLE (docs/RELIABILITY.md holds a
# copy).
. "$(dirname "$0")/lib.sh"
: "${TEST_BIN:?}"
for check in postgres redis vault mcp-tools rest-health tls-expiry; do need_check "$check"; done
command -v openssl >/dev/null || skip_all "openssl is not installed"

T=2
LIMIT_MS=$(((T + 1) * 1000))
TABLE=${FAULTS_TABLE:-$TMP/faults.md}
HTTP_HEAD=$'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 104857600\r\n\r\n{"status":"UP","padding":"'
REDIS_HEAD=$'$104857600\r\nredis_version:7.0.15\r\nconnected_clients:'
OTHER_HEAD=$'this is not the protocol you speak, and it goes on for a while\r\n'

P=$TMP/pki
make_ca "$P" &&
  make_cert "$P" expired localhost "DNS:localhost,IP:127.0.0.1" "$(cert_date '-30 days')" \
    "$(cert_date '-2 days')" &&
  make_cert "$P" other other.example "DNS:other.example" "$(cert_date '-1 day')" \
    "$(cert_date '+60 days')" || skip_all "openssl cannot make the test certificates"
serve_tls "$P" expired
EXPIRED_PORT=$PORT
serve_tls "$P" other
OTHER_PORT=$PORT

# A DNS server that never answers, seen only by the checks: a mount namespace whose
# /etc/resolv.conf names it. Needs root and unshare; without them those cells are skipped.
SILENT_DNS=no
if [ "${FAULTS_DNS:-}" != shim ] && [ "$(id -u)" = 0 ] && command -v unshare >/dev/null && command -v python3 >/dev/null; then
  python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.57", 53))
open(sys.argv[1], "w").write("ready")
while True:
    s.recvfrom(4096)
' "$TMP/dns.ready" 2>"$TMP/dns.log" &
  on_exit "kill $!"
  printf 'nameserver 127.0.0.57\noptions timeout:30 attempts:1\n' >"$TMP/resolv.conf"
  if wait_for "[ -s '$TMP/dns.ready' ]" 10 &&
    unshare -m sh -c "mount --bind '$TMP/resolv.conf' /etc/resolv.conf" 2>/dev/null; then
    SILENT_DNS=yes
  fi
fi
# Where there is no mount namespace to be had (a chroot: unshare cannot make its / private), a
# preloaded getaddrinfo() blocks for 30 s on *.hang.invalid instead, as glibc's does against
# that server; the checks' code paths are the same (their resolver thread, curl's).
if [ $SILENT_DNS = no ] && [ -f "${TEST_PLUGINS:-}/slowdns.so" ]; then
  SILENT_DNS=shim
  echo "# DNS never answers: no mount namespace here, getaddrinfo held by slowdns.so instead"
fi

printf '| check | fault | state | wall (ms) | status line |\n|---|---|---|---|---|\n' >"$TABLE"

# The mcpwatch that meets a DNS server that never answers: in the namespace, or with the shim
# (which holds names under .hang.invalid).
HANG_NAME=no-such-host.invalid
if [ $SILENT_DNS = shim ]; then
  HANG_NAME=no-such-host.hang.invalid
  printf '#!/bin/sh\nexport LD_PRELOAD="%s" ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0"\nexec "%s" "$@"\n' \
    "$TEST_PLUGINS/slowdns.so" "$MCPWATCH" >"$TMP/dns-hang-mcpwatch"
else
  printf '#!/bin/sh\nexec unshare -m sh -c '"'"'mount --bind "$0" /etc/resolv.conf && exec "$@"'"'"' "%s" "%s" "$@"\n' \
    "$TMP/resolv.conf" "$MCPWATCH" >"$TMP/dns-hang-mcpwatch"
fi
chmod 0755 "$TMP/dns-hang-mcpwatch"

# cell CHECK FAULT [ARGS...]: runs the check (dns-silent: through dns-hang-mcpwatch) and judges
# it.
cell() {
  local check=$1 fault=$2 line
  shift 2
  if [ "$fault" = dns-silent ]; then
    local MCPWATCH=$TMP/dns-hang-mcpwatch
    mw "$check" "${@//no-such-host.invalid/$HANG_NAME}" -t "$T"
  else
    mw "$check" "$@" -t "$T"
  fi
  local upper
  upper=$(tr a-z- A-Z- <<<"$check")
  if [ "$RC" = 2 ] && [ -z "$ERR" ] && [ "$ELAPSED_MS" -le "$LIMIT_MS" ] &&
    grep -qE "^$upper CRITICAL - " <<<"$FIRST"; then
    ok "$check, $fault: CRITICAL in ${ELAPSED_MS} ms, one status line"
  else
    not_ok "$check, $fault: want CRITICAL within ${LIMIT_MS} ms, a status line and an empty stderr"
  fi
  line=${FIRST%% | *}
  [ ${#line} -gt 140 ] && line="${line:0:137}..."
  printf '| %s | %s | %s | %s | `%s` |\n' "$check" "$fault" \
    "$(case $RC in 0) echo OK ;; 1) echo WARNING ;; 2) echo CRITICAL ;; *) echo "UNKNOWN ($RC)" ;; esac)" \
    "$ELAPSED_MS" "${line//|/\\|}" >>"$TABLE"
}
not_applicable_cell() {
  printf '| %s | %s | n/a | | %s |\n' "$1" "$2" "$3" >>"$TABLE"
}

# server_faults CHECK HEAD ARGS-BEFORE-PORT... -- ARGS-AFTER-PORT...: the four misbehaving
# servers, each started fresh (die takes its server down). The port goes where @PORT@ is.
server_faults() {
  local check=$1 head=$2 mode
  shift 2
  for mode in die silent slow big; do
    start_badserver "$mode" "$head" || {
      not_ok "$check: badserver $mode did not start"
      continue
    }
    local args=("${@//@PORT@/$BAD_PORT}")
    cell "$check" "$(case $mode in die) echo "killed mid-answer" ;; silent) echo "accepts, never answers" ;;
      slow) echo "1 byte/s" ;; big) echo "100 MiB answer" ;; esac)" "${args[@]}"
  done
}

server_faults postgres "$OTHER_HEAD" -H 127.0.0.1 -p @PORT@ -U postgres -d postgres
server_faults redis "$REDIS_HEAD" -H 127.0.0.1 -p @PORT@
server_faults vault "$HTTP_HEAD" -u http://127.0.0.1:@PORT@
server_faults mcp-tools "$HTTP_HEAD" -u http://127.0.0.1:@PORT@/mcp
server_faults rest-health "$HTTP_HEAD" -u http://127.0.0.1:@PORT@/health
server_faults tls-expiry "$OTHER_HEAD" -H localhost --ip 127.0.0.1 -p @PORT@

for check in postgres redis vault mcp-tools rest-health tls-expiry; do
  case $check in
  postgres) args=(-H @HOST@ -U postgres -d postgres) ;;
  redis) args=(-H @HOST@) ;;
  vault) args=(-u http://@HOST@:8200) ;;
  mcp-tools) args=(-u http://@HOST@/mcp) ;;
  rest-health) args=(-u http://@HOST@/health) ;;
  tls-expiry) args=(-H @HOST@) ;;
  esac
  cell "$check" "name does not exist" "${args[@]//@HOST@/no-such-host.invalid}"
  if [ "$SILENT_DNS" != no ]; then
    cell "$check" dns-silent "${args[@]//@HOST@/no-such-host.invalid}"
  else
    echo "# $check, DNS never answers: skipped (needs root, unshare and python3)"
  fi
done

for cert in expired other; do
  port=$([ $cert = expired ] && echo "$EXPIRED_PORT" || echo "$OTHER_PORT")
  fault=$([ $cert = expired ] && echo "expired certificate" || echo "certificate for another host")
  pin=(--resolve "localhost:$port:127.0.0.1" --ca-cert "$P/ca.pem")
  cell vault "$fault" -u "https://localhost:$port" "${pin[@]}"
  cell mcp-tools "$fault" -u "https://localhost:$port/mcp" "${pin[@]}"
  cell rest-health "$fault" -u "https://localhost:$port/health" "${pin[@]}"
  cell tls-expiry "$fault" -H localhost --ip 127.0.0.1 -p "$port" --verify --ca-cert "$P/ca.pem"
  not_applicable_cell redis "$fault" "the redis check does not speak TLS"
done

# PostgreSQL over TLS (--sslmode verify-full; libpq reads the CA from PGSSLROOTCERT): one server,
# its certificate swapped and reloaded (SIGHUP) between the two cells.
pg_setup
as_pg "$PGBIN/initdb" -D "$PGDIR/tls" -U postgres -A trust >"$PGDIR/initdb.log" 2>&1 ||
  skip_all "initdb failed: $(tail -n 3 "$PGDIR/initdb.log")"
use_cert() {
  cp "$P/$1.pem" "$PGDIR/server.pem" && cp "$P/$1.key" "$PGDIR/server.key" && chmod 600 "$PGDIR/server.key"
  [ "$(id -u)" = 0 ] && chown postgres "$PGDIR/server.pem" "$PGDIR/server.key"
}
served_cn() {
  openssl s_client -starttls postgres -connect "127.0.0.1:$PGTLS_PORT" </dev/null 2>/dev/null |
    openssl x509 -noout -subject 2>/dev/null
}
use_cert expired
PGTLS_PORT=$(free_port)
start_pg tls "$PGTLS_PORT" -c ssl=on -c ssl_cert_file="$PGDIR/server.pem" -c ssl_key_file="$PGDIR/server.key"
export PGSSLROOTCERT=$P/ca.pem
PG_TLS=(-H localhost -p "$PGTLS_PORT" -U postgres -d postgres --sslmode verify-full)
cell postgres "expired certificate" "${PG_TLS[@]}"
use_cert other
kill -HUP "$PID_tls"
if wait_for "served_cn | grep -q other.example" 10; then
  cell postgres "certificate for another host" "${PG_TLS[@]}"
else
  not_ok "postgres: the server did not take the other certificate on reload"
fi
unset PGSSLROOTCERT

sed -i 's/| dns-silent |/| DNS never answers |/' "$TABLE"
sed 's/^/# /' "$TABLE"
finish
