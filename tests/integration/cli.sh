#!/bin/bash
# SPDX-License-Identifier: MIT
# The command line: help, version, list and every kind of bad input.
. "$(dirname "$0")/lib.sh"

mw --help
expect_rc 0 "mcpwatch --help exits 0"
expect_out "Usage: mcpwatch CHECK" "--help shows usage"
mw --version
expect_rc 0 "--version exits 0"
expect_out "^mcpwatch [0-9]+\.[0-9]+\.[0-9]+ \(check ABI 1\)$" "--version names version and ABI"
mw list
expect_rc 0 "list exits 0"
expect_out "^disk +Space and inode usage" "list shows disk with its summary"

mw disk --help
expect_rc 3 "check --help exits 3 (Nagios convention)"
for opt in "-p, --path=PATH" "-A, --all" "-X, --exclude-type=TYPE" "-N, --include-type=TYPE" \
  "-w, --warning=RANGE" "-c, --critical=RANGE" "-W, --inode-warning=RANGE" \
  "-K, --inode-critical=RANGE" "-e, --errors-only" "-t, --timeout=DURATION" \
  "--timeout-state=STATE" "--format=FORMAT"; do
  if grep -qF -- "$opt" <<<"$OUT"; then ok "disk --help lists $opt"; else not_ok "disk --help lists $opt"; fi
done
mw help disk
expect_rc 0 "help disk exits 0"
expect_out "Usage: mcpwatch disk" "help disk shows the disk usage"

mw disk --frobnicate
expect_one_error_line "^DISK UNKNOWN - unknown option '--frobnicate'" "unknown long option"
mw disk -Z
expect_one_error_line "^DISK UNKNOWN - unknown option '-Z'" "unknown short option"
mw disk -p
expect_one_error_line "^DISK UNKNOWN - option '-p' needs a value" "missing value"
mw disk --warning
expect_one_error_line "^DISK UNKNOWN - option '--warning' needs a value" "missing long value"
mw disk -w 1:2:3
expect_one_error_line "^DISK UNKNOWN - --warning: range '1:2:3' has more than one ':'" "garbage range"
mw disk -w 20%:10%
expect_one_error_line "starts above its end" "inverted range"
mw disk -w 80
expect_one_error_line "needs a unit" "range without unit"
mw disk -t never
expect_one_error_line "--timeout expects a duration" "garbage timeout"
mw disk -t 1e300
expect_one_error_line "--timeout expects a duration" "absurd timeout"
mw disk -t 0
expect_one_error_line "--timeout expects a duration" "zero timeout"
mw disk --timeout-state maybe
expect_one_error_line "--timeout-state expects ok, warning, critical or unknown" "garbage timeout state"
mw disk --format xml
expect_one_error_line "--format must be one of text, json" "unknown format"
mw disk stray
expect_one_error_line "unexpected argument 'stray'" "positional argument"
mw disk -p / --all
expect_one_error_line "^DISK UNKNOWN - give either --path or --all" "--path with --all"
mw no-such-check
expect_one_error_line "^MCPWATCH UNKNOWN - unknown check 'no-such-check'" "unknown check"
mw ../../etc/passwd
expect_one_error_line "is not a check name" "path traversal in check name"
mw --bogus
expect_one_error_line "^MCPWATCH UNKNOWN - unknown option '--bogus'" "unknown top-level option"
mw list extra
expect_one_error_line "'list' takes no arguments" "list with arguments"

mw disk -p / -w 100% -c 100% -W 100 -K 100
expect_rc 0 "disk on / with 100% thresholds is OK"
expect_first "^DISK OK - / [0-9.]+% used .* \| /=[0-9]+B;[0-9]+;[0-9]+;0;[0-9]+ '/ inodes'=" \
  "status line with perfdata"
mw disk -p / --format json
expect_out '^\{"state":"[A-Z]+","exit_code":[0-3],"summary":"/ ' "JSON output"
# The short-option scheme (README): -w/-c are a check's ranges, -s/-n its own options; mcpwatch's
# own subcommands give such letters no other meaning, only long names.
mw run -c /nonexistent.conf
expect_one_error_line "^MCPWATCH UNKNOWN - unknown option '-c'" "run -c is refused (--config is the long name)"
CLASHES=
for sub in run agent status downtime flush "notify webhook" "notify pagerduty" "notify statuspage" "notify icinga2"; do
  # shellcheck disable=SC2086
  letters=$("$MCPWATCH" $sub --help 2>&1 | grep -oE '^  -[a-zA-Z],' | grep -oE '[a-zA-Z]' | tr -d '\n')
  [ -n "$letters" ] || { "$MCPWATCH" $sub --help 2>&1 | grep -q -- '--' || CLASHES="$CLASHES $sub:no-help"; }
  case "$letters" in *[cwns]*) CLASHES="$CLASHES $sub:$letters" ;; esac
done
expect_true "[ -z '$CLASHES' ]" "no subcommand gives -c, -w, -n or -s a meaning of its own${CLASHES:+ ($CLASHES)}"
finish
