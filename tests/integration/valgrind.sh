#!/bin/bash
# SPDX-License-Identifier: MIT
# No leak and no memory error in `mcpwatch run` on the shipped configuration, nor in a check.
# The statvfs child (fork without exec) is left out: it only calls statvfs and _exit.
# Sanitizer builds skip it (ASan's own leak checker covers them); the plain build runs it.
. "$(dirname "$0")/lib.sh"
: "${SRCDIR:?}" "${LIBTOOL:?}"
[ "${SANITIZERS:-no}" = yes ] && not_applicable "sanitizer build: LeakSanitizer checks leaks instead"
command -v valgrind >/dev/null || skip_all "valgrind not installed"

mkdir -p "$TMP/etc/conf.d"
cp "$SRCDIR/conf.d/mcpwatch.conf" "$TMP/etc/"
cp "$SRCDIR/conf.d/disk.conf" "$TMP/etc/conf.d/"
VG="valgrind --quiet --suppressions=$SRCDIR/tests/integration/valgrind.supp --child-silent-after-fork=yes --leak-check=full --show-leak-kinds=all --errors-for-leak-kinds=all --error-exitcode=42"

for cmd in "run --config $TMP/etc/mcpwatch.conf" "run --config $TMP/etc/mcpwatch.conf --format json" \
  "disk -p / -p /nonexistent" "disk --all -w 10GiB: -c 1GiB:" "disk -w garbage" "list" \
  "run --config $TMP/missing.conf" "postgres -H 127.0.0.1 -p 1 -m connection -m backends" \
  "redis -H 127.0.0.1 -p 1 -m ping -m memory" "rest-health -u http://127.0.0.1:1/" \
  "vault -u http://127.0.0.1:1" "mcp-tools -u http://127.0.0.1:1/mcp" \
  "tls-expiry -H 127.0.0.1 -p 1" "tls-expiry --file /nonexistent.pem"; do
  # shellcheck disable=SC2086
  $LIBTOOL --mode=execute $VG "$MCPWATCH" $cmd >"$TMP/out" 2>"$TMP/vg.log"
  RC=$?
  OUT=$(cat "$TMP/vg.log")
  expect_true "[ $RC != 42 ] && [ ! -s '$TMP/vg.log' ]" "valgrind clean: mcpwatch $cmd"
done

# The HTTP checks through a whole TLS exchange and JSON parsing: libcurl and OpenSSL must give
# back everything when the check is closed and unloaded.
if [ -f "$MCPWATCH_CHECK_DIR/vault.so" ] && command -v python3 >/dev/null && command -v openssl >/dev/null; then
  make_ca "$TMP/pki" && make_cert "$TMP/pki" vault localhost "DNS:localhost" "$(cert_date '-1 hour')" \
    "$(cert_date '+30 days')" || skip_all "openssl failed: $(tail -n 3 "$TMP/pki/openssl.log")"
  mkdir -p "$TMP/vault"
  printf '200\n{"initialized":true,"sealed":false,"standby":false,"server_time_utc":@now,"version":"1.15.2","cluster_name":"c"}\n' >"$TMP/vault/health"
  printf 't0ken\n' >"$TMP/vault/token"
  printf '200\n{"data":{"ttl":3600,"expire_time":"2030-01-01T00:00:00Z"}}\n' >"$TMP/vault/lookup"
  start_fakevault "$TMP/vault" VPORT "$TMP/pki/vault.pem" "$TMP/pki/vault.key"
  for cmd in "vault -u https://localhost:$VPORT --ca-cert $TMP/pki/ca.pem --token-ttl-warning 1m" \
    "rest-health -u https://localhost:$VPORT/v1/sys/health --ca-cert $TMP/pki/ca.pem --json-path version=1.15.2 --timings" \
    "rest-health -u https://localhost:$VPORT/v1/sys/health" \
    "tls-expiry -H localhost -p $VPORT --verify --ca-cert $TMP/pki/ca.pem" \
    "tls-expiry --file $TMP/pki/vault.pem --verify --ca-cert $TMP/pki/ca.pem -H localhost"; do
    # shellcheck disable=SC2086
    VAULT_TOKEN=t0ken $LIBTOOL --mode=execute $VG "$MCPWATCH" $cmd >"$TMP/out" 2>"$TMP/vg.log"
    RC=$?
    OUT=$(cat "$TMP/out" "$TMP/vg.log")
    expect_true "[ $RC != 42 ] && [ ! -s '$TMP/vg.log' ]" "valgrind clean: mcpwatch ${cmd%% -u*} over TLS (exit $RC)"
  done
fi

# The MCP client through whole sessions: SSE and JSON answers, pages, a call, errors.
if [ -f "$MCPWATCH_CHECK_DIR/mcp_tools.so" ] && command -v python3 >/dev/null; then
  python3 "$SRCDIR/tests/integration/fakemcp.py" "$TMP/fakemcp.port" 2>"$TMP/fakemcp.log" &
  on_exit "kill $!"
  wait_for "[ -s '$TMP/fakemcp.port' ]" 20 || skip_all "fakemcp.py did not start"
  F=http://127.0.0.1:$(cat "$TMP/fakemcp.port")/mcp
  for cmd in "mcp-tools -u $F/notify --call search --ping" "mcp-tools -u $F/paged -e search,nope" \
    "mcp-tools -u $F/badjson" "mcp-tools -u $F/junk" "mcp-tools -u $F/auth"; do
    # shellcheck disable=SC2086
    $LIBTOOL --mode=execute $VG "$MCPWATCH" $cmd >"$TMP/out" 2>"$TMP/vg.log"
    RC=$?
    OUT=$(cat "$TMP/out" "$TMP/vg.log")
    expect_true "[ $RC != 42 ] && [ ! -s '$TMP/vg.log' ]" "valgrind clean: mcpwatch mcp-tools ${cmd##*/} (exit $RC)"
  done
  # shellcheck disable=SC2086
  $LIBTOOL --mode=execute $VG "$TEST_BIN/repeat" 3 mcp-tools -u "$F/forgetful" >"$TMP/out" 2>"$TMP/vg.log"
  RC=$?
  OUT=$(cat "$TMP/out" "$TMP/vg.log")
  expect_true "[ $RC != 42 ] && [ ! -s '$TMP/vg.log' ]" "valgrind clean: a kept MCP session re-initialised (exit $RC)"
fi

# A notification delivered and one left queued: the notifier and libcurl's tree loaded, kept
# mapped until exit as a one-shot command keeps them, and given back at exit. mcpwatch's own
# warning goes to stderr, valgrind's report to its own file.
if [ -f "$MCPWATCH_NOTIFIER_DIR/pagerduty.so" ]; then
  start_receiver
  printf '0123456789abcdef0123456789abcdef\n' >"$TMP/pd.key"
  chmod 600 "$TMP/pd.key"
  for case in "0 http://127.0.0.1:$RECEIVER_PORT delivered to" "1 http://127.0.0.1:1 queued in"; do
    read -r want url words <<<"$case"
    # shellcheck disable=SC2086
    $LIBTOOL --mode=execute $VG --log-file="$TMP/vg.log" "$MCPWATCH" notify pagerduty \
      --spool-dir "$TMP/spool" --url "$url/v2/enqueue" --routing-key-file "$TMP/pd.key" -H web1 \
      --service api --state CRITICAL -o "HTTP 503" --wait 200ms >"$TMP/out" 2>"$TMP/err"
    RC=$?
    OUT=$(cat "$TMP/out" "$TMP/err" "$TMP/vg.log")
    expect_true "[ $RC = $want ] && grep -q '$words' '$TMP/out'" "notify pagerduty to $url: $words (exit $RC)"
    expect_true "[ ! -s '$TMP/vg.log' ]" "valgrind clean: mcpwatch notify pagerduty to $url"
  done
fi
finish
