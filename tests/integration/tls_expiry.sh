#!/bin/bash
# SPDX-License-Identifier: MIT
# tls_expiry.sh - the tls-expiry check against real TLS servers (openssl s_server) serving
# certificates this test makes: 60, 20 and 5 days left, expired, not yet valid, a chain whose
# intermediate expires first, wrong host, self-signed, SHA-1, a 1024-bit key; a real PostgreSQL
# with ssl = on (STARTTLS), fakesmtp.py (SMTP STARTTLS), PEM files, and misbehaving servers.
. "$(dirname "$0")/lib.sh"

need_check tls-expiry
command -v openssl >/dev/null || skip_all "openssl is not installed"

P=$TMP/pki
make_ca "$P" || skip_all "openssl could not make a CA: $(tail -n 3 "$P/openssl.log")"
NOW=$(cert_date '-1 hour')
LOCAL="DNS:localhost,IP:127.0.0.1"
{
  make_cert "$P" d60 localhost "$LOCAL" "$NOW" "$(cert_date '+60 days')" &&
    make_cert "$P" d20 localhost "$LOCAL" "$NOW" "$(cert_date '+20 days')" &&
    make_cert "$P" d5 localhost "$LOCAL" "$NOW" "$(cert_date '+5 days')" &&
    make_cert "$P" expired localhost "$LOCAL" "$(cert_date '-30 days')" "$(cert_date '-2 days')" &&
    make_cert "$P" future localhost "$LOCAL" "$(cert_date '+2 days')" "$(cert_date '+90 days')" &&
    make_cert "$P" other other.example "DNS:other.example" "$NOW" "$(cert_date '+60 days')" &&
    make_cert "$P" long localhost "$LOCAL" "$NOW" "$(cert_date '+800 days')" &&
    make_cert "$P" sha1 localhost "$LOCAL" "$NOW" "$(cert_date '+60 days')" ca -md sha1 &&
    KEY_BITS=1024 make_cert "$P" small localhost "$LOCAL" "$NOW" "$(cert_date '+60 days')" &&
    CERT_EXT="basicConstraints=critical,CA:TRUE" make_cert "$P" inter "mcpwatch intermediate" \
      "DNS:intermediate" "$NOW" "$(cert_date '+10 days')" &&
    make_cert "$P" leaf localhost "$LOCAL" "$NOW" "$(cert_date '+60 days')" inter &&
    openssl req -x509 -newkey rsa:2048 -nodes -keyout "$P/self.key" -out "$P/self.pem" -days 45 \
      -subj /CN=localhost -addext "subjectAltName=$LOCAL" >>"$P/openssl.log" 2>&1
} || skip_all "openssl could not sign: $(tail -n 3 "$P/openssl.log")"

# serve NAME [s_server args...]: serve_tls from $P; sets PORT.
serve() { serve_tls "$P" "$@"; }
# days_of NAME: days until NAME.pem expires, as openssl x509 -enddate says.
days_of() {
  local end
  end=$(openssl x509 -in "$P/$1.pem" -noout -enddate | cut -d= -f2)
  echo "$(($(date -u -d "$end" +%s) - $(date -u +%s)))" | awk '{ printf "%.4f", $1 / 86400 }'
}
# perf_days LABEL: the value of a perfdata label in the last output.
perf_days() { grep -oE "(^| )$1=-?[0-9.]+" <<<"$OUT" | head -n 1 | cut -d= -f2; }

serve d60
mw tls-expiry -H localhost -p "$PORT"
expect_rc 0 "60 days left is OK"
expect_first "^TLS-EXPIRY OK - localhost:$PORT: CN=localhost expires in (59\\.9|60\\.0) days \\(20[0-9-]+ [0-9:]+ UTC\\)" "says the days left and the date"
expect_first "TLSv1\\.3 TLS_AES" "protocol and cipher"
expect_out "days=(59\\.9[0-9]*|60);30:;7: " "days perfdata with thresholds as 30: and 7:"
expect_out "^\\\\_ \\[OK\\] \\[1\\] CN=localhost, issued by CN=mcpwatch test CA, expires" "one line per certificate"
WANT=$(days_of d60)
expect_true "awk -v a=\"\$(perf_days days)\" -v b=$WANT 'BEGIN { d = a - b; exit !(d < 1/24 && d > -1/24) }'" "days agree with openssl x509 -enddate to the hour ($WANT)"
mw tls-expiry -H localhost -p "$PORT" -w 90 -c 7
expect_rc 1 "60 days under -w 90 is WARNING"
mw tls-expiry -H localhost -p "$PORT" -w 90.5 -c 60.5
expect_rc 2 "fractions of days: 59.9 under -c 60.5 is CRITICAL"
mw tls-expiry -H localhost -p "$PORT" -w 2000h -c 12h
expect_rc 1 "durations with units: 60 days under -w 2000h (83 days) is WARNING"
expect_out "days=[0-9.]+;83\\.3[0-9]*:;0\\.5:" "durations with units: thresholds in days in the perfdata"
mw tls-expiry -H localhost -p "$PORT" -w 90d -c 1440h
expect_rc 2 "durations with units: 60 days under -c 1440h (60 days) is CRITICAL"
mw tls-expiry -H localhost -p "$PORT" --verify --ca-cert "$P/ca.pem"
expect_rc 0 "--verify against the test CA"
mw tls-expiry -H localhost -p "$PORT" --verify
expect_rc 2 "--verify against the system store: unknown CA is CRITICAL"
expect_first "verification failed: unable to get local issuer certificate" "with OpenSSL's reason"
mw tls-expiry -H 127.0.0.1 -p "$PORT" --verify --ca-cert "$P/ca.pem"
expect_rc 0 "an IP address as host: no SNI, the IP SAN verifies"
mw tls-expiry -H localhost --ip 127.0.0.1 -p "$PORT" --match-san localhost
expect_rc 0 "--ip connects to an address; --match-san localhost"
mw tls-expiry -H localhost -p "$PORT" --match-san www.example.com
expect_rc 2 "--match-san a name the certificate does not cover"
expect_first "does not cover www.example.com" "says so"
mw tls-expiry -H localhost -p "$PORT" --min-tls-version 1.3
expect_rc 0 "--min-tls-version 1.3 against a TLS 1.3 server"

serve d60 -tls1_2
mw tls-expiry -H localhost -p "$PORT"
expect_first "TLSv1\\.2 " "a TLS 1.2 server: the protocol is reported"
mw tls-expiry -H localhost -p "$PORT" --min-tls-version 1.3
expect_rc 2 "--min-tls-version 1.3 against a TLS 1.2 server is CRITICAL"
expect_first "TLS handshake: .*(protocol version|unsupported)" "with OpenSSL's reason"
expect_one_line "refused version: one line"
serve d20
mw tls-expiry -H localhost -p "$PORT"
expect_rc 1 "20 days left is WARNING"
serve d5
mw tls-expiry -H localhost -p "$PORT"
expect_rc 2 "5 days left is CRITICAL"
expect_first "expires in (4\\.9|5\\.0) days" "says so"
serve expired
mw tls-expiry -H localhost -p "$PORT"
expect_rc 2 "an expired certificate is CRITICAL"
expect_first "CN=localhost expired (2\\.0|1\\.9) days ago" "says expired"
expect_out "days=-(2|2\\.0[0-9]*|1\\.99[0-9]*);" "negative days in perfdata"
serve future
mw tls-expiry -H localhost -p "$PORT"
expect_rc 2 "a certificate not valid yet is CRITICAL"
serve other
mw tls-expiry -H localhost -p "$PORT" --verify --ca-cert "$P/ca.pem"
expect_rc 2 "wrong host name under --verify is CRITICAL"
expect_first "verification failed: [Hh]ostname mismatch" "says hostname mismatch"
mw tls-expiry -H localhost -p "$PORT"
expect_rc 0 "wrong host name without --verify: only the dates are judged"
serve self
mw tls-expiry -H localhost -p "$PORT" --verify
expect_rc 2 "self-signed under --verify is CRITICAL"
expect_first "self.signed" "says self-signed"
serve sha1
mw tls-expiry -H localhost -p "$PORT"
expect_rc 1 "a SHA-1 signature is WARNING"
expect_first "signed with SHA-1" "says SHA-1"
serve small
mw tls-expiry -H localhost -p "$PORT"
expect_rc 1 "a 1024-bit RSA key is WARNING"
expect_first "1024-bit RSA key" "says the key size"
mw tls-expiry -H localhost -p "$PORT" --key-size-min 1024
expect_rc 0 "--key-size-min 1024 accepts it"
serve long
mw tls-expiry -H localhost -p "$PORT" --max-validity 398
expect_rc 1 "valid 800 days over --max-validity 398 is WARNING"
serve leaf -cert_chain "$P/inter.pem"
mw tls-expiry -H localhost -p "$PORT"
expect_rc 1 "an intermediate expiring in 10 days decides: WARNING"
expect_first "chain certificate CN=mcpwatch intermediate expires in (9\\.9|10\\.0) days" "names the intermediate"
expect_out "days=(9\\.9[0-9]*|10);30:;7: days_1=(59\\.9[0-9]*|60);30:;7: days_2=(9\\.9[0-9]*|10);30:;7:" "perfdata: the soonest, then each element"
expect_true "[ \"\$(grep -c '^\\\\_ ' <<<\"\$OUT\")\" = 2 ]" "two chain lines"
mw tls-expiry -H localhost -p "$PORT" --leaf-only
expect_rc 0 "--leaf-only: the leaf's 60 days decide"
mw tls-expiry -H localhost -p "$PORT" --verify --ca-cert "$P/ca.pem"
expect_rc 1 "the chain verifies through the intermediate"

# ---- files ----------------------------------------------------------------------------------
mw tls-expiry --file "$P/d20.pem"
expect_rc 1 "--file: a certificate on disk with 20 days"
cat "$P/leaf.pem" "$P/inter.pem" >"$TMP/bundle.pem"
mw tls-expiry --file "$TMP/bundle.pem" --verify --ca-cert "$P/ca.pem" -H localhost
expect_rc 1 "--file: a bundle, verified, the intermediate decides"
mw tls-expiry --file "$P/other.pem" --verify --ca-cert "$P/ca.pem" -H localhost
expect_rc 2 "--file --verify -H: the name must match"
mw tls-expiry --file "$TMP/no-such.pem"
expect_rc 2 "an unreadable file is CRITICAL"
expect_one_line "unreadable file: one line"
printf 'not a certificate\n' >"$TMP/junk.pem"
mw tls-expiry --file "$TMP/junk.pem"
expect_rc 2 "a file without PEM certificates is CRITICAL"
expect_first "holds no PEM certificate" "says so"

# ---- STARTTLS --------------------------------------------------------------------------------
if command -v python3 >/dev/null; then
  python3 "$SRCDIR/tests/integration/fakesmtp.py" "$TMP/smtp.port" "$P/d20.pem" "$P/d20.key" 2>"$TMP/smtp.log" &
  on_exit "kill $!"
  python3 "$SRCDIR/tests/integration/fakesmtp.py" "$TMP/smtp2.port" "$P/d20.pem" "$P/d20.key" nostarttls 2>>"$TMP/smtp.log" &
  on_exit "kill $!"
  wait_for "[ -s '$TMP/smtp.port' ] && [ -s '$TMP/smtp2.port' ]" 20 || skip_all "fakesmtp.py did not start"
  mw tls-expiry -H localhost -p "$(cat "$TMP/smtp.port")" --starttls smtp
  expect_rc 1 "SMTP STARTTLS: the certificate behind it (20 days)"
  mw tls-expiry -H localhost -p "$(cat "$TMP/smtp2.port")" --starttls smtp
  expect_rc 2 "an SMTP server without STARTTLS is CRITICAL"
  expect_first "does not offer STARTTLS" "says so"
else
  skip_all "python3 is not installed (it runs fakesmtp.py)"
fi
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -x "$PGBIN/initdb" ]; then
  PG=$(mktemp -d /tmp/mcpwatch-pgtls.XXXXXX)
  on_exit "rm -rf '$PG'"
  AS_PG=()
  if [ "$(id -u)" = 0 ]; then
    chown postgres "$PG"
    AS_PG=(setpriv --reuid=postgres --regid=postgres --init-groups --)
  fi
  cp "$P/d60.pem" "$P/d60.key" "$PG/" && chmod 600 "$PG/d60.key"
  [ "$(id -u)" = 0 ] && chown postgres "$PG/d60.pem" "$PG/d60.key"
  "${AS_PG[@]}" "$PGBIN/initdb" -D "$PG/data" -U postgres -A trust >"$PG/initdb.log" 2>&1 ||
    skip_all "initdb failed: $(tail -n 3 "$PG/initdb.log")"
  PGPORT=$(free_port)
  "${AS_PG[@]}" "$PGBIN/postgres" -D "$PG/data" -p "$PGPORT" -k "$PG" -c listen_addresses=127.0.0.1 \
    -c ssl=on -c ssl_cert_file="$PG/d60.pem" -c ssl_key_file="$PG/d60.key" >"$PG/log" 2>&1 &
  PGPID=$!
  on_exit "kill -INT $PGPID; wait $PGPID"
  wait_for "(exec 3<>/dev/tcp/127.0.0.1/$PGPORT) 2>/dev/null || ! kill -0 $PGPID" 30
  kill -0 "$PGPID" 2>/dev/null || skip_all "PostgreSQL did not start: $(tail -n 3 "$PG/log")"
  mw tls-expiry -H localhost -p "$PGPORT" --starttls postgres --verify --ca-cert "$P/ca.pem"
  expect_rc 0 "PostgreSQL STARTTLS (SSLRequest): the server's certificate, verified"
  expect_first "TLSv1\\.3" "the negotiated protocol"
  mw tls-expiry -H localhost -p "$PGPORT"
  expect_rc 2 "direct TLS to PostgreSQL fails: CRITICAL"
  expect_one_line "direct TLS to PostgreSQL: one line"
else
  skip_all "PostgreSQL is not installed (it serves STARTTLS)"
fi

# ---- misbehaving servers ---------------------------------------------------------------------
mw tls-expiry -H 127.0.0.1 -p "$(free_port)"
expect_rc 2 "connection refused is CRITICAL"
start_badserver garbage $'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nplain text\r\n'
mw tls-expiry -H 127.0.0.1 -p "$BAD_PORT" -t 2
expect_rc 2 "a plain-text server is CRITICAL"
expect_first "TLS handshake" "says the handshake failed"
expect_one_line "plain text: one line"
start_badserver silent
mw tls-expiry -H 127.0.0.1 -p "$BAD_PORT" -t 1
expect_rc 2 "a server that never answers: CRITICAL at the timeout"
expect_within 2000 "silent: within -t + 1 s"
mw tls-expiry -H 127.0.0.1 -p "$BAD_PORT" -t 1 --timeout-state unknown
expect_rc 3 "--timeout-state unknown"
start_badserver slow $'\x16\x03\x03\x00\x7a\x02\x00\x00\x76\x03\x03'
mw tls-expiry -H 127.0.0.1 -p "$BAD_PORT" -t 2
expect_rc 2 "a handshake that stalls halfway: CRITICAL"
expect_within 3000 "stalled handshake: within -t + 1 s"
start_badserver close
mw tls-expiry -H 127.0.0.1 -p "$BAD_PORT"
expect_rc 2 "closed during the handshake: CRITICAL"
expect_one_line "closed: one line"
start_badserver garbage $'N'
mw tls-expiry -H 127.0.0.1 -p "$BAD_PORT" --starttls postgres
expect_rc 2 "PostgreSQL answering N (ssl = off): CRITICAL"
expect_first "ssl = off" "says so"

# ---- options ---------------------------------------------------------------------------------
mw tls-expiry
expect_one_error_line "--host" "neither --host nor --file"
mw tls-expiry -H x -w 5 -c 10
expect_one_error_line "must not be more than" "-c above -w"
mw tls-expiry -H x -w 7y
expect_one_error_line "--warning expects days" "-w with an unknown unit"
mw tls-expiry -H x --ca-cert "$P/ca.pem"
expect_one_error_line "--verify" "--ca-cert without --verify"
mw tls-expiry --file "$P/d60.pem" --starttls smtp
expect_one_error_line "do not apply" "--file with --starttls"
mw tls-expiry -H x --min-tls-version 2.0
expect_one_error_line "" "an unknown TLS version"

finish
