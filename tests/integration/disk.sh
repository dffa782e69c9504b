#!/bin/bash
# SPDX-License-Identifier: MIT
# The disk check against tmpfs file systems whose usage the test sets: OK, WARNING and CRITICAL
# on purpose, perfdata checked against stat -f.
. "$(dirname "$0")/lib.sh"
need_root_mounts

M=$TMP/fs
mount_tmpfs "$M" 10m 100 || skip_all "tmpfs mount failed"

# Used bytes and the usable size (used + available) as the kernel reports them.
fs_numbers() {
  stat -f -c '%b %f %a %S' "$1" | {
    read -r blocks free avail size
    echo "$(((blocks - free) * size)) $(((blocks - free + avail) * size)) $((blocks * size))"
  }
}

fill "$M" 5120 # 50%
mw disk -p "$M" -w 80% -c 90%
expect_rc 0 "50% used: OK"
expect_first "^DISK OK - $M 50\.0% used \(5\.00 MiB of 10\.0 MiB, 5\.00 MiB free\)" "OK summary"
read -r used usable total <<<"$(fs_numbers "$M")"
warn=$((usable * 80 / 100))
crit=$((usable * 90 / 100))
expect_first "\| $M=${used}B;${warn};${crit};0;${total} '$M inodes'=" "perfdata: used bytes, ranges in bytes, size as max"

fill "$M" 3584 # 85%
mw disk -p "$M" -w 80% -c 90%
expect_rc 1 "85% used: WARNING"
expect_first "^DISK WARNING - $M 85\.0% used" "WARNING summary"

fill "$M" 1024 # 95%
mw disk -p "$M" -w 80% -c 90%
expect_rc 2 "95% used: CRITICAL"
expect_first "^DISK CRITICAL - $M 95\.0% used" "CRITICAL summary"

# Free-space ranges: 512 KiB free.
mw disk -p "$M" -w 1MiB: -c 256KiB:
expect_rc 1 "512 KiB free with -w 1MiB: -c 256KiB:: WARNING"
read -r used usable total <<<"$(fs_numbers "$M")"
expect_first "\| $M=${used}B;$((usable - 1048576));$((usable - 262144));0;${total} " \
  "free-space ranges become used-byte ranges in perfdata"
mw disk -p "$M" -w 256KiB: -c 1MiB:
expect_rc 2 "512 KiB free with -c 1MiB:: CRITICAL"
mw disk -p "$M" -w 100KB: -c 10KB:
expect_rc 0 "512 KiB free with -w 100KB:: OK"
mw disk -p "$M" -w @90%:96% -c 100%
expect_rc 1 "inside range @90%:96% alerts at 95%"

# Inodes: 100 in all; create files until more than 85 are used.
rm -f "$M"/fill.*
for i in $(seq 1 85); do : >"$M/f$i"; done
mw disk -p "$M" -W 80 -K 90
expect_rc 1 "inodes over 80%: WARNING"
expect_first "inodes 8[5-9]\.[0-9]% used" "inode percent in summary"
expect_first "'$M inodes'=8[5-9](\.[0-9]+)?%;80;90;0;100" "inode perfdata with thresholds"
mw disk -p "$M" -W 80 -K 84
expect_rc 2 "inodes over 84%: CRITICAL"
rm -f "$M"/f*

# Several paths: one long-output line each, the worst decides; --errors-only hides the OK ones.
M2=$TMP/fs2
mount_tmpfs "$M2" 4m || skip_all "second tmpfs failed"
fill "$M2" 3900 # ~95%
mw disk -p "$M" -p "$M2" -w 80% -c 90%
expect_rc 2 "one full file system out of two: CRITICAL"
expect_first "^DISK CRITICAL - $M2 9[0-9]\.[0-9]% used .*; 1 of 2 file systems not OK" "worst one named first"
expect_out "^\\\\_ \[OK\] $M 0\.0% used" "long output: the OK one"
expect_out "^\\\\_ \[CRITICAL\] $M2 " "long output: the critical one"
mw disk -p "$M" -p "$M2" -w 80% -c 90% --errors-only
expect_no_out "^\\\\_ \[OK\]" "--errors-only hides OK file systems"
expect_first "\| $M=[0-9]+B;.* $M2=" "--errors-only keeps every perfdata"

# --all skips pseudo file systems such as tmpfs unless asked for by type.
mw disk --all -w 100% -c 100% -W 100 -K 100
expect_no_out "$M" "--all skips tmpfs"
mw disk --all -N tmpfs -w 100% -c 100%
expect_out "$M2" "--all -N tmpfs includes the test mounts"
mw disk --all -N tmpfs -X tmpfs -w 100% -c 100%
expect_out "$M" "-N wins over the pseudo list"
mw disk --all -N no-such-type
expect_rc 3 "--all with nothing to check: UNKNOWN"
expect_first "no file system to check" "says why"

# A path with a space, a quote and a pipe cannot break the Nagios output.
ODD="$TMP/odd dir 'q' |x"
mount_tmpfs "$ODD" 1m || skip_all "odd tmpfs failed"
mw disk -p "$ODD"
expect_rc 0 "odd path: OK"
pipes=$(tr -cd '|' <<<"$FIRST" | wc -c)
expect_true "[ $pipes = 1 ]" "exactly one '|' on the status line"
expect_first "\| '$TMP/odd dir ''q'' _x'=[0-9]+B;" "label quoted, quote doubled, pipe replaced"

# A path that does not exist is CRITICAL with the reason.
mw disk -p "$TMP/missing"
expect_rc 2 "missing path: CRITICAL"
expect_first "is not accessible: No such file or directory" "missing path reason"
finish
