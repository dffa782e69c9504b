# SPDX-License-Identifier: MIT
# row.sh - sourced by every benchmark: bench_row adds one line to the table tests/bench/run
# prints, when run sets BENCH_ROWS (a file). Standalone runs print only their own output.
#
#   bench_row TASK MCPWATCH ANCHOR-NAME ANCHOR UNIT      (lower is better for both values)
bench_row() {
  [ -n "${BENCH_ROWS:-}" ] && printf '%s\t%s\t%s\t%s\t%s\n' "$@" >>"$BENCH_ROWS"
  return 0
}
