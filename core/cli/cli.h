/* SPDX-License-Identifier: MIT */
/* cli.h - what the mcpwatch command's files share: the commands main() dispatches to, the one
 * way they fail, their --help and --format (cli.c). Included by core/cli only. */
#ifndef MW_CLI_H
#define MW_CLI_H

#include "mw_core.h"

/* Prints "SERVICE UNKNOWN - message" on stdout and returns 3: the one line Nagios shows. */
int cli_fail(const char *service, const char *fmt, ...) MW_PRINTF(2, 3);
/* --help on stdout in one write: fmt (usage and description, ending in a blank line), then
 * "Options:" and the option tables options and more (more may be NULL). */
void cli_help(const struct mw_option *options, const struct mw_option *more, const char *fmt, ...)
    MW_PRINTF(3, 4);
/* The values of a --format option: a table for people, or JSON for programs. */
extern const char *const cli_formats[];
int cmd_run(int argc, char **argv);
int cmd_notify(int argc, char **argv);
int cmd_flush(int argc, char **argv);
int cmd_agent(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_downtime(int argc, char **argv);
int cmd_history(int argc, char **argv);

#endif
