#!/bin/bash
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

for cmd in "run -c $TMP/etc/mcpwatch.conf" "run -c $TMP/etc/mcpwatch.conf --format json" \
  "disk -p / -p /nonexistent" "disk --all -w 10GiB: -c 1GiB:" "disk -w garbage" "list" \
  "run -c $TMP/missing.conf" "postgres -H 127.0.0.1 -p 1 -m connection -m backends" \
  "redis -H 127.0.0.1 -p 1 -m ping -m memory"; do
  # shellcheck disable=SC2086
  $LIBTOOL --mode=execute $VG "$MCPWATCH" $cmd >"$TMP/out" 2>"$TMP/vg.log"
  RC=$?
  OUT=$(cat "$TMP/vg.log")
  expect_true "[ $RC != 42 ] && [ ! -s '$TMP/vg.log' ]" "valgrind clean: mcpwatch $cmd"
done
finish
