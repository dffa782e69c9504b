#!/bin/bash
# `mcpwatch disk` loads the disk plugin and nothing heavy: no libpq, libcurl or OpenSSL, and not
# even the configuration parser.
. "$(dirname "$0")/lib.sh"

LD_DEBUG=files "$MCPWATCH" disk -p / >"$TMP/out" 2>"$TMP/ld.log"
RC=$?
OUT=$(cat "$TMP/out")
expect_true "[ $RC -le 2 ]" "disk ran (exit $RC)"
expect_true "grep -q 'file=.*disk\.so' '$TMP/ld.log'" "the disk plugin was loaded"
for lib in libpq libcurl libssl libcrypto libhiredis libjansson libconfig mwconfig; do
  expect_true "! grep -q 'file=.*$lib' '$TMP/ld.log'" "$lib not loaded"
done

LD_DEBUG=files "$MCPWATCH" run -c /nonexistent.conf >"$TMP/out" 2>"$TMP/ld.log"
expect_true "grep -q 'file=.*mwconfig\.so' '$TMP/ld.log'" "run loads the configuration module"
finish
