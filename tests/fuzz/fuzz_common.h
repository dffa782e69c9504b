/* SPDX-License-Identifier: MIT */
/* fuzz_common.h - what every fuzz target shares: running a check or a notifier against the
 * scripted transport, and the invariants of mcpwatch's output that must hold whatever a server
 * sends. A broken invariant aborts, which libFuzzer reports as a crash with the input. */
#ifndef FUZZ_COMMON_H
#define FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "mw_check.h"
#include "mw_notify.h"

/* Aborts with what and the text when ok is false. */
void fuzz_expect(int ok, const char *what, const char *text);

/* Renders res as Nagios output and as JSON and checks both: one status line, long output lines
 * without '|', no control characters, every perfdata item well-formed (label, '=', value) and
 * as many items as the tree holds, JSON that parses. */
void fuzz_check_result(const struct mw_result *res, const char *service);

/* Opens check with argv (the check's name first, as on the command line), runs it once with
 * data as the server's answers, checks the result and closes it. */
void fuzz_run_check(const struct mw_check *check, int argc, const char *const *argv,
                    const uint8_t *data, size_t len);

/* fuzz_run_check with argv_b when data starts with prefix (which is then skipped), else with
 * argv_a: one target, two configurations, the input choosing. */
void fuzz_run_check_either(const struct mw_check *check, const char *prefix, int argc_a,
                           const char *const *argv_a, int argc_b, const char *const *argv_b,
                           const uint8_t *data, size_t len);

/* Opens notifier with argv, sends a trigger and a resolve with data as the receiver's answers
 * and checks each delivery's outcome and reason (one printable line). */
void fuzz_run_notifier(const struct mw_notifier *notifier, int argc, const char *const *argv,
                       const uint8_t *data, size_t len);

/* A folder for the run's files (removed at exit), and a file in it holding text. */
const char *fuzz_dir(void);
const char *fuzz_file(const char *name, const char *text);

#endif
