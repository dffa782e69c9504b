#!/bin/bash
# SPDX-License-Identifier: MIT
# `mcpwatch disk` loads the disk plugin and nothing heavy: no libpq, libcurl or OpenSSL, not even
# the configuration parser, nor the agent's module with SQLite, libmicrohttpd and GnuTLS; each
# other check loads only its own client library.
. "$(dirname "$0")/lib.sh"

LD_DEBUG=files "$MCPWATCH" disk -p / >"$TMP/out" 2>"$TMP/ld.log"
RC=$?
OUT=$(cat "$TMP/out")
expect_true "[ $RC -le 2 ]" "disk ran (exit $RC)"
expect_true "grep -q 'file=.*disk\.so' '$TMP/ld.log'" "the disk plugin was loaded"
# Sanitizer builds link libcrypt into the program (core/cli/local.mk: the sanitizers' crypt_r
# interceptor looks the real one up at start), so only a release build is held to it.
LATE_LIBS="mwagent libsqlite3 libmicrohttpd libgnutls"
[ "${SANITIZERS:-no}" = no ] && LATE_LIBS="$LATE_LIBS libcrypt\\."
for lib in libpq libcurl libssl libcrypto libhiredis libjansson libmwhttp libconfig mwconfig \
  $LATE_LIBS; do
  expect_true "! grep -q 'file=.*$lib' '$TMP/ld.log'" "$lib not loaded"
done

# Each check maps its own client libraries and no other: redis never pulls in libpq, nor
# postgres hiredis or libcurl. Nothing needs to listen: a refused connection is enough.
for spec in "postgres|-H 127.0.0.1 -p 1|libpq|libhiredis libcurl libjansson" \
  "redis|-H 127.0.0.1 -p 1|libhiredis|libpq libcurl libjansson" \
  "rest-health|-u http://127.0.0.1:1/|libcurl libjansson libmwhttp|libpq libhiredis" \
  "vault|-u http://127.0.0.1:1|libcurl libjansson libmwhttp|libpq libhiredis" \
  "mcp-tools|-u http://127.0.0.1:1/mcp|libcurl libjansson libmwhttp|libpq libhiredis" \
  "tls-expiry|-H 127.0.0.1 -p 1|libssl libcrypto|libcurl libmwhttp libjansson libpq libhiredis"; do
  IFS='|' read -r check args own others <<<"$spec"
  [ -f "$MCPWATCH_CHECK_DIR/${check//-/_}.so" ] || continue
  # shellcheck disable=SC2086
  LD_DEBUG=files "$MCPWATCH" "$check" $args -t 2 >"$TMP/out" 2>"$TMP/ld.log"
  for lib in $own; do
    expect_true "grep -q 'file=.*$lib' '$TMP/ld.log'" "$check loads $lib"
  done
  for lib in $others libconfig mwconfig mwagent libsqlite3 libmicrohttpd; do
    expect_true "! grep -q 'file=.*$lib' '$TMP/ld.log'" "$check does not load $lib"
  done
done

LD_DEBUG=files "$MCPWATCH" run --config /nonexistent.conf >"$TMP/out" 2>"$TMP/ld.log"
expect_true "grep -q 'file=.*mwconfig\.so' '$TMP/ld.log'" "run loads the configuration module"
expect_true "grep -q 'file=.*mwagent\.so' '$TMP/ld.log'" "run loads the agent module"
LD_DEBUG=files "$MCPWATCH" notify --help >"$TMP/out" 2>"$TMP/ld.log"
for lib in mwagent libsqlite3 libmicrohttpd libgnutls; do
  expect_true "! grep -q 'file=.*$lib' '$TMP/ld.log'" "notify --help does not load $lib"
done
finish
