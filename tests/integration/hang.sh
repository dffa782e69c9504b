#!/bin/bash
# SPDX-License-Identifier: MIT
# A mount whose statvfs() never returns must not hang the check: the documented state comes
# within the timeout. hangfs plays the dead network server.
. "$(dirname "$0")/lib.sh"
: "${TEST_BIN:?}"
[ -x "$TEST_BIN/hangfs" ] || skip_all "hangfs not built (configure found no fuse3)"
[ "$(id -u)" = 0 ] || skip_all "needs root to mount FUSE"
[ -c /dev/fuse ] || skip_all "no /dev/fuse on this machine"

H=$TMP/hung
mkdir -p "$H"
"$TEST_BIN/hangfs" "$H" 2>"$TMP/hangfs.log" &
HANGFS_PID=$!
on_exit "kill -9 $HANGFS_PID; umount -l '$H'"
if ! wait_for "grep -q ' $H .* - fuse' /proc/self/mountinfo" 10; then
  cat "$TMP/hangfs.log"
  skip_all "hangfs did not mount (FUSE not usable here)"
fi

mw disk -p "$H" -t 1
expect_rc 2 "hung mount: CRITICAL (default --timeout-state)"
expect_first "^DISK CRITICAL - $H: statvfs\(\) did not return within the timeout" "hung mount named"
expect_true "[ $ELAPSED_MS -lt 2500 ]" "answer within the 1 s timeout plus slack (${ELAPSED_MS} ms)"

mw disk -p "$H" -t 1 --timeout-state unknown
expect_rc 3 "--timeout-state unknown: UNKNOWN"

mw disk -p / -p "$H" -t 1 -w 100% -c 100% -W 100 -K 100
expect_rc 2 "a healthy and a hung mount: CRITICAL"
expect_out "^\\\\_ \[OK\] / " "the healthy mount is still reported"

# Inside `mcpwatch run`, instances run in parallel: two hung instances take one timeout.
cat >"$TMP/hung.conf" <<CONF
checks: {
  hung-a: { check = "disk"; path = ["$H"]; timeout = 1; };
  hung-b: { check = "disk"; path = ["$H"]; timeout = 1; };
  root: { check = "disk"; path = ["/"]; warning = "100%"; critical = "100%"; };
};
CONF
mw run --config "$TMP/hung.conf"
expect_rc 2 "run with hung mounts: CRITICAL"
expect_true "[ $ELAPSED_MS -lt 2500 ]" "parallel instances: one timeout, not two (${ELAPSED_MS} ms)"
expect_out "^OK +root " "the healthy instance is reported"
finish
