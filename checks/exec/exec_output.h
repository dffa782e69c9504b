/* SPDX-License-Identifier: MIT */
/* exec_output.h - a Nagios plugin's output, as the plugin guidelines define it, into a result:
 * the first line's text and perfdata, the long output, and perfdata on later lines. */
#ifndef EXEC_OUTPUT_H
#define EXEC_OUTPUT_H

#include <stddef.h>

#include "mw_check.h"

/* Fills res from len bytes of output (not NUL-terminated; a NUL ends the text of its line): the
 * first line's text (before '|') as the summary, or "(no output)"; perfdata after the first line's
 * '|' and on every line after the first '|' of the long output; the other long output lines as
 * notes (at most max_lines). Returns the number of perfdata items it could not read. */
size_t exec_parse_output(const char *out, size_t len, struct mw_result *res, size_t max_lines);

/* Reads the perfdata in text (len bytes) into res; the count of items it could not read. */
size_t exec_parse_perfdata(const char *text, size_t len, struct mw_result *res);

#endif
