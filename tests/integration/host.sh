#!/bin/bash
# SPDX-License-Identifier: MIT
# The host check: figures against /proc read independently, check_load and free on the same
# machine; exact states from a proc folder the test writes (--procfs); the CPU over the time
# between two runs of one kept state; and proc files that are FIFOs, garbage or huge.
. "$(dirname "$0")/lib.sh"
need_check host

CPUS=$(getconf _NPROCESSORS_ONLN)
near() { awk -v a="$1" -v b="$2" -v t="$3" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= t) }'; }
perf() { sed -n "s/.*[ |]$1=\([0-9.e+-]*\).*/\1/p" <<<"$OUT" | head -n 1; }

# ---- the real /proc --------------------------------------------------------------------------
# The machine's memory moves while other jobs run (CI runs suites side by side), so the check's
# figure is bracketed by readings of /proc/meminfo and free taken just before and just after it;
# a run whose figure falls outside is measured again, up to five times.
meminfo_avail() { echo $(($(awk '/^MemAvailable:/ { print $2 }' /proc/meminfo) * 1024)); }
free_avail() { free -b | awk '/^Mem:/ { print $7 }'; }
between() { awk -v v="$1" -v a="$2" -v b="$3" -v m="$4" 'BEGIN { lo = a < b ? a : b; hi = a < b ? b : a; exit !(v >= lo - m && v <= hi + m) }'; }
MEM_TOTAL=$(($(awk '/^MemTotal:/ { print $2 }' /proc/meminfo) * 1024))
for try in 1 2 3 4 5; do
  BEFORE=$(meminfo_avail) FREE_BEFORE=$(free_avail)
  mw host -m memory
  AFTER=$(meminfo_avail) FREE_AFTER=$(free_avail)
  between "$(perf available)" "$BEFORE" "$AFTER" 16777216 &&
    between "$(perf available)" "$FREE_BEFORE" "$FREE_AFTER" 16777216 && break
done
expect_true "[ $RC -le 2 ] && grep -qE '^HOST [A-Z]+ - [0-9.]+% of memory used' <<<\"\$FIRST\"" "memory of this machine: judged ($FIRST)"
expect_true "between '$(perf available)' '$BEFORE' '$AFTER' 16777216 && between '$(perf available)' '$FREE_BEFORE' '$FREE_AFTER' 16777216" \
  "memory: available between /proc/meminfo's MemAvailable and free's available read just before and after, within 16 MiB (try $try: $(perf available) vs $BEFORE..$AFTER vs $FREE_BEFORE..$FREE_AFTER)"
expect_true "[ '$(perf used)' -eq $((MEM_TOTAL - $(perf available))) ]" "memory: used is MemTotal - MemAvailable"
expect_out "used=[0-9]+B;[0-9]+;[0-9]+;0;$MEM_TOTAL " "memory: perfdata used with the 85%/95% ranges in bytes and MemTotal as max"

read -r _ _ L15_BEFORE _ </proc/loadavg
mw host -m load
read -r L1 L5 L15 _ </proc/loadavg
CL=$(/usr/lib/nagios/plugins/check_load -r -w 99,99,99 -c 99,99,99 2>/dev/null)
read -r _ _ L15_AFTER _ </proc/loadavg
CL15=$(sed -n 's/.* load15=\([0-9.]*\);.*/\1/p' <<<"$CL")
expect_true "[ $RC -le 2 ] && grep -qE '^HOST [A-Z]+ - load per core [0-9.]+, [0-9.]+, [0-9.]+ \\(total ' <<<\"\$FIRST\"" "load of this machine: judged ($FIRST)"
# load15 moves every 5 s: the check's figure lies between the readings just before and after it
expect_true "between '$(perf load15)' '$L15_BEFORE' '$L15' 0.01 && { [ -z '$CL15' ] || between '$CL15' '$L15' '$L15_AFTER' 0.01; }" \
  "load: load15 as /proc/loadavg and check_load say ($(perf load15) in $L15_BEFORE..$L15, check_load ${CL15:-none} in $L15..$L15_AFTER)"
expect_true "near '$(perf scaled_load15)' \"\$(awk -v l='$(perf load15)' -v n=$CPUS 'BEGIN { print l / n }')\" 0.001" \
  "load: scaled_load15 is load15 over $CPUS CPUs"
expect_out "scaled_load1=[0-9.]+;2;4;0" "load: perfdata named as check_load -r's, ranges on the scaled values"

mw host -m cpu --sample 300ms
expect_true "[ $RC -le 2 ] && awk -v s=\"\$(perf user) \$(perf nice) \$(perf system) \$(perf idle) \$(perf wait) \$(perf interrupt) \$(perf softirq) \$(perf steal)\" 'BEGIN { n = split(s, a, \" \"); t = 0; for (i = 1; i <= n; i++) t += a[i]; exit !(n == 8 && t > 99.9 && t < 100.1) }'" \
  "cpu from a shell: a sample of 300 ms whose eight shares add up to 100% ($FIRST)"
expect_true "near '$(perf busy)' \"\$(awk -v i='$(perf idle)' -v w='$(perf wait)' 'BEGIN { print 100 - i - w }')\" 0.02" \
  "cpu: busy is 100 - idle - wait"

if [ -r /proc/pressure/memory ]; then
  mw host -m pressure --resource memory,io
  expect_true "[ $RC -le 2 ] && grep -qE '^HOST [A-Z]+ - PSI some avg60: memory [0-9.]+%, io [0-9.]+%' <<<\"\$FIRST\"" \
    "pressure from /proc/pressure ($FIRST)"
else
  mw host -m pressure
  expect_rc 3 "pressure on a kernel without PSI: UNKNOWN"
fi

# ---- a proc folder the test writes -----------------------------------------------------------
P=$TMP/proc
mkdir -p "$P/pressure"
printf '%s %s %s 4/300 999\n' "$(awk -v n=$CPUS 'BEGIN { print 3 * n }')" "$CPUS" 0.5 >"$P/loadavg"
mw host --procfs "$P" -m load
expect_rc 1 "load 3 per core: WARNING under the default -w 2 -c 4"
expect_first "^HOST WARNING - load per core 3\.00, 1\.00, " "load: the per-core figures in the summary"
mw host --procfs "$P" -m load -w 5 -c 2.5
expect_rc 2 "load 3 per core with -c 2.5: CRITICAL"

cat >"$P/meminfo" <<'M'
MemTotal:        1000000 kB
MemFree:          100000 kB
MemAvailable:     100000 kB
Buffers:           10000 kB
Cached:           200000 kB
SwapCached:            0 kB
SwapTotal:        400000 kB
SwapFree:         100000 kB
SReclaimable:      20000 kB
SUnreclaim:         5000 kB
M
mw host --procfs "$P" -m memory
expect_rc 1 "memory 90% used: WARNING under the default 85%/95%"
expect_first "^HOST WARNING - 90\.0% of memory used \(879 MiB of 977 MiB, 97\.7 MiB available\)" "memory: the summary"
mw host --procfs "$P" -m memory -w 200MiB: -c 50MiB:
expect_rc 1 "memory: 97.7 MiB available with -w 200MiB: -c 50MiB: is WARNING"
expect_out "available=102400000B;209715200:;52428800:;0;1024000000" "memory: the byte ranges on available"
mw host --procfs "$P" -m swap
expect_rc 1 "swap 75% used: WARNING under the default 50%/80%"
expect_out "swap_used=307200000B;204800000;327680000;0;409600000" "swap: perfdata in bytes"
sed -i 's/^SwapTotal:.*/SwapTotal: 0 kB/; s/^SwapFree:.*/SwapFree: 0 kB/' "$P/meminfo"
mw host --procfs "$P" -m swap
expect_rc 0 "no swap: OK by default"
mw host --procfs "$P" -m swap --no-swap-state critical
expect_rc 2 "no swap with --no-swap-state critical: CRITICAL"

printf 'some avg10=30.00 avg60=12.00 avg300=1.00 total=5\n' >"$P/pressure/cpu"
printf 'some avg10=0.00 avg60=0.00 avg300=0.00 total=0\nfull avg10=0.00 avg60=40.00 avg300=0.00 total=0\n' >"$P/pressure/memory"
printf 'some avg10=0.00 avg60=0.00 avg300=0.00 total=0\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n' >"$P/pressure/io"
mw host --procfs "$P" -m pressure
expect_rc 1 "pressure: cpu some avg60 12%: WARNING"
mw host --procfs "$P" -m pressure --window 10
expect_rc 2 "pressure: cpu some avg10 30%: CRITICAL"
mw host --procfs "$P" -m pressure --stall full
expect_rc 2 "pressure: memory full avg60 40%: CRITICAL"
expect_first "cpu not reported, memory 40\.0%, io 0\.0%" "pressure: a cpu file without a full line is said, not judged"
mw host --procfs "$P" -m pressure --resource io
expect_rc 0 "pressure: io alone OK"

# the CPU over the time between two runs of one kept state, as in the agent and collectd
cat >"$TMP/step.sh" <<S
#!/bin/sh
# between two runs: the counters move as a host would (1000 ticks, then 1000 more)
s=\$(cat "$TMP/step"); s=\$((s + 1)); echo \$s >"$TMP/step"
if [ \$s = 1 ]; then set -- 1150 1100 8750; else set -- 1650 1560 8790; fi
printf 'cpu  %s 0 %s %s 0 0 0 0 0 0\nintr 1\n' "\$1" "\$2" "\$3" >"$P/stat"
S
chmod +x "$TMP/step.sh"
printf 'cpu  1000 0 1000 8000 0 0 0 0 0 0\nintr 1\n' >"$P/stat"
printf 0 >"$TMP/step"
export REPEAT_BETWEEN="$TMP/step.sh"
OUT=$("$TEST_BIN/repeat" 3 host --procfs "$P" -m cpu --sample 100ms 2>&1)
unset REPEAT_BETWEEN
expect_true "[ \"\$(sed -n 1p <<<\"\$OUT\")\" != '' ] && grep -q 'UNKNOWN - no CPU time passed during the sample' <<<\"\$(sed -n 1p <<<\"\$OUT\")\"" \
  "cpu: a first run over counters that do not move is UNKNOWN, named"
expect_true "grep -qE ' OK - CPU 25\.0% busy' <<<\"\$(sed -n 2p <<<\"\$OUT\")\"" \
  "cpu: the second run judges the 1000 ticks since the first (25% busy) without a sample"
expect_true "grep -qE ' CRITICAL - CPU 96\.0% busy' <<<\"\$(sed -n 3p <<<\"\$OUT\")\"" \
  "cpu: the third run judges the time since the second (96% busy)"

# ---- hostile proc files ----------------------------------------------------------------------
H=$TMP/hostile
mkdir -p "$H/pressure"
mkfifo "$H/loadavg" "$H/pressure/cpu"
mw host --procfs "$H" -m load -t 2
expect_within 2000 "a FIFO as loadavg: no wait"
expect_true "[ $RC = 3 ] && [ \"\$FIRST\" = 'HOST UNKNOWN - $H/loadavg is not a regular file' ]" "a FIFO as loadavg: UNKNOWN, one line"
mw host --procfs "$H" -m pressure --resource cpu -t 2
expect_rc 3 "a FIFO as pressure/cpu: UNKNOWN"
head -c 10000000 /dev/urandom >"$H/meminfo"
mw host --procfs "$H" -m memory
expect_true "[ $RC = 3 ] && [ \"\$FIRST\" = 'HOST UNKNOWN - $H/meminfo: not in the format this check reads' ] && [ \$(wc -l <<<\"\$OUT\") = 1 ]" \
  "10 MB of random bytes as meminfo: UNKNOWN, one line"
printf 'cpu0 1 2 3 4 5 6 7 8\n' >"$H/stat"
mw host --procfs "$H" -m cpu
expect_rc 3 "a stat without the cpu line: UNKNOWN"
mw host --procfs "$TMP/none" -m memory
expect_true "[ $RC = 3 ] && grep -q 'cannot read $TMP/none/meminfo: No such file or directory' <<<\"\$FIRST\"" "a missing proc folder: UNKNOWN with the path"
mw host --procfs relative -m memory
expect_true "[ $RC = 3 ] && grep -q 'procfs must be an absolute path' <<<\"\$FIRST\"" "--procfs relative: refused"
mw host -m cpu -m load -w 3
expect_true "[ $RC = 3 ] && grep -q 'apply to one mode' <<<\"\$FIRST\"" "-w with two modes: refused"
mw host -m cpu --sample 5ms
expect_true "[ $RC = 3 ] && grep -q 'sample must be between' <<<\"\$FIRST\"" "--sample 5ms: refused"

finish
