#!/bin/bash
# SPDX-License-Identifier: MIT
# The disk check's perfdata read back by an independent parser: monitoring-plugins' Perl
# library (Monitoring::Plugin::Performance), as PNP4Nagios-style consumers would read it.
. "$(dirname "$0")/lib.sh"
perl -MMonitoring::Plugin::Performance -e 1 2>/dev/null ||
  skip_all "Monitoring::Plugin::Performance missing (apt-get install libmonitoring-plugin-perl)"
need_root_mounts

M="$TMP/data vol"
mount_tmpfs "$M" 8m 1000 || skip_all "tmpfs mount failed"
fill "$M" 2048
for i in $(seq 1 100); do : >"$M/f$i"; done
mw disk -p "$M" -w 60% -c 1MiB:
expect_rc 0 "disk on a path with a space: OK"
perf=${FIRST#*| }

# label|value|uom|warning|critical|min|max, one line per metric
parsed=$(perl -MMonitoring::Plugin::Performance -e '
  for my $p (Monitoring::Plugin::Performance->parse_perfstring($ARGV[0])) {
    printf "%s|%s|%s|%s|%s|%s|%s\n", $p->label, $p->value, $p->uom,
      $p->threshold->warning, $p->threshold->critical, $p->min // "", $p->max // "";
  }' "$perf")
OUT=$parsed
lines=$(printf '%s\n' "$parsed" | grep -c .)
expect_true "[ $lines = 2 ]" "two metrics parsed from: $perf"

read -r blocks free avail size <<<"$(stat -f -c '%b %f %a %S' "$M")"
used=$(((blocks - free) * size))
usable=$(((blocks - free + avail) * size))
warn=$((usable * 60 / 100))
crit=$((usable - 1048576))
expect_out "^$M\|$used\|B\|$warn\|$crit\|0\|$((blocks * size))$" \
  "space: label with a space, used bytes, ranges in bytes, min 0, max the size"
expect_out "^$M inodes\|[0-9.]+\|%\|80\|90\|0\|100$" "inodes: percent with the default ranges"
finish
