#!/bin/bash
# `mcpwatch disk` loads the disk plugin and nothing heavy: no libpq, libcurl or OpenSSL, and not
# even the configuration parser; each other check loads only its own client library.
. "$(dirname "$0")/lib.sh"

LD_DEBUG=files "$MCPWATCH" disk -p / >"$TMP/out" 2>"$TMP/ld.log"
RC=$?
OUT=$(cat "$TMP/out")
expect_true "[ $RC -le 2 ]" "disk ran (exit $RC)"
expect_true "grep -q 'file=.*disk\.so' '$TMP/ld.log'" "the disk plugin was loaded"
for lib in libpq libcurl libssl libcrypto libhiredis libjansson libconfig mwconfig; do
  expect_true "! grep -q 'file=.*$lib' '$TMP/ld.log'" "$lib not loaded"
done

# Each check maps its own client library and no other: redis never pulls in libpq, nor postgres
# hiredis. Nothing needs to listen: a refused connection is enough.
for pair in "postgres:libpq:libhiredis" "redis:libhiredis:libpq"; do
  IFS=: read -r check own other <<<"$pair"
  [ -f "$MCPWATCH_CHECK_DIR/$check.so" ] || continue
  LD_DEBUG=files "$MCPWATCH" "$check" -H 127.0.0.1 -p 1 -t 2 >"$TMP/out" 2>"$TMP/ld.log"
  expect_true "grep -q 'file=.*$own' '$TMP/ld.log'" "$check loads $own"
  for lib in "$other" libcurl libconfig mwconfig; do
    expect_true "! grep -q 'file=.*$lib' '$TMP/ld.log'" "$check does not load $lib"
  done
done

LD_DEBUG=files "$MCPWATCH" run -c /nonexistent.conf >"$TMP/out" 2>"$TMP/ld.log"
expect_true "grep -q 'file=.*mwconfig\.so' '$TMP/ld.log'" "run loads the configuration module"
finish
