#!/bin/bash
# SPDX-License-Identifier: MIT
# redis_tls.sh - the redis check over TLS against real redis-server processes with --tls-port:
# verification by CA, name and address, SNI, client certificates, a password over TLS, the
# mistakes an operator makes (plain to a TLS port, TLS to a plain port, wrong files) and servers
# that misbehave during the handshake.
. "$(dirname "$0")/lib.sh"

need_check redis
command -v redis-server >/dev/null || skip_all "redis-server is not installed (Debian: redis-server)"
command -v redis-cli >/dev/null || skip_all "redis-cli is not installed (Debian: redis-tools)"
command -v openssl >/dev/null || skip_all "openssl is not installed"
[ -f "$MCPWATCH_CHECK_DIR/redis_tls_helper.so" ] || skip_all "the redis check's TLS helper was not built (no OpenSSL)"

C=$TMP/certs
make_ca "$C" || skip_all "openssl cannot make a test CA: $(tail -n 3 "$C/openssl.log")"
FROM=$(cert_date '-1 day') UNTIL=$(cert_date '+30 days')
make_cert "$C" server localhost "DNS:localhost,IP:127.0.0.1" "$FROM" "$UNTIL" &&
  make_cert "$C" other other.example "DNS:other.example" "$FROM" "$UNTIL" &&
  make_cert "$C" client monitor "DNS:monitor" "$FROM" "$UNTIL" &&
  make_cert "$C" stranger stranger "DNS:stranger" "$FROM" "$UNTIL" ||
  skip_all "openssl cannot sign test certificates: $(tail -n 3 "$C/openssl.log")"
# redis-server runs as this user; it reads its own key.
chmod 644 "$C"/*.pem

# tls_server NAME CERT [ARGS...]: a redis-server with a plain port (for start_redis's readiness
# poll) and a TLS port presenting C/CERT; sets PLAIN_PORT and TLS_PORT.
tls_server() {
  local name=$1 cert=$2
  shift 2
  PLAIN_PORT=$(free_port)
  TLS_PORT=$(free_port)
  start_redis "$name" "$PLAIN_PORT" --tls-port "$TLS_PORT" --tls-cert-file "$C/$cert.pem" \
    --tls-key-file "$C/$cert.key" --tls-ca-cert-file "$C/ca.pem" "$@"
  wait_for "(exec 3<>/dev/tcp/127.0.0.1/$TLS_PORT) 2>/dev/null" 20 || skip_all "redis-server $name: no TLS port"
}

tls_server main server --tls-auth-clients no
MAIN_TLS=$TLS_PORT MAIN_PLAIN=$PLAIN_PORT

# ---- verified connections ----------------------------------------------------------------
mw redis --tls -H localhost -p "$MAIN_TLS" --ca-cert "$C/ca.pem"
expect_rc 0 "TLS: PING and INFO over TLS, OK"
expect_first "^REDIS OK - Redis [0-9.]+ \(master\)" "TLS: the same summary as over plain text"
expect_out "^TLS: TLSv1\.[23], [A-Z0-9_-]+, certificate verified for localhost$" "TLS: the long output names protocol, cipher and the name verified"
mw redis --tls -H 127.0.0.1 -p "$MAIN_TLS" --ca-cert "$C/ca.pem"
expect_rc 0 "TLS: an address is verified against the certificate's IP entries"
expect_out "certificate verified for 127\.0\.0\.1" "TLS: says the address was verified"
mw redis --tls -H 127.0.0.1 -p "$MAIN_TLS" --ca-cert "$C/ca.pem" -m info -f connected_clients -w 1000
expect_rc 0 "TLS: modes read INFO over TLS as over plain text"
expect_first "connected_clients" "TLS: --mode info over TLS"
mw redis --tls -H localhost -p "$MAIN_TLS" --ca-cert "$C/ca.pem" -m slowlog -m ops -m memory
expect_rc 0 "TLS: several modes and SLOWLOG over one TLS connection"

# ---- verification failures ---------------------------------------------------------------
mw redis --tls -H localhost -p "$MAIN_TLS"
expect_rc 2 "untrusted: the system's CA store does not know the test CA: CRITICAL"
expect_first "not trusted for localhost: (unable to get local issuer certificate|self.signed)" "untrusted: OpenSSL's reason"
expect_one_line "untrusted: one line"
mw redis --tls -H localhost -p "$MAIN_TLS" --insecure
expect_rc 0 "--insecure: the same server without verification is OK"
expect_out "^TLS: TLSv1\.[23], [A-Z0-9_-]+, certificate not verified \(--insecure\)$" "--insecure: says nothing was verified"

tls_server other other --tls-auth-clients no
OTHER_TLS=$TLS_PORT
mw redis --tls -H localhost -p "$OTHER_TLS" --ca-cert "$C/ca.pem"
expect_rc 2 "wrong name: a certificate for other.example at localhost is CRITICAL"
expect_first "not trusted for localhost: [Hh]ostname mismatch" "wrong name: says the name does not match"
mw redis --tls -H 127.0.0.1 -p "$OTHER_TLS" --ca-cert "$C/ca.pem" --sni other.example
expect_rc 0 "--sni: the name sent and verified instead of the address"
expect_out "certificate verified for other\.example" "--sni: the name verified is said"

# ---- client certificates and a password over TLS -----------------------------------------
printf 'tls-secret\n' >"$TMP/pw"
chmod 600 "$TMP/pw"
tls_server mutual server --tls-auth-clients yes
MUTUAL_TLS=$TLS_PORT
# set after start: start_redis's readiness poll speaks without a password
redis-cli -p "$PLAIN_PORT" config set requirepass tls-secret >/dev/null
mw redis --tls -H localhost -p "$MUTUAL_TLS" --ca-cert "$C/ca.pem" --password-file "$TMP/pw"
expect_rc 2 "client certificate required and none given: CRITICAL"
expect_one_line "client certificate required: one line"
expect_first "certificate required|closed|handshake|reset" "client certificate required: says the TLS layer refused ($FIRST)"
mw redis --tls -H localhost -p "$MUTUAL_TLS" --ca-cert "$C/ca.pem" --client-cert "$C/client.pem" \
  --client-key "$C/client.key" --password-file "$TMP/pw"
expect_rc 0 "client certificate and a password over TLS: OK"
mw redis --tls -H localhost -p "$MUTUAL_TLS" --ca-cert "$C/ca.pem" --client-cert "$C/client.pem" \
  --client-key "$C/client.key"
expect_rc 2 "TLS with a client certificate but without the password: CRITICAL"
expect_first "NOAUTH|[Aa]uthentication" "without the password: the server's reason"
expect_no_out "tls-secret" "the password never reaches the output"

# ---- the wrong port ----------------------------------------------------------------------
mw redis -H 127.0.0.1 -p "$MAIN_TLS" -t 3
expect_rc 2 "plain text to a TLS port: CRITICAL"
expect_one_line "plain text to a TLS port: one line ($FIRST)"
mw redis --tls -H 127.0.0.1 -p "$MAIN_PLAIN" --ca-cert "$C/ca.pem" -t 3
expect_rc 2 "TLS to a plain port: CRITICAL"
expect_first "TLS handshake" "TLS to a plain port: the handshake is named ($FIRST)"
expect_one_line "TLS to a plain port: one line"

# ---- servers that misbehave during the handshake -----------------------------------------
start_badserver silent
mw redis --tls -p "$BAD_PORT" --ca-cert "$C/ca.pem" -t 1
expect_rc 2 "never answers the ClientHello: CRITICAL at the timeout"
expect_first "timed out" "never answers: says it timed out"
expect_within 2000 "never answers: within -t + 1 s"
start_badserver slow $'\x16\x03\x03\x00\x40abcdefgh'
mw redis --tls -p "$BAD_PORT" --ca-cert "$C/ca.pem" -t 1
expect_rc 2 "a handshake at one byte a second: CRITICAL at the timeout"
expect_within 2000 "one byte a second: within -t + 1 s"
start_badserver close
mw redis --tls -p "$BAD_PORT" --ca-cert "$C/ca.pem" -t 2
expect_rc 2 "closed during the handshake: CRITICAL"
expect_first "closed the connection" "closed during the handshake: says so"
start_badserver garbage
mw redis --tls -p "$BAD_PORT" --ca-cert "$C/ca.pem" -t 2
expect_rc 2 "text instead of a ServerHello: CRITICAL"
expect_first "TLS handshake: " "text instead of a ServerHello: OpenSSL's reason"
expect_one_line "text instead of a ServerHello: one line"
start_badserver big $'\x16\x03\x03\x40\x00'
mw redis --tls -p "$BAD_PORT" --ca-cert "$C/ca.pem" -t 3
expect_rc 2 "100 MiB after a record header: CRITICAL"
expect_one_line "100 MiB after a record header: one line ($FIRST)"

# ---- options -----------------------------------------------------------------------------
mw redis --ca-cert "$C/ca.pem"
expect_one_error_line "--ca-cert needs --tls" "options: --ca-cert without --tls"
mw redis --insecure
expect_one_error_line "--insecure needs --tls" "options: --insecure without --tls"
mw redis --tls --client-cert "$C/client.pem"
expect_one_error_line "--client-cert needs --client-key" "options: a certificate without its key"
mw redis --tls --client-key "$C/client.key"
expect_one_error_line "--client-key needs --client-cert" "options: a key without its certificate"
mw redis --tls -s "$TMP/main/redis.sock"
expect_one_error_line "TCP only" "options: --tls with a unix socket"
mw redis --tls --insecure --ca-cert "$C/ca.pem"
expect_one_error_line "contradict" "options: --insecure with --ca-cert"
mw redis --tls --ca-cert "$TMP/no-such.pem"
expect_one_error_line "--ca-cert .*no-such\.pem: No such file" "options: a missing CA file, named"
mw redis --tls --ca-cert "$TMP/pw"
expect_one_error_line "--ca-cert .*: not a PEM certificate file" "options: a CA file that is not PEM"
mw redis --tls --ca-cert "$C/ca.pem" --client-cert "$C/client.pem" --client-key "$C/stranger.key"
expect_one_error_line "is not the key of --client-cert" "options: a key that does not match its certificate"
mw redis --help
expect_out "--client-cert" "--help lists the TLS options"

# ---- the helper: loaded for --tls only ---------------------------------------------------
# OpenSSL is loaded from redis_tls_helper.so on --tls; a plain run maps neither libssl nor
# libcrypto (their loading would cost a plain run from a shell several times its own CPU).
LOADED=$(LD_DEBUG=files "$MCPWATCH" redis -H 127.0.0.1 -p "$MAIN_PLAIN" 2>&1 >/dev/null | grep -cE 'file=lib(ssl|crypto)\.so' || true)
expect_true "[ '$LOADED' = 0 ]" "a plain-text run loads no OpenSSL library ($LOADED loaded)"
LOADED=$(LD_DEBUG=files "$MCPWATCH" redis --tls --ca-cert "$C/ca.pem" -H localhost -p "$MAIN_TLS" 2>&1 >/dev/null | grep -cE 'file=libssl\.so.*needed by .*redis_tls_helper\.so' || true)
expect_true "[ '$LOADED' -ge 1 ]" "--tls loads OpenSSL through the helper"
mkdir -p "$TMP/nohelper"
cp "$MCPWATCH_CHECK_DIR/redis.so" "$TMP/nohelper/"
OUT=$(MCPWATCH_CHECK_DIR=$TMP/nohelper "$MCPWATCH" redis --tls -H localhost -p "$MAIN_TLS" 2>"$TMP/.stderr")
RC=$? ERR=$(cat "$TMP/.stderr")
expect_one_error_line "--tls: cannot read .*nohelper/redis_tls_helper\.so.*--enable-tls" "a missing helper: one line naming the file it looked for"
cp "$MCPWATCH_CHECK_DIR/redis_tls_helper.so" "$TMP/nohelper/"
chmod o+w "$TMP/nohelper/redis_tls_helper.so"
OUT=$(MCPWATCH_CHECK_DIR=$TMP/nohelper "$MCPWATCH" redis --tls -H localhost -p "$MAIN_TLS" 2>"$TMP/.stderr")
RC=$? ERR=$(cat "$TMP/.stderr")
expect_one_error_line "--tls: refusing .*redis_tls_helper\.so: it is world-writable" "a world-writable helper is refused, as the loader refuses a check"
rm -f "$TMP/nohelper/redis_tls_helper.so"
OUT=$(MCPWATCH_CHECK_DIR=$TMP/nohelper "$MCPWATCH" redis -H 127.0.0.1 -p "$MAIN_PLAIN" 2>"$TMP/.stderr")
RC=$?
expect_rc 0 "without the helper, plain text still works"
mw list
expect_no_out "helper" "mcpwatch list does not take the helper for a check"

echo "redis_tls: $PASS passed, $FAIL failed"
[ "$FAIL" = 0 ]
