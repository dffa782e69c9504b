/* SPDX-License-Identifier: MIT */
/* cli.h - what the mcpwatch command's files share: the commands main() dispatches to and the
 * one way they fail (cli.c). Included by core/cli only. */
#ifndef MW_CLI_H
#define MW_CLI_H

#include "mw_core.h"

/* Prints "SERVICE UNKNOWN - message" on stdout and returns 3: the one line Nagios shows. */
int cli_fail(const char *service, const char *fmt, ...) MW_PRINTF(2, 3);
int cmd_run(int argc, char **argv);
int cmd_notify(int argc, char **argv);
int cmd_flush(int argc, char **argv);
int cmd_agent(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_downtime(int argc, char **argv);

#endif
